// The story permsnap exists for, end to end on a scratch tree, with the CLI as a root admin
// would type it: a baseline, then `chmod -R a+rwx` and `chown -R`, then diff (exit 1), a dry
// run (nothing changes), the restore (getfacl and getcap as in the baseline on every path
// still there, the removed one skipped), the undo (back to the damage), the restore again.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOddTree } from '../helpers/odd-tree.js';
import { capTree, faclTree, observe, restore, restoreReady, SKIP_REASON, summaryOf } from '../helpers/restore-kit.js';
import { makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-story-');
});
afterEach(() => removeTree(dir));

/** getfacl -R and getcap -r of the tree, leaving out the paths given. */
function state(without: string[] = []): { facl: Map<string, string>; caps: string[] } {
  const facl = faclTree(dir);
  for (const p of without) facl.delete(p);
  return { facl, caps: capTree(dir).filter((line) => !without.some((p) => line.startsWith(`${p} `))) };
}

describe.skipIf(!restoreReady)(`the seed story: chmod -R a+rwx and chown -R, then diff, dry run, restore, undo (${SKIP_REASON})`, () => {
  it('brings the tree back to its baseline, and the undo brings the damage back', () => {
    buildOddTree(dir);
    const baseline = path.join(dir, 'baseline.facl.gz');
    const snap = permsnap(['snapshot', 'tree', '--sort', '--quiet', '-o', baseline], { cwd: dir });
    expect(snap.status, snap.stderr).toBe(0);
    const healthy = state();
    expect(healthy.caps.length).toBeGreaterThan(0);

    // The bad day: a file gone, a file added, everything world-writable and owned by a user.
    fs.rmSync(path.join(dir, 'tree/kinds/hardlink'), { force: true });
    fs.rmSync(path.join(dir, 'tree/deep'), { recursive: true, force: true });
    fs.writeFileSync(path.join(dir, 'tree/new-file'), '');
    sh('chmod -R a+rwx tree 2>/dev/null; chown -R 1000:1000 tree', dir);
    const damaged = state();
    const gone = [...healthy.facl.keys()].filter((p) => !damaged.facl.has(p));
    expect(gone.length).toBeGreaterThan(0);

    const d = permsnap(['diff', baseline, 'tree', '--format', 'json'], { cwd: dir });
    expect(d.status, d.stderr).toBe(1);
    const summary = JSON.parse(d.stdout.toString()).summary;
    expect(summary.missing).toBe(gone.length);
    expect(summary.extra).toBe(1);
    expect(summary.modified).toBe([...damaged.facl.keys()].filter((p) => healthy.facl.has(p)).length);

    const before = observe(dir, 'tree');
    const dry = restore([baseline, '--root', dir, '--dry-run'], { cwd: '/' });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout.toString()).toMatch(/ {2}mode 0777 -> /);
    expect(observe(dir, 'tree')).toEqual(before);

    const journal = path.join(dir, 'undo.facl');
    const r = restore([baseline, '--root', dir, '--undo', journal], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    expect(summaryOf(r.stderr)?.missing).toBe(gone.length);
    const expected = {
      facl: new Map([...healthy.facl].filter(([p]) => !gone.includes(p))),
      caps: healthy.caps.filter((c) => !gone.some((p) => c.startsWith(`${p} `))),
    };
    expect(state(['tree/new-file'])).toEqual(expected);

    const undo = restore([journal, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(undo.status, undo.stderr).toBe(0);
    expect(state()).toEqual(damaged);

    const again = restore([baseline, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(again.status, again.stderr).toBe(0);
    expect(state(['tree/new-file'])).toEqual(expected);
    const second = restore([baseline, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(summaryOf(second.stderr)?.changed).toBe(0);
  });
});
