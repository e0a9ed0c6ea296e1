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
      if (jobs === '8') expect(r.stderr).toContain('permsnap: --jobs 8 lowered to 2: the descriptor limit (ulimit -n) is 64\n');
      expect([r.status, summaryOf(r.stderr)], r.stderr).toEqual([0, { changed: DEPTH + 1, alreadyCorrect: 0, missing: 0, problems: 0 }]);
      expect(restoreWithin(64, [journal, '--root', path.join(dir, 'tree'), '--jobs', jobs, '--no-undo']).status).toBe(0);
      expect(facl()).toBe(damaged);
    }
  });
});
