// permsnap restore brings a damaged odd tree back to what getfacl -R and getcap -r showed
// before the damage, from permsnap's own snapshot and from the real getfacl's, on the fast
// kernel paths and on the pre-6.6 fallbacks; a second restore writes nothing. The real
// getfacl and getcap are the oracles.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOddTree } from '../helpers/odd-tree.js';
import {
  capTree,
  faclTree,
  getfaclText,
  observe,
  rawPath,
  restore,
  restoreReady,
  snapshotPaths,
  statTree,
  summaryOf,
  SKIP_REASON,
  type InodeState,
  type Observed,
} from '../helpers/restore-kit.js';
import { makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';
let other = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-rt-');
  other = '';
});
afterEach(() => {
  removeTree(dir);
  if (other) removeTree(other);
});

interface Damage {
  name: string;
  /** Runs with cwd = the temp dir holding `tree`. */
  apply(cwd: string): void;
  /** Paths (as getfacl prints them) the damage removes. */
  removed?: string[];
  /** Paths the damage adds: restore must leave them exactly as they are. */
  added?: string[];
}

const quietly = (cmd: string): string => `${cmd} 2>/dev/null || true`; // loops and dangling links make chmod -R complain

const DAMAGES: Damage[] = [
  { name: 'chmod -R a+rwx', apply: (cwd) => sh(quietly('chmod -R a+rwx tree'), cwd) },
  { name: 'chmod -R 777', apply: (cwd) => sh(quietly('chmod -R 777 tree'), cwd) },
  // chown -R (no -h, no -L) also lchowns the symlinks it meets: restore must leave those alone.
  { name: 'chown -R 1000:1000', apply: (cwd) => sh('chown -R 1000:1000 tree', cwd) },
  { name: 'setfacl -R -b', apply: (cwd) => sh(quietly('setfacl -R -b tree'), cwd) },
  { name: 'setfacl -R -k', apply: (cwd) => sh(quietly('setfacl -R -k tree'), cwd) },
  {
    name: 'removed files (and chmod -R a+rwx)',
    apply: (cwd) => sh(`rm -rf tree/acls/with-default tree/special/setuid tree/kinds/fifo && ${quietly('chmod -R a+rwx tree')}`, cwd),
    removed: ['tree/acls/with-default', 'tree/acls/with-default/inherited', 'tree/acls/with-default/inherited-dir', 'tree/special/setuid', 'tree/kinds/fifo'],
  },
  {
    name: 'added files (and chmod -R a+rwx)',
    apply: (cwd) =>
      sh(
        `${quietly('chmod -R a+rwx tree')}; ` +
          'touch tree/added-file && chmod 4751 tree/added-file && setfacl -m u:4444:rw tree/added-file && ' +
          'mkdir tree/acls/added-dir && chmod 1777 tree/acls/added-dir && setfacl -d -m g:5555:rx tree/acls/added-dir && ' +
          'touch tree/acls/added-dir/inner && chown 4444:5555 tree/acls/added-dir/inner && ' +
          'ln -s ../special tree/kinds/added-link',
        cwd,
      ),
    added: ['tree/added-file', 'tree/acls/added-dir', 'tree/acls/added-dir/inner', 'tree/kinds/added-link'],
  },
];

type Source = 'permsnap' | 'getfacl';

/** Takes both baselines (cwd = dir, relative path `tree`); returns the snapshot files. */
function takeSnapshots(cwd: string): Record<Source, string> {
  const snap = permsnap(['snapshot', '--quiet', 'tree'], { cwd });
  expect(snap.status).toBe(0);
  const files = { permsnap: path.join(cwd, 'permsnap.facl'), getfacl: path.join(cwd, 'getfacl.facl') };
  fs.writeFileSync(files.permsnap, snap.stdout);
  fs.writeFileSync(files.getfacl, getfaclText(['-R', 'tree'], cwd), 'latin1');
  return files;
}

/** Every baseline path that still exists shows its baseline block; the others are the removed ones. */
function expectHealthy(baseline: Observed, now: Map<string, string>, damage: Damage): void {
  const removed = new Set(damage.removed ?? []);
  const added = new Set(damage.added ?? []);
  for (const [file, block] of baseline.facl) {
    if (removed.has(file)) {
      expect(now.has(file), `${file} was removed`).toBe(false);
      continue;
    }
    expect(now.get(file), `getfacl of ${file}`).toBe(block);
  }
  const extra = [...now.keys()].filter((k) => !baseline.facl.has(k));
  expect(extra.sort()).toEqual([...added].filter((a) => !a.endsWith('added-link')).sort());
}

/** Paths that are not in the snapshot (added ones, symlinks) keep every bit, ctime included. */
function expectUntouchedOutsideSnapshot(damaged: Observed, after: Map<string, InodeState>, snapshotText: string): void {
  const recorded = new Set(snapshotPaths(snapshotText).map(rawPath));
  let checked = 0;
  for (const [p, st] of damaged.stat) {
    if (recorded.has(p)) continue;
    expect(after.get(p), `${JSON.stringify(p)} is not in the snapshot: restore must not touch it`).toEqual(st);
    checked++;
  }
  expect(checked).toBeGreaterThan(0); // the symlinks at least
}

