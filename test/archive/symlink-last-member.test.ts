// A path an archive gives twice, a file then a symlink (`tar -r` of a layer that replaced
// the file with a symlink): tar's extraction leaves the symlink, which has no permissions of
// its own. diff and restore take it so: the file's block is gone. Before, they took the
// file's block: diff called the path missing against tar's own extraction, and restore
// refused the symlink there (a problem, exit 1). A file after a symlink is the file.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summaryOf } from '../helpers/restore-kit.js';
import { fromDist, makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';
import { hasGnuTar } from './archive-kit.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-symlink-last-');
});
afterEach(() => removeTree(dir));

/** a.tar: ./d, ./d/x (a file, 0640), ./d/y (a symlink) and then ./d/x again as a symlink and ./d/y as a file (0600). */
function appendedArchive(): string {
  sh([
    'mkdir -p src/d && echo > src/d/x && chmod 640 src/d/x && ln -s x src/d/y',
    'tar -C src -cf a.tar ./d ./d/x ./d/y',
    'rm src/d/x src/d/y && ln -s z src/d/x && echo > src/d/y && chmod 600 src/d/y',
    'tar -C src -rf a.tar ./d/x ./d/y',
  ].join(' && '), dir);
  return path.join(dir, 'a.tar');
}

describe.skipIf(!hasGnuTar)('an archive whose last member for a path is a symlink (needs GNU tar)', () => {
  it('diff finds no change against tar\'s own extraction, and the path missing against a tree where it is a file', () => {
    const archive = appendedArchive();
    sh('mkdir out && tar -C out -xpf a.tar', dir);
    expect(fs.lstatSync(path.join(dir, 'out/d/x')).isSymbolicLink()).toBe(true);
    const same = permsnap(['diff', archive, '.'], { cwd: path.join(dir, 'out') });
    expect([same.status, same.stdout.toString()], same.stderr).toEqual([0, '0 modified, 0 missing, 0 extra\n']);
    // As BEFORE and as AFTER, against a snapshot where x is a file.
    sh('mkdir -p file/d && echo > file/d/x && echo > file/d/y && chmod 640 file/d/x && chmod 600 file/d/y', dir);
    const snap = path.join(dir, 'file.facl');
    expect(permsnap(['snapshot', '--quiet', '-o', snap, '.'], { cwd: path.join(dir, 'file') }).status).toBe(0);
    const after = permsnap(['diff', snap, archive], { cwd: dir });
    expect([after.status, after.stdout.toString()]).toEqual([1, '0 modified, 1 missing, 0 extra\nmissing   d/x\n']);
    const before = permsnap(['diff', archive, snap], { cwd: dir });
    expect([before.status, before.stdout.toString()]).toEqual([1, '0 modified, 0 missing, 1 extra\nextra     d/x\n']);
  });

  it('restore leaves the symlink alone (no problem) and restores the file that took a symlink\'s place', () => {
    const archive = appendedArchive();
    sh('mkdir out && tar -C out -xpf a.tar && chmod 0644 out/d/y', dir);
    const r = permsnap(['restore', archive, '--root', path.join(dir, 'out'), '--no-undo'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('refused');
    expect(summaryOf(r.stderr)).toEqual({ changed: 1, alreadyCorrect: 1, missing: 0, problems: 0 });
    expect(fs.statSync(path.join(dir, 'out/d/y')).mode & 0o777).toBe(0o600);
    expect(fs.lstatSync(path.join(dir, 'out/d/x')).isSymbolicLink()).toBe(true);
  });

  it('the library\'s readOperand() gives no entries for symlinks (they have no block)', async () => {
    const archive = appendedArchive();
    const { readOperand } = await fromDist<typeof import('../../src/index.js')>('index.js');
    const types: string[] = [];
    for await (const { entry } of readOperand(archive)) types.push(`${entry.path} ${entry.type}`);
    expect(types).not.toContainEqual(expect.stringMatching(/symlink$/));
    expect(types).toContain('d/y file');
  });

  it('keeps a directory\'s block when a symlink member follows it (tar cannot put one in its place)', () => {
    sh([
      'mkdir -p src/d/x && echo > src/d/x/f && chmod 750 src/d/x',
      'tar -C src -cf b.tar ./d ./d/x ./d/x/f',
      'mv src/d/x src/x.saved && ln -s elsewhere src/d/x',
      'tar -C src -rf b.tar ./d/x',
      'mkdir out && (tar -C out -xpf b.tar || true)',
    ].join(' && '), dir);
    expect(fs.lstatSync(path.join(dir, 'out/d/x')).isDirectory()).toBe(true);
    const same = permsnap(['diff', path.join(dir, 'b.tar'), '.'], { cwd: path.join(dir, 'out') });
    expect([same.status, same.stdout.toString()], same.stderr).toEqual([0, '0 modified, 0 missing, 0 extra\n']);
  });

  it('takes the symlink where the directory it follows was empty (tar removes an empty directory for it)', () => {
    sh('mkdir -p src/e && chmod 705 src/e && tar -C src -cf c.tar ./e && rmdir src/e && ln -s target src/e && tar -C src -rf c.tar ./e && mkdir out && tar -C out -xpf c.tar', dir);
    expect(fs.lstatSync(path.join(dir, 'out/e')).isSymbolicLink()).toBe(true);
    const same = permsnap(['diff', path.join(dir, 'c.tar'), '.'], { cwd: path.join(dir, 'out') });
    expect([same.status, same.stdout.toString()], same.stderr).toEqual([0, '0 modified, 0 missing, 0 extra\n']);
  });
});
