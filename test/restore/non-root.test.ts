// A restore run by a user who is not root, of a tree that user owns: what the kernel does
// not let it do is said, never counted as restored, and what it can do it does (even the
// root directory's own mode when that is 000, as `chmod -R 000 ~/proj` leaves it).

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasSetpriv, runAsNobody } from '../helpers/facl-text.js';
import { restoreReady, summaryOf, writeSnapshot, SKIP_REASON } from '../helpers/restore-kit.js';
import { CLI, isRoot, makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-non-root-');
  fs.chmodSync(dir, 0o755);
});
afterEach(() => {
  sh('chmod -R u+rwx tree 2>/dev/null || true', dir);
  removeTree(dir);
});

const modeOf = (rel: string): string => (fs.statSync(path.join(dir, rel)).mode & 0o7777).toString(8).padStart(4, '0');
const restoreAsNobody = (snap: string): ReturnType<typeof runAsNobody> =>
  runAsNobody(process.execPath, [CLI, 'restore', snap, '--root', dir, '--no-undo'], { cwd: dir });

describe.skipIf(!isRoot || !hasSetpriv || !restoreReady)(`restore as a user who is not root (needs root to set the tree up, and setpriv; ${SKIP_REASON})`, () => {
  it("says that the kernel dropped a setgid bit for a user outside the file's group, rather than count it restored on every run", () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    fs.writeFileSync(path.join(dir, 'tree/sg'), '');
    // nobody owns it; its group is one nobody is not in.
    sh('chown -R 65534:65534 tree && chgrp 4343 tree/sg && chmod 2755 tree/sg', dir);
    const snap = writeSnapshot(dir);
    sh('chmod 0755 tree/sg', dir);
    for (let run = 0; run < 2; run++) {
      const r = restoreAsNobody(snap);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/\/tree\/sg: setgid not set: the kernel drops it for a user outside the file's group \(run as root\)$/m);
      expect(summaryOf(r.stderr)?.problems, r.stderr).toBe(1);
      expect(modeOf('tree/sg')).toBe('0755');
    }
  });

  it('counts a chmod the kernel took in part (setgid dropped) as a change, and still restores the ACL after it', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    fs.writeFileSync(path.join(dir, 'tree/sg'), '');
    sh('chown -R 65534:65534 tree && chgrp 4343 tree/sg && chmod 2750 tree/sg && setfacl -m u:bin:r tree/sg', dir);
    const snap = writeSnapshot(dir);
    sh('setfacl -b tree/sg && chmod 0644 tree/sg', dir);
    const r = restoreAsNobody(snap);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/\/tree\/sg: setgid not set/m);
    expect(summaryOf(r.stderr), r.stderr).toMatchObject({ changed: 1, problems: 1 });
    expect(r.stderr).toContain('(mode 1, acl 1)');
    expect(modeOf('tree/sg')).toBe('0750');
    expect(fs.readFileSync(snap, 'latin1')).toMatch(/^user:bin:r--$/m);
    expect(sh('getfacl -c tree/sg', dir)).toMatch(/^user:bin:r--$/m);
  });

  it("gives back the root directory's own mode when it is 000, then the rest on the next run", () => {
    fs.mkdirSync(path.join(dir, 'tree/d'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tree/d/f'), '');
    sh('chown -R 65534:65534 tree && chmod 0750 tree tree/d && chmod 0640 tree/d/f', dir);
    // The tree is the root of the restore: its own block is ".".
    const tree = path.join(dir, 'tree');
    const snap = path.join(dir, 'tree.facl');
    const taken = permsnap(['snapshot', '--quiet', '-o', snap, '.'], { cwd: tree });
    expect(taken.status, taken.stderr).toBe(0);
    fs.chmodSync(snap, 0o644);
    sh('chmod 0000 tree', dir);
    const restoreTree = (): ReturnType<typeof runAsNobody> => runAsNobody(process.execPath, [CLI, 'restore', snap, '--root', tree, '--no-undo'], { cwd: dir });
    const first = restoreTree();
    // Its contents could not be reached (they come before it): problems, but the root is back.
    expect(first.status, first.stderr).toBe(1);
    expect(modeOf('tree')).toBe('0750');
    const second = restoreTree();
    expect(second.status, second.stderr).toBe(0);
    expect([modeOf('tree'), modeOf('tree/d'), modeOf('tree/d/f')]).toEqual(['0750', '0750', '0640']);
  });

  it('restores from inside a directory of its own that `chmod 000 .` locked, with or without --root .', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    sh('chown 65534:65534 tree && chmod 0750 tree', dir);
    const snap = path.join(dir, 'tree.facl');
    fs.writeFileSync(snap, '# file: .\n# owner: nobody\nuser::rwx\ngroup::r-x\nother::---\n');
    fs.chmodSync(snap, 0o644);
    // The user's current directory has no search permission: "." cannot be stat()ed.
    for (const extra of [[], ['--root', '.']]) {
      sh('chmod 0000 tree', dir);
      const r = runAsNobody(process.execPath, [CLI, 'restore', snap, '--no-undo', ...extra], { cwd: path.join(dir, 'tree') });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`beneath ${extra.length > 0 ? '' : 'the current directory '}${path.join(dir, 'tree')}`);
      expect(modeOf('tree')).toBe('0750');
    }
  });
});
