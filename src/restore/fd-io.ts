// The real PathIo: reads and changes one path through its pinned O_PATH descriptor
// (platform/safe-ops.ts), never through its name.

import { decodeAclXattr, encodeAclXattr } from '../model/acl-xattr.js';
import { fileTypeOf, PERMISSION_BITS } from '../model/mode.js';
import type { FileType } from '../model/entry.js';
import { listXattrsAt, statFd, type FileStat } from '../platform/dir-fd.js';
import { chmodFd, chownFd, getXattrFd, listXattrsFd, removeXattrFd, setXattrFd } from '../platform/safe-ops.js';
import type { PathState } from './path-state.js';
import type { PathIo } from './reconcile.js';
import { simulatedIo } from './simulated-io.js';

export const XATTR_ACL_ACCESS = 'system.posix_acl_access';
export const XATTR_ACL_DEFAULT = 'system.posix_acl_default';
export const XATTR_CAPABILITY = 'security.capability';

export interface FdState extends PathState {
  dev: number;
  ino: number;
  nlink: number;
  /** Immutable or append-only (chattr +i / +a): nothing about it can change. */
  unchangeable: boolean;
}

/** The pinned inode's name in its open parent directory. */
export interface PathAt {
  dirfd: number;
  name: string;
}

/**
 * The state of the pinned inode. Which xattrs exist is asked by name in the parent
 * directory when `at` is known (listxattrat, no /proc lookup: the values, rarely needed,
 * are still read through the descriptor).
 */
export function readFdState(fd: number, shownPath: string, at: PathAt | null = null): FdState {
  const st = statFd(fd, shownPath);
  const type = fileTypeOf(st.mode);
  const present = type === 'symlink' ? [] : at ? listXattrsAt(at.dirfd, at.name, shownPath, false) : listXattrsFd(fd, shownPath);
  return stateOf(st, type, st.unchangeable, present, (name) => getXattrFd(fd, name, shownPath));
}

/** The state from a stat and the xattr names present; only those are read. */
export function stateOf(st: FileStat, type: FileType, unchangeable: boolean, present: readonly string[], read: (name: string) => Buffer | null): FdState {
  const acl = (name: string): ReturnType<typeof decodeAclXattr> | null => {
    const raw = present.includes(name) ? read(name) : null;
    return raw ? decodeAclXattr(raw) : null;
  };
  return {
    type,
    mode: st.mode & PERMISSION_BITS,
    uid: st.uid,
    gid: st.gid,
    dev: st.dev,
    ino: st.ino,
    nlink: st.nlink,
    unchangeable,
    acl: acl(XATTR_ACL_ACCESS),
    defaultAcl: type === 'dir' ? acl(XATTR_ACL_DEFAULT) : null,
    capability: present.includes(XATTR_CAPABILITY) ? read(XATTR_CAPABILITY) : null,
  };
}

/**
 * Changes the pinned inode. `state` is what was read through the same descriptor just
 * before; after each change the kernel's rules (path-state.ts) give the next state, so the
 * steps need no re-read (each read of an O_PATH descriptor's xattrs goes through /proc).
 */
export function fdIo(fd: number, shownPath: string, state: FdState): PathIo {
  const tracked = simulatedIo(state);
  const setOrRemove = (name: string, value: Buffer | null): void => {
    if (value === null) removeXattrFd(fd, name, shownPath);
    else setXattrFd(fd, name, value, shownPath);
  };
  return {
    read: () => tracked.read(),
    chown(uid, gid) {
      chownFd(fd, uid, gid, shownPath);
      tracked.chown(uid, gid);
      // Whether setgid survived depends on the caller's groups as well: the mode is read
      // back (one statx, for the few paths whose owner or group changes).
      const mode = statFd(fd, shownPath).mode & PERMISSION_BITS;
      if (mode !== tracked.state.mode) tracked.state = { ...tracked.state, mode };
    },
    chmod(mode) {
      chmodFd(fd, mode, shownPath);
      tracked.chmod(mode);
    },
    setAcl(kind, acl) {
      setOrRemove(kind === 'access' ? XATTR_ACL_ACCESS : XATTR_ACL_DEFAULT, acl && encodeAclXattr(acl));
      tracked.setAcl(kind, acl);
    },
    setCapability(value) {
      setOrRemove(XATTR_CAPABILITY, value);
      tracked.setCapability(value);
    },
  };
}
