// Restore under a low descriptor limit (ulimit -n 64, as a service unit or a container may
// set): each thread keeps fewer directories open, the chunks are smaller, and --jobs is
// lowered to the threads there is room for; every path is restored. With 32 directories
// kept a thread, a tree deeper than a dozen levels failed with "Too many open files" on
// the paths past them, and so did --jobs 4 and more on any tree.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreReady, SKIP_REASON, summaryOf } from '../helpers/restore-kit.js';
import { CLI, getfacl, makeTempDir, removeTree, sh } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-low-fd-');
});
afterEach(() => removeTree(dir));

const DEPTH = 200;

/** `permsnap restore ARGS` with at most `limit` descriptors. */
function restoreWithin(limit: number, args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, CLI, 'restore', ...args], { cwd: dir, encoding: 'latin1' });
  return { status: r.status, stderr: r.stderr };
}

describe.skipIf(!restoreReady)(`restore under ulimit -n 64 (${SKIP_REASON})`, () => {
  it('restores a tree 200 levels deep, with one thread and with workers (as many as there are descriptors for), and its journal undoes it', () => {
    const levels = Array.from({ length: DEPTH }, (_, i) => 'd/'.repeat(i + 1).slice(0, -1));
    sh(`mkdir -p tree/${levels.at(-1)} && touch tree/${levels.at(-1)}/f`, dir);
    const blocks = [...levels, `${levels.at(-1)}/f`].map((p, i) => `# file: ${p}\nuser::rwx\ngroup::${i % 2 ? 'r-x' : '---'}\nother::---\n\n`);
    fs.writeFileSync(path.join(dir, 'deep.facl'), blocks.join(''));
    const facl = (): string => getfacl(['-R', '-n', 'tree'], { cwd: dir }).stdout.toString();
    for (const jobs of ['1', '2', '8']) {
      sh('chmod -R 777 tree', dir);
      const damaged = facl();
      const journal = path.join(dir, `undo-${jobs}.facl`);
      const r = restoreWithin(64, ['deep.facl', '--root', path.join(dir, 'tree'), '--jobs', jobs, '--undo', journal]);
      expect(r.stderr).not.toContain('Too many open files');
      // More threads than there are descriptors for: fewer, and said.
      if (jobs !== '1') expect(r.stderr).toContain(`permsnap: --jobs ${jobs} lowered to 1: the descriptor limit (ulimit -n) is 64\n`);
      expect([r.status, summaryOf(r.stderr)], r.stderr).toEqual([0, { changed: DEPTH + 1, alreadyCorrect: 0, missing: 0, problems: 0 }]);
      expect(restoreWithin(64, [journal, '--root', path.join(dir, 'tree'), '--jobs', jobs, '--no-undo']).status).toBe(0);
      expect(facl()).toBe(damaged);
    }
  });

  it('under ulimit -n 1024, lowers --jobs 32 to the threads that fit with their kept directories and a chunk of pinned paths each: every path restored', () => {
    // 2000 directories: every thread keeps its 32 open. With 256 descriptors spared for all
    // of them, 1087 of these 12001 paths failed with "Too many open files".
    sh('mkdir tree && cd tree && for d in $(seq 2000); do mkdir d$d && touch d$d/a d$d/b d$d/c d$d/e d$d/f; done', dir);
    const snap = path.join(dir, 'wide.facl');
    fs.writeFileSync(snap, getfacl(['-R', 'tree'], { cwd: dir }).stdout);
    sh('chmod -R 777 tree', dir);
    const r = restoreWithin(1024, [snap, '--jobs', '32', '--undo', path.join(dir, 'undo.facl')]);
    expect(r.stderr).not.toContain('Too many open files');
    expect(r.stderr).toContain('permsnap: --jobs 32 lowered to 3: the descriptor limit (ulimit -n) is 1024\n');
    expect([r.status, summaryOf(r.stderr)], r.stderr).toEqual([0, { changed: 12001, alreadyCorrect: 0, missing: 0, problems: 0 }]);
  });

  it('refuses to start under a limit too low for one thread and one chunk, changing nothing', () => {
    sh('mkdir tree && touch tree/f && chmod 777 tree/f', dir);
    fs.writeFileSync(path.join(dir, 'one.facl'), '# file: tree/f\nuser::rw-\ngroup::r--\nother::r--\n\n');
    const r = restoreWithin(40, ['one.facl', '--jobs', '1', '--no-undo']);
    expect([r.status, r.stderr]).toEqual([2, 'permsnap: the descriptor limit (ulimit -n) is 40: restore needs 50 or more (Node\'s own, a thread\'s, a chunk of paths held open); nothing was changed\n']);
    expect(fs.statSync(path.join(dir, 'tree/f')).mode & 0o777).toBe(0o777);
  });
});