describe.skipIf(!restoreReady)(`restore round trips on a damaged odd tree (${SKIP_REASON})`, () => {
  for (const damage of DAMAGES) {
    for (const source of ['permsnap', 'getfacl'] as const) {
      for (const fallbacks of [false, true]) {
        const how = fallbacks ? 'with --force-fallbacks and --root' : 'from the current directory';
        it(`restores the tree after ${damage.name} from ${source}'s snapshot, ${how}, and a second run changes nothing`, () => {
          buildOddTree(dir);
          const files = takeSnapshots(dir);
          const snapshotText = fs.readFileSync(files[source], 'latin1');
          const baseline = observe(dir, 'tree');
          damage.apply(dir);
          const damaged = observe(dir, 'tree');
          expect(damaged.facl).not.toEqual(baseline.facl);

          // With --root, run from elsewhere: the paths must not resolve against the cwd.
          const extra = fallbacks ? ['--force-fallbacks', '--root', dir] : [];
          const cwd = fallbacks ? '/' : dir;
          const first = restore([files[source], '--undo', path.join(dir, 'undo-1.facl'), ...extra], { cwd });
          expect(first.stderr).not.toMatch(/^\s+at .+[:(]/m); // no stack trace
          expect(first.status, first.stderr).toBe(0);
          const summary = summaryOf(first.stderr);
          expect(summary, first.stderr).not.toBeNull();
          const missing = snapshotPaths(snapshotText).filter((p) => (damage.removed ?? []).includes(p)).length;
          expect(summary?.missing).toBe(missing);
          expect(summary?.problems).toBe(0);

          const afterFacl = faclTree(dir);
          expectHealthy(baseline, afterFacl, damage);
          if (source === 'permsnap') {
            expect(capTree(dir)).toEqual(baseline.caps);
          } else {
            // getfacl's text says nothing about capabilities: they stay as the damage left them.
            expect(capTree(dir)).toEqual(damaged.caps);
          }
          const afterStat = statTree(dir, 'tree');
          expectUntouchedOutsideSnapshot(damaged, afterStat, snapshotText);

          const second = restore([files[source], '--undo', path.join(dir, 'undo-2.facl'), ...extra], { cwd });
          expect(second.status, second.stderr).toBe(0);
          expect(second.stderr).toContain('0 path(s) changed');
          expect(summaryOf(second.stderr)?.changed).toBe(0);
          // Nothing to change means no system call that writes: every ctime is as it was.
          expect(statTree(dir, 'tree')).toEqual(afterStat);
          expect(fs.existsSync(path.join(dir, 'undo-2.facl'))).toBe(false);
        });
      }
    }
  }

  it("restores from getfacl -n's numeric snapshot", () => {
    buildOddTree(dir);
    const snap = path.join(dir, 'numeric.facl');
    fs.writeFileSync(snap, getfaclText(['-R', '-n', 'tree'], dir), 'latin1');
    const baseline = faclTree(dir);
    sh(`chown -R 1000:1000 tree && ${quietly('chmod -R 777 tree')}; ${quietly('setfacl -R -b tree')}`, dir);
    for (const fallbacks of [[], ['--force-fallbacks']]) {
      const r = restore([snap, '--no-undo', ...fallbacks], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(faclTree(dir)).toEqual(baseline);
    }
    expect(getfaclText(['-R', '-n', 'tree'], dir)).toBe(fs.readFileSync(snap, 'latin1'));
  });

  for (const source of ['getfacl', 'permsnap'] as const) {
    it(`resolves the absolute paths of a ${source} -p snapshot beneath --root, not beneath /`, () => {
      // The tree at ABS/tree is snapshotted with absolute paths; a twin lives at OTHER/ABS/tree.
      buildOddTree(dir);
      other = makeTempDir('permsnap-rt-other-');
      const twinParent = path.join(other, dir);
      fs.mkdirSync(twinParent, { recursive: true });
      buildOddTree(twinParent);
      const absTree = path.join(dir, 'tree');
      const text = source === 'getfacl'
        ? getfaclText(['-R', '-p', absTree], dir)
        : permsnap(['snapshot', '--quiet', '-p', absTree], { cwd: dir }).stdout.toString('latin1');
      expect(text).toContain(`# file: ${absTree}\n`);
      const snap = path.join(other, 'abs.facl');
      fs.writeFileSync(snap, text, 'latin1');
      const twinBaseline = faclTree(twinParent);
      const twinCaps = capTree(twinParent);

      sh(quietly('chmod -R 777 tree'), dir);
      sh(quietly('chmod -R 777 tree'), twinParent);
      sh(quietly('setfacl -R -b tree'), twinParent);
      const originalDamaged = observe(dir, 'tree');

      for (const fallbacks of [[], ['--force-fallbacks']]) {
        const r = restore([snap, '--root', other, '--undo', path.join(other, `undo${fallbacks.length}.facl`), ...fallbacks], { cwd: '/' });
        expect(r.status, r.stderr).toBe(0);
        expect(summaryOf(r.stderr)?.missing).toBe(0);
        expect(faclTree(twinParent)).toEqual(twinBaseline);
        if (source === 'permsnap') expect(capTree(twinParent)).toEqual(twinCaps);
        // The tree at the recorded absolute path itself lies outside --root: untouched.
        expect(observe(dir, 'tree')).toEqual(originalDamaged);
      }
    });
  }
});
