// `--sort` (contracts.md "Sorted order": depth-first, a directory before its contents,
// siblings in byte order; `a`, `a/b`, `a-b`) and `--exclude`/`--exclude-from` (contracts.md
// "Globs"). The oracles: an independent component-wise byte comparison, and getfacl -R's
// own blocks filtered by an independent predicate.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclReady, blockFile, filePaths, hasSetpriv, latin1, runAsNobody, splitBlocks, stripMarkers, tryMount, unmount, unquote } from '../helpers/facl-text.js';
import { CLI, getfacl, isRoot, makeTempDir, permsnap, removeTree } from '../helpers/tree.js';

let dir = '';
const mounts: string[] = [];
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  for (const m of mounts.splice(0).reverse()) unmount(m);
  removeTree(dir);
});

const b = (s: string | Buffer): Buffer => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s);

/** contracts.md's order, written independently: component by component, byte strings. */
function compareSorted(x: Buffer, y: Buffer): number {
  const xs = split(x);
  const ys = split(y);
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const c = Buffer.compare(xs[i] as Buffer, ys[i] as Buffer);
    if (c !== 0) return c;
  }
  return xs.length - ys.length;
}

function split(p: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i === p.length || p[i] === 0x2f) {
      parts.push(p.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}

function snapshot(args: string[], cwd = dir): string {
  const r = permsnap(['snapshot', '--quiet', ...args], { cwd });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return latin1(r.stdout);
}

/** Names chosen so that string order, locale order and byte order all disagree. */
const SORT_NAMES: Buffer[] = [
  'a', 'a-b', 'a.b', 'a0', 'aa', 'A', 'B', 'b', '_', '~', '#x', 'a b', ' lead', 'Z', 'é', 'ü', '10', '9', 'new\nline', 'back\\slash',
].map(b).concat([Buffer.from([0xff, 0x41]), Buffer.from([0xc3, 0x28]), Buffer.from([0x7f])]);

function buildSortTree(root: string, reverse = false): void {
  const names = reverse ? [...SORT_NAMES].reverse() : SORT_NAMES;
  fs.mkdirSync(root);
  const at = (...parts: Array<string | Buffer>): Buffer => Buffer.concat([b(root), ...parts.flatMap((p) => [b('/'), b(p)])]);
  // `a` is a directory (so `a/b` exists), every other name a file, plus nested directories.
  const dirs = ['a', 'B', 'é'];
  const order = reverse ? [...dirs].reverse() : dirs;
  for (const d of order) fs.mkdirSync(at(d));
  for (const n of names) {
    if (dirs.includes(n.toString('latin1')) || dirs.includes(n.toString('utf8'))) continue;
    fs.writeFileSync(at(n), '');
  }
  for (const d of order) {
    for (const n of reverse ? [...SORT_NAMES].reverse() : SORT_NAMES) {
      if (n.includes(0x0a)) continue;
      fs.writeFileSync(at(d, n), '');
    }
  }
  fs.mkdirSync(at('a', 'sub'));
  for (const n of reverse ? ['z', 'm', 'a'] : ['a', 'm', 'z']) fs.writeFileSync(at('a', 'sub', n), '');
  fs.chmodSync(at('a', 'a0'), 0o4755);
  execFileSync('setfacl', ['-m', 'u:bin:rwx', at('a', 'aa').toString('latin1')]);
}

function printedPaths(text: string): Buffer[] {
  return filePaths(text).map(unquote);
}

/** getfacl -R's blocks whose path passes `keep`, in getfacl's order. */
function getfaclFiltered(args: string[], keep: (path: string) => boolean, cwd = dir): string {
  const blocks = splitBlocks(latin1(getfacl(['-R', ...args], { cwd }).stdout));
  const kept = blocks.filter((block) => keep(unquote(blockFile(block) as string).toString('latin1')));
  return kept.map((block) => `${block}\n\n`).join('');
}

describe.skipIf(!aclReady)('snapshot --sort (needs getfacl and ACLs on the temp filesystem)', () => {
  it('prints a directory before its contents and siblings in byte order, component by component (a, a/b, a-b)', () => {
    buildSortTree(path.join(dir, 'tree'));
    const text = snapshot(['--sort', 'tree']);
    const paths = printedPaths(text);
    const sorted = [...paths].sort(compareSorted);
    expect(paths.map((p) => p.toString('latin1'))).toEqual(sorted.map((p) => p.toString('latin1')));
    const index = (p: string): number => paths.findIndex((x) => x.equals(b(p)));
    expect(index('tree/a')).toBeGreaterThan(0);
    expect(index('tree/a')).toBeLessThan(index('tree/a/b'));
    expect(index('tree/a/b')).toBeLessThan(index('tree/a-b'));
    expect(index('tree/a/sub/z')).toBeLessThan(index('tree/a-b'));
    expect(index('tree/B')).toBeLessThan(index('tree/a'));
    expect(index('tree/a')).toBeLessThan(paths.findIndex((x) => x.equals(Buffer.from('tree/\xff\x41', 'latin1'))));
    // The same blocks as getfacl's, only in another order.
    const ours = splitBlocks(stripMarkers(text).split('\n').filter((l) => !l.startsWith('# capability: ')).join('\n'));
    expect([...ours].sort()).toEqual([...splitBlocks(latin1(getfacl(['-R', 'tree'], { cwd: dir }).stdout))].sort());
  });

  it('keeps the sorted order when the walk is spread over workers (--jobs 3)', () => {
    const wide = path.join(dir, 'wide');
    fs.mkdirSync(wide);
    for (let i = 0; i < 40; i++) {
      const sub = path.join(wide, `d${(i * 17) % 40}`);
      fs.mkdirSync(sub);
      for (let j = 0; j < 120; j++) fs.writeFileSync(path.join(sub, `f${(j * 7) % 120}`), '');
      fs.mkdirSync(path.join(sub, 'f5-inner'));
      fs.writeFileSync(path.join(sub, 'f5-inner', 'x'), '');
    }
    const one = snapshot(['--sort', '--jobs', '1', 'wide']);
    const three = snapshot(['--sort', '--jobs', '3', 'wide']);
    expect(three).toBe(one);
    const paths = printedPaths(one);
    expect(paths.length).toBe(1 + 40 * 123);
    expect(paths.map((p) => p.toString('latin1'))).toEqual([...paths].sort(compareSorted).map((p) => p.toString('latin1')));
  });

  it.skipIf(!isRoot)('prints the same bytes for two trees with the same content created in different orders (on tmpfs, whose readdir order follows creation; needs root to mount)', (ctx) => {
    const mnt = path.join(dir, 'mnt');
    fs.mkdirSync(mnt);
    if (!tryMount('tmpfs', mnt)) return ctx.skip();
    mounts.push(mnt);
    fs.mkdirSync(path.join(mnt, 'one'));
    fs.mkdirSync(path.join(mnt, 'two'));
    buildSortTree(path.join(mnt, 'one', 'tree'));
    buildSortTree(path.join(mnt, 'two', 'tree'), true);
    const cwdOne = path.join(mnt, 'one');
    const cwdTwo = path.join(mnt, 'two');
    // The trees really are walked in different orders without --sort.
    expect(latin1(getfacl(['-R', 'tree'], { cwd: cwdOne }).stdout)).not.toBe(latin1(getfacl(['-R', 'tree'], { cwd: cwdTwo }).stdout));
    expect(snapshot(['--sort', 'tree'], cwdOne)).toBe(snapshot(['--sort', 'tree'], cwdTwo));
    expect(snapshot(['--sort', '--compat', 'tree'], cwdOne)).toBe(snapshot(['--sort', '--compat', 'tree'], cwdTwo));
    expect(snapshot(['--sort', '--format', 'json', 'tree'], cwdOne)).toBe(snapshot(['--sort', '--format', 'json', 'tree'], cwdTwo));
  });
});

/** A tree for the glob rules. */
function buildExcludeTree(): void {
  const files = [
    'keep.txt', '#keep', 'node_modules/pkg/index.js', 'src/node_modules/lib.js', 'src/deep/x/node_modules', 'src/node_modules_not',
    '.hidden', '.config/settings', 'src/.git/config', 'src/visible',
    'build/cache/x', 'build/out', 'src/build/cache/y', 'src/build/out', 'other/src/build/z',
    'logs/a.log', 'logs/.b.log', 'logs/keep.txt', 'src/c.log',
  ];
  for (const f of files) {
    const p = path.join(dir, 'tree', f);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, '');
  }
}

