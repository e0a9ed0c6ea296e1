// The real PathIo: reads and changes one path through its pinned O_PATH descriptor
// (platform/safe-ops.ts), never through its name.

import { decodeAclXattr, encodeAclXattr } from '../model/acl-xattr.js';
import { fileTypeOf, PERMISSION_BITS } from '../model/mode.js';
import { statFd } from '../platform/dir-fd.js';
import { chmodFd, chownFd, getXattrFd, removeXattrFd, setXattrFd } from '../platform/safe-ops.js';
import type { PathState } from './path-state.js';
import type { PathIo } from './reconcile.js';

export const XATTR_ACL_ACCESS = 'system.posix_acl_access';
export const XATTR_ACL_DEFAULT = 'system.posix_acl_default';
export const XATTR_CAPABILITY = 'security.capability';

export interface FdState extends PathState {
  dev: number;
  /** Immutable or append-only (chattr +i / +a): nothing about it can change. */
  unchangeable: boolean;
}

export function readFdState(fd: number, shownPath: string): FdState {
  const st = statFd(fd, shownPath);
  const type = fileTypeOf(st.mode);
  const readAcl = (name: string): ReturnType<typeof decodeAclXattr> | null => {
    const raw = type === 'symlink' ? null : getXattrFd(fd, name, shownPath);
    return raw ? decodeAclXattr(raw) : null;
  };
  return {
    type,
    mode: st.mode & PERMISSION_BITS,
    uid: st.uid,
    gid: st.gid,
    dev: st.dev,
    unchangeable: st.unchangeable,
    acl: readAcl(XATTR_ACL_ACCESS),
    defaultAcl: type === 'dir' ? readAcl(XATTR_ACL_DEFAULT) : null,
    capability: type === 'symlink' ? null : getXattrFd(fd, XATTR_CAPABILITY, shownPath),
  };
}

export function fdIo(fd: number, shownPath: string): PathIo {
  const setOrRemove = (name: string, value: Buffer | null): void => {
    if (value === null) removeXattrFd(fd, name, shownPath);
    else setXattrFd(fd, name, value, shownPath);
  };
  return {
    read: () => readFdState(fd, shownPath),
    chown: (uid, gid) => chownFd(fd, uid, gid, shownPath),
    chmod: (mode) => chmodFd(fd, mode, shownPath),
    setAcl: (kind, acl) => setOrRemove(kind === 'access' ? XATTR_ACL_ACCESS : XATTR_ACL_DEFAULT, acl && encodeAclXattr(acl)),
    setCapability: (value) => setOrRemove(XATTR_CAPABILITY, value),
  };
}
