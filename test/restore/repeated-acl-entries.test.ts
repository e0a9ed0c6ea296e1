// An ACL that names one user or group twice. The kernel keeps such an ACL as it is given
// (any owner can set one on their own file; a user namespace shows every id it does not map
// as 4294967295), getfacl prints it, and so does snapshot. One such file once made the
// whole baseline unreadable to diff and restore ("duplicate entry", exit 2): a user could
// blind the nightly drift check of a whole system; a GNU tar archive holding one was refused
// whole. Now it is read as written, and restored as recorded.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restore, restoreReady, SKIP_REASON, summaryOf } from '../helpers/restore-kit.js';
import { getfacl, makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-repeated-acl-');
});
afterEach(() => removeTree(dir));

// user::rw-, user:1000:r--, user:1000:-w-, group::r--, group:100:r--, group:100:-w-, mask::rwx, other::r--
const REPEATING_ACL = '[(1,6,N),(2,4,1000),(2,2,1000),(4,4,N),(8,4,100),(8,2,100),(0x10,7,N),(0x20,4,N)]';

/** Sets the raw access ACL xattr (setfacl refuses to write such an ACL; the kernel does not). */
function setRepeatingAcl(file: string): void {
  sh(`python3 -c 'import os,struct,sys; N=0xffffffff; e=${REPEATING_ACL}
os.setxattr(sys.argv[1], "system.posix_acl_access", struct.pack("<I",2)+b"".join(struct.pack("<HHI",*x) for x in e))' ${file}`, dir);
}

const aclOf = (rel: string): string => getfacl(['-n', path.join(dir, rel)]).stdout.toString();

/** DIR/tree/twice with that ACL; returns getfacl -n's text of it. */
function treeWithRepeatingAcl(): string {
  fs.mkdirSync(path.join(dir, 'tree'));
  fs.writeFileSync(path.join(dir, 'tree/twice'), '');
  setRepeatingAcl(path.join(dir, 'tree/twice'));
  return aclOf('tree/twice');
}

describe.skipIf(!restoreReady)(`an ACL naming one user twice (${SKIP_REASON})`, () => {
  it('is diffed and restored from a permsnap snapshot as recorded, the rest of the snapshot too', () => {
    const healthy = treeWithRepeatingAcl();
    fs.writeFileSync(path.join(dir, 'tree/plain'), '');
    expect(healthy).toMatch(/user:1000:r--\nuser:1000:-w-\n/); // the kernel kept both

    expect(permsnap(['snapshot', '-n', 'tree', '-o', 'base.facl'], { cwd: dir }).status).toBe(0);
    fs.chmodSync(path.join(dir, 'tree/plain'), 0o777);
    const d = permsnap(['diff', 'base.facl', 'tree'], { cwd: dir });
    expect(d.stderr).toBe('');
    expect(d.stdout.toString()).toBe('1 modified, 0 missing, 0 extra\nmodified  tree/plain  mode 0644 -> 0777\n');
    expect(d.status).toBe(1);

    sh('setfacl -b tree/twice', dir);
    const r = restore(['base.facl', '--no-undo'], { cwd: dir });
    expect(r.stderr).not.toMatch(/twice|duplicate/);
    expect(r.status, r.stderr).toBe(0);
    expect(aclOf('tree/twice')).toBe(healthy);
    expect(fs.statSync(path.join(dir, 'tree/plain')).mode & 0o7777).toBe(0o644);
    const again = restore(['base.facl', '--no-undo'], { cwd: dir });
    expect(summaryOf(again.stderr)?.changed, again.stderr).toBe(0);
  });

  it('reads from a GNU tar archive (--acls --xattrs) as from the tree, and restores from it as recorded', () => {
    const healthy = treeWithRepeatingAcl();
    sh('tar --acls --xattrs -cf tree.tar tree', dir); // names in the ACL text, ids in the raw xattr
    const d = permsnap(['diff', 'tree.tar', 'tree'], { cwd: dir });
    expect(d.stderr).toBe('');
    expect(d.stdout.toString()).toBe('0 modified, 0 missing, 0 extra\n');
    expect(d.status).toBe(0);
    sh('setfacl -b tree/twice', dir);
    const r = restore(['tree.tar', '--no-undo'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(aclOf('tree/twice')).toBe(healthy);
  });

  it('is restored from the real getfacl text with names, and still reported when two qualifiers written apart are one id here', () => {
    const healthy = treeWithRepeatingAcl();
    fs.writeFileSync(path.join(dir, 'getfacl.facl'), getfacl(['-R', 'tree'], { cwd: dir }).stdout);
    sh('setfacl -b tree/twice', dir);
    const r = restore(['getfacl.facl', '--no-undo'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(aclOf('tree/twice')).toBe(healthy);

    // user:0 and user:root: one user named two ways, a problem for that path alone.
    fs.writeFileSync(path.join(dir, 'apart.facl'), '# file: tree/twice\nuser::rw-\nuser:0:r--\nuser:root:-w-\ngroup::r--\nmask::rw-\nother::---\n');
    const apart = restore(['apart.facl', '--no-undo'], { cwd: dir });
    expect(apart.stderr).toMatch(/tree\/twice: the ACL names user 0 twice \(as "0" and "root"\); it is left as it is$/m);
    expect(apart.status).toBe(1);
  });
});