const components = (p: string): string[] => p.split('/');
const under = (p: string, top: string): boolean => p === top || p.startsWith(`${top}/`);

describe.skipIf(!aclReady)('snapshot --exclude and --exclude-from (needs getfacl and ACLs on the temp filesystem)', () => {
  const cases: Array<[string, string[], (p: string) => boolean]> = [
    ['a slash-less pattern matches the name at any depth, and nothing beneath is printed', ['--exclude', 'node_modules'], (p) => !components(p).includes('node_modules')],
    ['a pattern with / is anchored at the root of the printed paths', ['--exclude', 'tree/build'], (p) => !under(p, 'tree/build')],
    ['** crosses directories, zero or more', ['--exclude', 'tree/**/cache'], (p) => !/^tree\/(.*\/)?cache(\/|$)/.test(p)],
    ['* matches dotfiles (dot names are not special)', ['--exclude', '*.log'], (p) => !components(p).some((c) => c.endsWith('.log'))],
    ['.* excludes dot directories with their contents', ['--exclude', '.*'], (p) => !components(p).some((c) => c.startsWith('.'))],
    ['**/ patterns match at any depth including dotfiles', ['--exclude', '**/*.log'], (p) => !components(p).some((c) => c.endsWith('.log'))],
    [
      '--exclude is repeatable',
      ['--exclude', 'node_modules', '--exclude', 'tree/src/build', '--exclude', '.git'],
      (p) => !components(p).includes('node_modules') && !under(p, 'tree/src/build') && !components(p).includes('.git'),
    ],
  ];
  for (const [title, args, keep] of cases) {
    it(`${title} (${args.join(' ')})`, () => {
      buildExcludeTree();
      const expected = getfaclFiltered(['tree'], keep);
      const all = filePaths(latin1(getfacl(['-R', 'tree'], { cwd: dir }).stdout)).length;
      expect(splitBlocks(expected).length).toBeLessThan(all); // the case excludes something
      // PATH first: `--exclude GLOB PATH` has its own test below.
      expect(snapshot(['--compat', 'tree', ...args])).toBe(expected);
      expect(stripMarkers(snapshot(['tree', ...args]))).toBe(expected);
    });
  }

  it('takes one GLOB per --exclude, so PATH may follow it (--exclude GLOB PATH, as in getfacl-style use)', () => {
    buildExcludeTree();
    const expected = getfaclFiltered(['tree'], (p) => !components(p).includes('node_modules') && !under(p, 'tree/logs'));
    expect(snapshot(['--compat', '--exclude', 'node_modules', 'tree', '--exclude', 'tree/logs'])).toBe(expected);
    expect(snapshot(['--compat', '--exclude', 'node_modules', '--exclude', 'tree/logs', 'tree'])).toBe(expected);
    expect(snapshot(['--compat', '--exclude=node_modules', '--exclude=tree/logs', 'tree'])).toBe(expected);
  });

  it('matches anchored patterns against the path as printed, without ./ (argument ./tree, and . from inside)', () => {
    buildExcludeTree();
    expect(snapshot(['--compat', './tree', '--exclude', 'tree/build'])).toBe(getfaclFiltered(['./tree'], (p) => !under(p, 'tree/build')));
    const inside = path.join(dir, 'tree');
    const fromInside = snapshot(['--compat', '.', '--exclude', 'src/build'], inside);
    expect(fromInside).toBe(getfaclFiltered(['.'], (p) => !under(p, 'src/build'), inside));
    expect(filePaths(fromInside)).toContain('build/out');
    expect(filePaths(fromInside)).toContain('other/src/build/z');
  });

  it('reads --exclude-from FILE: one glob a line, blank and # lines ignored, added to --exclude', () => {
    buildExcludeTree();
    const patterns = path.join(dir, 'patterns');
    fs.writeFileSync(patterns, ['# generated', '', 'node_modules', '   ', '#keep', '*.log', '', '# tree/src'].join('\n') + '\n');
    const keep = (p: string): boolean => !components(p).includes('node_modules') && !components(p).some((c) => c.endsWith('.log')) && !under(p, 'tree/other');
    const text = snapshot(['--compat', '--exclude-from', patterns, 'tree', '--exclude', 'tree/other']);
    expect(text).toBe(getfaclFiltered(['tree'], keep));
    expect(filePaths(text)).toContain('tree/#keep');
    expect(filePaths(text)).toContain('tree/src');
  });

  it('trims blanks around --exclude-from lines but not a backslashed one (a name\'s own space), from every FILE given', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    for (const name of [' lead', 'trail ', 'lead', 'trail', 'x', 'y']) fs.writeFileSync(path.join(dir, 'tree', name), '');
    fs.writeFileSync(path.join(dir, 'spaced'), '\\ lead\ntrail\\ \t \n');
    fs.writeFileSync(path.join(dir, 'more'), '  x  \n');
    for (const command of [['snapshot', '--compat', 'tree'], ['diff', 'tree', 'tree']]) {
      const r = permsnap([...command, '--exclude-from', 'spaced', '--exclude-from', 'more'], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      if (command[0] === 'snapshot') expect(filePaths(latin1(r.stdout)).sort()).toEqual(['tree', 'tree/lead', 'tree/trail', 'tree/y']);
    }
  });

  it('refuses an --exclude-from FILE it cannot read with one line naming it (no usage text), writing nothing', () => {
    buildExcludeTree();
    for (const command of [['snapshot', 'tree'], ['diff', 'tree', 'tree']]) {
      const r = permsnap([...command, '--exclude-from', 'no-such-patterns'], { cwd: dir });
      expect(r.status).toBe(2);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toBe('permsnap: no-such-patterns: cannot read pattern file: no such file or directory\n');
    }
  });

  it.skipIf(!isRoot || !hasSetpriv)('does not enter an excluded directory: an unreadable one gives no error when excluded (run as nobody through setpriv)', () => {
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(path.join(dir, 'tree', 'locked'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tree', 'locked', 'secret'), '');
    fs.writeFileSync(path.join(dir, 'tree', 'open'), '');
    fs.chmodSync(path.join(dir, 'tree', 'locked'), 0);
    const entered = runAsNobody(process.execPath, [CLI, 'snapshot', '--quiet', '--compat', 'tree'], { cwd: dir });
    expect(entered.status).toBe(1); // the check is meaningful: walking it fails
    const excluded = runAsNobody(process.execPath, [CLI, 'snapshot', '--quiet', '--compat', 'tree', '--exclude', 'tree/locked'], { cwd: dir });
    expect(excluded.stderr).toBe('');
    expect(excluded.status).toBe(0);
    expect(filePaths(latin1(excluded.stdout))).toEqual(['tree', 'tree/open']);
  });

  it('matches globs against tree/a for a path printed as tree//a (argument tree/, getfacl), in snapshot, diff and restore alike', () => {
    fs.mkdirSync(path.join(dir, 'tree', 'keep'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tree', 'keep', 'f'), '');
    fs.writeFileSync(path.join(dir, 'tree', 'g'), '');
    // getfacl's form, as --compat writes it; permsnap's own has no "//" and no trailing "/" (contracts.md).
    fs.writeFileSync(path.join(dir, 'snap.facl'), permsnap(['snapshot', '--compat', 'tree/'], { cwd: dir }).stdout);
    expect(fs.readFileSync(path.join(dir, 'snap.facl'), 'latin1')).toContain('# file: tree//keep/f\n');
    expect(filePaths(latin1(permsnap(['snapshot', 'tree/'], { cwd: dir }).stdout)).sort()).toEqual(['tree', 'tree/g', 'tree/keep', 'tree/keep/f']);
    fs.chmodSync(path.join(dir, 'tree', 'keep', 'f'), 0o777);
    fs.chmodSync(path.join(dir, 'tree', 'g'), 0o777);
    expect(filePaths(latin1(permsnap(['snapshot', 'tree/', '--exclude', 'tree/keep'], { cwd: dir }).stdout))).toEqual(['tree', 'tree/g']);
    expect(filePaths(latin1(permsnap(['snapshot', '--compat', 'tree/', '--exclude', 'tree/keep'], { cwd: dir }).stdout))).toEqual(['tree/', 'tree//g']);
    const changed = (args: string[]): string[] =>
      permsnap(['restore', 'snap.facl', '--dry-run', ...args], { cwd: dir }).stdout.toString().split('\n').filter(Boolean).map((l) => l.split('  ')[0] as string);
    expect(changed(['--exclude', 'tree/keep'])).toEqual([path.join(dir, 'tree/g')]);
    expect(changed(['--only', 'tree/keep'])).toEqual([path.join(dir, 'tree/keep/f')]);
    expect(permsnap(['diff', 'snap.facl', 'tree/', '--exclude', 'tree/keep'], { cwd: dir }).stdout.toString()).toMatch(/^1 modified/);
  });

  it('refuses globs that would match every other path ("!x") or none ("", "/"), before doing anything', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    fs.writeFileSync(path.join(dir, 'ex'), '*.log\n!important.log\n');
    fs.writeFileSync(path.join(dir, 'ex2'), '# junk\n\n*.tmp\r\n  /  \n');
    for (const args of [['--exclude', '!x'], ['--exclude', ''], ['--exclude', '/'], ['--exclude-from', 'ex'], ['--exclude-from', 'ex2']]) {
      const r = permsnap(['snapshot', 'tree', ...args], { cwd: dir });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout.length, args.join(' ')).toBe(0);
      // A glob of a file is named by the file and its line.
      const from = args[0] === '--exclude-from' ? `${args[1] === 'ex' ? 'ex:2: !important.log' : 'ex2:4: /'}` : '--exclude ".*"';
      expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(new RegExp(`^permsnap: ${from}: (a glob beginning with "!"|an empty glob)`));
    }
    const nagios = permsnap(['diff', 'tree', 'tree', '--exclude', '!x', '--format', 'nagios'], { cwd: dir });
    expect(nagios.status).toBe(3);
    // A name that begins with "!" is written \!.
    fs.writeFileSync(path.join(dir, 'tree', '!x'), '');
    expect(filePaths(latin1(permsnap(['snapshot', 'tree', '--exclude', '\\!x'], { cwd: dir }).stdout))).toEqual(['tree']);
  });

  it('reads --exclude-from as bytes: a name that is not UTF-8 is matched as it is', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    fs.writeFileSync(Buffer.from(path.join(dir, 'tree', 'odd\xff'), 'latin1'), '');
    fs.writeFileSync(path.join(dir, 'tree', 'plain'), '');
    fs.writeFileSync(path.join(dir, 'ex'), Buffer.from('\xef\xbb\xbfodd\xff\r\n', 'latin1'));
    expect(filePaths(latin1(permsnap(['snapshot', 'tree', '--exclude-from', 'ex'], { cwd: dir }).stdout))).toEqual(['tree', 'tree/plain']);
  });

  it('matches a glob character (?, [é]) against one character of a UTF-8 name, not one byte', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    for (const name of ['café', 'cafe', 'cafés']) fs.writeFileSync(path.join(dir, 'tree', name), '');
    const left = (glob: string): string[] =>
      filePaths(latin1(permsnap(['snapshot', 'tree', '--sort', '--exclude', glob], { cwd: dir }).stdout)).map((p) => Buffer.from(p, 'latin1').toString('utf8'));
    expect(left('caf?')).toEqual(['tree', 'tree/cafés']);
    expect(left('caf[é]')).toEqual(['tree', 'tree/cafe', 'tree/cafés']);
    expect(left('caf??')).toEqual(['tree', 'tree/cafe', 'tree/café']);
  });
});
