// Recorded paths longer than PATH_MAX (4096 bytes): getfacl cannot print them, but a tar
// member or a hand-written snapshot can name one. The kernel refuses such a path in one
// call (openat2 too), so restore reaches it in pieces shorter than that (a component at a
// time where a piece fails), still beneath its root and without following symlinks.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restore, restoreReady, SKIP_REASON, summaryOf } from '../helpers/restore-kit.js';
import { CLI, makeTempDir, removeTree } from '../helpers/tree.js';

/** bash, whose cd goes on by relative name where a path would be too long (dash's fails). */
const sh = (script: string, cwd: string): string => execFileSync('bash', ['-c', script], { cwd, encoding: 'utf8' });

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-long-paths-');
});
afterEach(() => {
  // rm -r walks a component at a time; Node's rmSync gives up beyond PATH_MAX.
  sh('rm -rf tree', dir);
  removeTree(dir);
});

const NAME = 'd'.repeat(200);
const DEPTH = 25; // 25 x 201 bytes: beyond PATH_MAX
const deep = Array.from({ length: DEPTH }, () => NAME).join('/');

/** Runs `script` in tree/<deep>, reached by relative cd's (no single path there fits PATH_MAX). */
const inDeep = (script: string): string => sh(`cd tree && for i in $(seq ${DEPTH}); do cd ${NAME}; done && ${script}`, dir);

const block = (p: string, mode: string): string =>
  `# file: ${p}\n# owner: root\n# group: root\nuser::${mode.slice(0, 3)}\ngroup::${mode.slice(3, 6)}\nother::${mode.slice(6, 9)}\n\n`;

describe.skipIf(!restoreReady)(`restore of paths longer than PATH_MAX (${SKIP_REASON})`, () => {
  it('changes a file beneath a path longer than PATH_MAX, counts a missing one as missing, and undoes', () => {
    sh(`mkdir tree && cd tree && for i in $(seq ${DEPTH}); do mkdir ${NAME} && cd ${NAME}; done && touch f && chmod 600 f`, dir);
    expect(`${deep}/f`.length).toBeGreaterThan(4096);
    fs.writeFileSync(path.join(dir, 'long.facl'), block(`${deep}/f`, 'rw-r--r--') + block(`${deep}/gone`, 'rw-------'));
    const journal = path.join(dir, 'undo.facl');
    const r = restore(['long.facl', '--root', 'tree', '--undo', journal], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(summaryOf(r.stderr)).toEqual({ changed: 1, alreadyCorrect: 0, missing: 1, problems: 0 });
    expect(inDeep('stat -c %a f')).toBe('644\n');
    const again = restore(['long.facl', '--root', 'tree', '--no-undo'], { cwd: dir });
    expect(summaryOf(again.stderr)?.changed, again.stderr).toBe(0);
    const undone = restore([journal, '--root', 'tree', '--no-undo'], { cwd: dir });
    expect(undone.status, undone.stderr).toBe(0);
    expect(inDeep('stat -c %a f')).toBe('600\n');
  });

  it('from a current directory deeper than PATH_MAX, says why it cannot go on (not that it was deleted)', () => {
    sh(`mkdir tree && cd tree && for i in $(seq ${DEPTH}); do mkdir ${NAME} && cd ${NAME}; done`, dir);
    fs.writeFileSync(path.join(dir, 'f.facl'), block('f', 'rw-r--r--'));
    const r = spawnSync('bash', ['-c', `cd tree && for i in $(seq ${DEPTH}); do cd ${NAME}; done && exec "$0" "$@"`, process.execPath, CLI, 'restore', path.join(dir, 'f.facl'), '--root', '.'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^permsnap: the current directory cannot be named \(its path is longer than PATH_MAX, 4096 bytes\): give an absolute --root/m);
  });

  // Halfway down; and either side of where the path is cut into pieces for openat2 (a
  // piece at most 3,840 bytes: components 0-18 of these 201 bytes, then the rest).
  for (const at of [Math.floor(DEPTH / 2), 18, 19]) {
    it(`still refuses a symlink on the way down (component ${at} of ${DEPTH})`, () => {
      sh(`mkdir tree outside && cd tree && for i in $(seq ${DEPTH}); do mkdir ${NAME} && cd ${NAME}; done && touch f && chmod 600 f`, dir);
      // The directory at `at` becomes a symlink to a copy of its subtree's end, outside.
      const outside = path.join(dir, 'outside');
      let rest = '';
      for (let i = at + 1; i < DEPTH; i++) rest += `${NAME}/`;
      sh(`mkdir -p "$(pwd)/outside/x" && cd outside/x && for i in $(seq ${DEPTH - at - 1}); do mkdir ${NAME} && cd ${NAME}; done && touch f && chmod 600 f`, dir);
      sh(`cd tree && for i in $(seq ${at}); do cd ${NAME}; done && mv ${NAME} moved && ln -s ${outside}/x ${NAME}`, dir);
      fs.writeFileSync(path.join(dir, 'long.facl'), block(`${deep}/f`, 'rw-r--r--'));
      const r = restore(['long.facl', '--root', 'tree', '--no-undo'], { cwd: dir });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/a symlink in the path: refused \(never followed\)$/m);
      expect(sh(`cd outside/x/${rest} && stat -c %a f`, dir)).toBe('600\n');
    });
  }
});
