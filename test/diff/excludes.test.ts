// diff --exclude GLOB (repeatable) and --exclude-from FILE (contracts.md "Globs"): an excluded
// path and everything beneath it is compared on neither side, whichever kind each operand
// is. The oracle: getfacl -R's changes filtered by a predicate written independently here.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';
import { diffCli, kindsByPath, oracleChanges, parseDiffJson, snapshotFile, sortedEntries, toolView, type ChangeKind } from './diff-kit.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-diff-exclude-');
});
afterEach(() => {
  removeTree(dir);
});

const FILES = [
  'keep.txt', 'node_modules/pkg/index.js', 'src/node_modules/lib.js', 'src/node_modules_not', '.hidden', 'src/.git/config',
  'build/cache/x', 'build/out', 'src/build/cache/y', 'src/build/out', 'logs/a.log', 'logs/.b.log', 'logs/keep.txt', 'src/c.log',
];

const components = (p: string): string[] => p.split('/');
const under = (p: string, top: string): boolean => p === top || p.startsWith(`${top}/`);

/** Every path modified (chmod -R), one removed and one added, some inside excluded places. */
function scenario(): Map<string, ChangeKind> {
  for (const f of FILES) {
    fs.mkdirSync(path.dirname(path.join(dir, 'tree', f)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tree', f), '');
  }
  snapshotFile(dir, ['tree'], 'healthy.facl');
  const before = toolView(dir);
  fs.writeFileSync(path.join(dir, 'healthy.getfacl'), before.text, 'latin1');
  sh('chmod -R 700 tree && rm tree/logs/a.log tree/src/build/out && touch tree/node_modules/new.js tree/src/new.log', dir);
  const after = toolView(dir);
  fs.writeFileSync(path.join(dir, 'damaged.getfacl'), after.text, 'latin1');
  return oracleChanges(before, after, false);
}

function expectExcluded(args: string[], expected: Map<string, ChangeKind>): void {
  const r = diffCli([...args, '--format', 'json'], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(1);
  expect(sortedEntries(kindsByPath(parseDiffJson(r.stdout))), args.join(' ')).toEqual(sortedEntries(expected));
}

const keepOnly = (changes: Map<string, ChangeKind>, keep: (p: string) => boolean): Map<string, ChangeKind> =>
  new Map([...changes].filter(([p]) => keep(p)));

const CASES: Array<[string, string[], (p: string) => boolean]> = [
  ['a pattern without / matches a name at any depth, with everything beneath', ['--exclude', 'node_modules'], (p) => !components(p).includes('node_modules')],
  ['** crosses directories', ['--exclude', 'tree/**/cache'], (p) => !/^tree\/(.*\/)?cache(\/|$)/.test(p)],
  ['a pattern with / is anchored at the root of the paths', ['--exclude', 'tree/build'], (p) => !under(p, 'tree/build')],
  ['* matches dotfiles', ['--exclude', '*.log'], (p) => !components(p).some((c) => c.endsWith('.log'))],
  [
    '--exclude is repeatable',
    ['--exclude', 'node_modules', '--exclude', 'tree/src/build', '--exclude', '.git'],
    (p) => !components(p).includes('node_modules') && !under(p, 'tree/src/build') && !components(p).includes('.git'),
  ],
];

/** The operand pairs each case is checked with: live AFTER, live BEFORE, two getfacl texts, a trailing slash. */
const PAIRS = [['healthy.facl', 'tree'], ['tree', 'healthy.getfacl'], ['healthy.getfacl', 'damaged.getfacl'], ['healthy.facl', 'tree/']];

describe.skipIf(!restoreReady)(`diff --exclude and --exclude-from (${SKIP_REASON})`, () => {
  for (const [i, [title, args, keep]] of CASES.entries()) {
    const pairs = [PAIRS[0] as string[], PAIRS[1 + (i % 3)] as string[]];
    it(`${title} (${args.join(' ')}; ${pairs.map((p) => p.join(' vs ')).join(', ')})`, () => {
      const all = scenario();
      const expected = keepOnly(all, keep);
      expect(expected.size).toBeLessThan(all.size);
      expect(expected.size).toBeGreaterThan(0);
      for (const pair of pairs) {
        const live = pair[0] === 'tree';
        expectExcluded([...pair, ...args], live ? swapKinds(expected) : expected);
      }
    });
  }

  it('reads --exclude-from FILE: one glob per line, blank and # lines ignored, added to --exclude', () => {
    const all = scenario();
    fs.writeFileSync(path.join(dir, 'patterns'), '# build output\n\ntree/build/\n  *.log  \n#node_modules\n');
    const expected = keepOnly(all, (p) => !under(p, 'tree/build') && !components(p).some((c) => c.endsWith('.log')) && !components(p).includes('.git'));
    expect(expected.size).toBeLessThan(all.size);
    expect([...expected.keys()].some((p) => p.includes('node_modules'))).toBe(true); // the # line is a comment
    expectExcluded(['healthy.facl', 'tree', '--exclude-from', 'patterns', '--exclude', '.git'], expected);
  });

  it('takes --exclude . for the root on both sides: a snapshot of . against the live . then compares nothing, which is trouble (exit 2), not drift', () => {
    scenario();
    const inside = { cwd: path.join(dir, 'tree') };
    const taken = permsnap(['snapshot', '--quiet', '.', '-o', path.join(dir, 'dot.facl')], inside);
    expect(taken.status, taken.stderr).toBe(0);
    sh('chmod 777 src', path.join(dir, 'tree'));
    expect(diffCli([path.join(dir, 'dot.facl'), '.'], inside).status).toBe(1);
    const r = diffCli([path.join(dir, 'dot.facl'), '.', '--exclude', '.'], inside);
    // Had one side kept a path, it would be missing or extra (exit 1).
    expect([r.status, r.stdout.toString()]).toEqual([2, '']);
    expect(r.stderr).toContain('permsnap: the exclude globs left out every path of both sides: nothing was compared');
  });

  it('an unreadable --exclude-from file is trouble (exit 2), not an empty list', () => {
    scenario();
    const r = diffCli(['healthy.facl', 'tree', '--exclude-from', 'no-such-file'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^permsnap: .*no-such-file/m);
    expect(r.stdout.length).toBe(0);
  });
});

/** With the live (damaged) tree as BEFORE, what was missing is extra and the other way round. */
function swapKinds(changes: Map<string, ChangeKind>): Map<string, ChangeKind> {
  const swap = { modified: 'modified', missing: 'extra', extra: 'missing' } as const;
  return new Map([...changes].map(([p, k]) => [p, swap[k]]));
}
