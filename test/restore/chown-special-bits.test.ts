// chown clears setuid and, only with group execute, setgid (a file's setgid without group
// execute stays, for root): restore's prediction of that must match the kernel, or a
// stray setgid bit survives a restore that says it succeeded. The kernel is the oracle.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { afterChown, type PathState } from '../../src/restore/path-state.js';
import { restore, writeSnapshot } from '../helpers/restore-kit.js';
import { hasCapTools, isRoot, makeTempDir, removeTree, run } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-chown-bits-');
});
afterEach(() => {
  removeTree(dir);
});

const NOBODY = 65534;
const SPECIAL = [0o4755, 0o2755, 0o2745, 0o2744, 0o6744, 0o6754, 0o1755, 0o7777, 0o2700, 0o2010];

describe.skipIf(!isRoot)('afterChown (needs root to chown)', () => {
  it('predicts the mode the kernel leaves after chown and chgrp, for files and directories', () => {
    for (const type of ['file', 'dir'] as const) {
      for (const mode of SPECIAL) {
        for (const [uid, gid] of [[NOBODY, null], [null, NOBODY], [NOBODY, NOBODY]] as const) {
          const p = path.join(dir, `${type}-${mode.toString(8)}-${uid}-${gid}`);
          if (type === 'dir') fs.mkdirSync(p);
          else fs.writeFileSync(p, '');
          fs.chmodSync(p, mode);
          fs.chownSync(p, uid ?? 0, gid ?? 0);
          const before: PathState = { type, mode, uid: 0, gid: 0, acl: null, defaultAcl: null, capability: null };
          const predicted = afterChown(before, uid, gid);
          expect({ p, mode: predicted.mode }).toEqual({ p, mode: fs.statSync(p).mode & 0o7777 });
        }
      }
    }
  });
});

describe.skipIf(!isRoot)('restore of a file given setgid and a new owner (needs root to chown)', () => {
  it('takes the setgid bit off again when the group cannot execute, and a second run changes nothing', () => {
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    const file = path.join(tree, 'f');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o744);
    const snapshot = writeSnapshot(dir);
    fs.chmodSync(file, 0o2744);
    fs.chownSync(file, NOBODY, 0);
    const dry = restore([snapshot, '--root', dir, '--dry-run'], { cwd: dir });
    expect(dry.stdout.toString()).toMatch(/tree\/f\s+mode 2744 -> 0744/);
    const first = restore([snapshot, '--root', dir, '--no-undo', '--quiet'], { cwd: dir });
    expect(first.status).toBe(0);
    expect(fs.statSync(file).mode & 0o7777).toBe(0o744);
    expect(fs.statSync(file).uid).toBe(0);
    const second = restore([snapshot, '--root', dir, '--no-undo'], { cwd: dir });
    expect(second.stderr).toMatch(/ 0 path\(s\) changed/);
  });
});

