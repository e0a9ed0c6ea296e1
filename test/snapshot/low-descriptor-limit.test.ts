// Snapshot under a low descriptor limit (ulimit -n 80, as a service unit or a container may
// set): --jobs is lowered to the threads there is room for, and said; every path is read.
// With 16 workers there, the walk failed with "Too many open files" on paths it then left
// out of the snapshot, or a worker failed to load its code and the run ended (exit 2).

import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, getfacl, makeTempDir, removeTree, sh } from '../helpers/tree.js';

const dir = makeTempDir('permsnap-low-fd-snapshot-');
afterAll(() => removeTree(dir));

/** `permsnap snapshot ARGS` with at most `limit` descriptors. */
function snapshotWithin(limit: number, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, CLI, 'snapshot', ...args], { cwd: dir, encoding: 'latin1', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('snapshot under ulimit -n 80', () => {
  it('lowers --jobs 16 to the threads there is room for, says so, and reads every path (as getfacl -R prints them)', () => {
    // Wide, so that the walk spreads over every worker: 300 directories of 3 files each.
    sh('mkdir tree && cd tree && for i in $(seq 300); do mkdir d$i && touch d$i/a d$i/b d$i/c; done', dir);
    const r = snapshotWithin(80, ['tree', '--jobs', '16', '--sort']);
    expect(r.stderr).not.toContain('Too many open files');
    expect(r.stderr).toContain('permsnap: --jobs 16 lowered to 4: the descriptor limit (ulimit -n) is 80\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/^# file: /gm)?.length).toBe(1 + 300 * 4);
    // --compat says nothing getfacl would not, and prints what it prints.
    const compat = snapshotWithin(80, ['--compat', '-R', 'tree', '--jobs', '16']);
    expect([compat.status, compat.stderr]).toEqual([0, '']);
    expect(compat.stdout).toBe(getfacl(['-R', 'tree'], { cwd: dir }).stdout.toString('latin1'));
  });
});
