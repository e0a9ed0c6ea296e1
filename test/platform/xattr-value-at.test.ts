// xattrValueAt(): an xattr's value by a name in an open directory (getxattrat, Linux 6.13),
// as restore's first look reads an ACL: the same bytes getfacl's ACL gives, none for a file
// without one, a value bigger than its first buffer (tmpfs keeps 8 KB ACLs) read whole, and
// a symlink's own (none), not its target's.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAclXattr } from '../../src/model/acl-xattr.js';
import { xattrValueAt } from '../../src/platform/dir-fd.js';
import { openRoot, closeDescriptor } from '../../src/platform/safe-ops.js';
import { tryMount, unmount } from '../helpers/facl-text.js';
import { isRoot, makeTempDir, removeTree, sh } from '../helpers/tree.js';

const ACCESS = 'system.posix_acl_access';
const kernelHasIt = (() => {
  const [major = 0, minor = 0] = (fs.readFileSync('/proc/sys/kernel/osrelease', 'latin1').match(/^(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
  return major > 6 || (major === 6 && minor >= 13);
})();
const canMount = isRoot && sh('command -v setfacl || true', '/').trim() !== '';

let dir = '';
let mounted = false;

beforeAll(() => {
  dir = makeTempDir('permsnap-xattr-at-');
  mounted = canMount && tryMount('tmpfs', dir);
  if (!mounted) return;
  sh('touch small none big && ln -s small link && setfacl -m u:5000:r small', dir);
  sh(`setfacl -m "$(seq 3000 3999 | sed 's/^/u:/; s/$/:r/' | paste -sd,)" big`, dir);
});
afterAll(() => {
  if (mounted) unmount(dir);
  removeTree(dir);
});

describe.skipIf(!kernelHasIt || !canMount)('xattrValueAt (needs Linux 6.13 for getxattrat, root to mount a tmpfs, and setfacl)', () => {
  it('reads values by name in the directory: whole when bigger than one buffer, null when none, a symlink itself', () => {
    expect(mounted).toBe(true);
    const fd = openRoot(dir);
    try {
      const small = xattrValueAt(fd, 'small', ACCESS, path.join(dir, 'small'));
      expect(decodeAclXattr(small as Buffer).some((e) => e.id === 5000)).toBe(true);
      const big = xattrValueAt(fd, 'big', ACCESS, path.join(dir, 'big')) as Buffer;
      expect(big.length).toBe(4 + 8 * 1004);
      expect(decodeAclXattr(big).filter((e) => e.id >= 3000 && e.id <= 3999)).toHaveLength(1000);
      expect(xattrValueAt(fd, 'none', ACCESS, path.join(dir, 'none'))).toBeNull();
      expect(xattrValueAt(fd, 'link', ACCESS, path.join(dir, 'link'))).toBeNull();
      expect(() => xattrValueAt(fd, 'missing', ACCESS, path.join(dir, 'missing'))).toThrow(/ENOENT/);
    } finally {
      closeDescriptor(fd);
    }
  });
});