describe.skipIf(!isRoot || !hasCapTools)('what the snapshot leaves alone survives the chown (needs root and setcap)', () => {
  function fileOwnedBy(uid: number, mode: number): { tree: string; file: string } {
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    const file = path.join(tree, 'f');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, mode);
    fs.chownSync(file, uid, 0);
    return { tree, file };
  }

  it('puts back a capability that a getfacl snapshot says nothing of, once the owner is restored', () => {
    const { file } = fileOwnedBy(NOBODY, 0o755);
    const snapshot = path.join(dir, 'getfacl.facl');
    fs.writeFileSync(snapshot, run('getfacl', ['-R', 'tree'], { cwd: dir }).stdout);
    fs.chownSync(file, 0, 0);
    expect(run('setcap', ['cap_net_raw=ep', file]).status).toBe(0);
    // Put back after the chown, it ends as it was: no change to show or count.
    const dry = restore([snapshot, '--root', dir, '--dry-run'], { cwd: dir });
    expect(dry.stdout.toString().split('\n').filter(Boolean).map((l) => l.replace(/^\S+\s+/, ''))).toEqual([`owner 0 -> ${NOBODY}`]);
    const got = restore([snapshot, '--root', dir, '--no-undo'], { cwd: dir });
    expect(got.status, got.stderr).toBe(0);
    expect(got.stderr).toContain('1 path(s) changed (owner 1), 1 already correct');
    expect(fs.statSync(file).uid).toBe(NOBODY);
    expect(run('getcap', [file]).stdout.toString()).toContain('cap_net_raw=ep');
    expect(restore([snapshot, '--root', dir, '--no-undo'], { cwd: dir }).stderr).toMatch(/ 0 path\(s\) changed/);
  });

  it('counts and shows a capability the snapshot does not have, which the chown back to its owner removes', () => {
    const { file } = fileOwnedBy(0, 0o755);
    const snapshot = writeSnapshot(dir);
    fs.chownSync(file, 2000, 0);
    expect(run('setcap', ['cap_chown=ep', file]).status).toBe(0);
    const dry = restore([snapshot, '--root', dir, '--dry-run'], { cwd: dir });
    expect(dry.stdout.toString().split('\n').filter(Boolean).map((l) => l.replace(/^\S+\s+/, ''))).toEqual(['owner 2000 -> 0', 'capability cap_chown=ep -> none']);
    expect(dry.stderr).toContain('1 path(s) would change (owner 1, capability 1)');
    const got = restore([snapshot, '--root', dir, '--no-undo'], { cwd: dir });
    expect(got.stderr).toContain('1 path(s) changed (owner 1, capability 1)');
    expect(run('getcap', [file]).stdout.toString()).toBe('');
  });

  it('keeps a capability under --ignore capability when the owner is restored', () => {
    const { file } = fileOwnedBy(0, 0o755);
    const snapshot = writeSnapshot(dir);
    fs.chownSync(file, NOBODY, 0);
    expect(run('setcap', ['cap_net_admin=ep', file]).status).toBe(0);
    const got = restore([snapshot, '--root', dir, '--no-undo', '--ignore', 'capability'], { cwd: dir });
    expect(got.status, got.stderr).toBe(0);
    // Put back as it was: not counted as changed (QA helper-130).
    expect(got.stderr).toContain('1 path(s) changed (owner 1), 1 already correct');
    expect(fs.statSync(file).uid).toBe(0);
    expect(run('getcap', [file]).stdout.toString()).toContain('cap_net_admin=ep');
  });

  it('under --ignore mode, puts back neither setuid when the owner changes nor setgid when the group does, and says so', () => {
    // The wrong owner (after a chown -R) made its file setuid and world-writable: put back
    // after the chown, it would be setuid root.
    const { file } = fileOwnedBy(0, 0o755);
    const snapshot = writeSnapshot(dir);
    fs.chownSync(file, NOBODY, NOBODY);
    fs.chmodSync(file, 0o6777);
    const dry = restore([snapshot, '--root', dir, '--dry-run', '--ignore', 'mode'], { cwd: dir });
    expect(dry.stdout.toString()).not.toMatch(/mode/);
    const got = restore([snapshot, '--root', dir, '--no-undo', '--ignore', 'mode'], { cwd: dir });
    expect(got.status).toBe(1);
    expect(got.stderr).toMatch(/tree\/f: not put back after the chown cleared it: setuid for uid 65534 and setgid for gid 65534/);
    expect(fs.statSync(file).uid).toBe(0);
    expect(fs.statSync(file).mode & 0o7777).toBe(0o777);
  });

  it('under --ignore mode, puts back setgid when only the owner changes (the group the bit serves is the same)', () => {
    const { file } = fileOwnedBy(0, 0o755);
    const snapshot = writeSnapshot(dir);
    fs.chownSync(file, NOBODY, 0);
    fs.chmodSync(file, 0o6755);
    const got = restore([snapshot, '--root', dir, '--no-undo', '--ignore', 'mode'], { cwd: dir });
    expect(got.status).toBe(1);
    expect(got.stderr).toMatch(/tree\/f: not put back after the chown cleared it: setuid for uid 65534, which/);
    expect(fs.statSync(file).mode & 0o7777).toBe(0o2755);
    // setgid put back, setuid not: the mode did change.
    expect(got.stderr).toContain('1 path(s) changed (owner 1, mode 1)');
    // The run converges: the bit stays off, and nothing is left to say.
    const again = restore([snapshot, '--root', dir, '--no-undo', '--ignore', 'mode'], { cwd: dir });
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/ 0 path\(s\) changed/);
  });
});

