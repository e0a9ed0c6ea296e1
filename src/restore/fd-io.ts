// The real PathIo: reads and changes one path through its pinned O_PATH descriptor
// (platform/safe-ops.ts), never through its name.

import { decodeAclXattr, encodeAclXattr } from '../model/acl-xattr.js';
import { fileTypeOf, PERMISSION_BITS } from '../model/mode.js';
import type { FileType } from '../model/entry.js';
import { listXattrsAt, statFd, statNoFollowAt, type FileStat } from '../platform/dir-fd.js';
import { chmodAt, chmodFd, chownFd, closeDescriptor, getXattrAt, getXattrFd, listXattrsFd, removeXattrFd, setXattrFd } from '../platform/safe-ops.js';
import type { PathState } from './path-state.js';
import type { PathIo } from './reconcile.js';
import { simulatedIo } from './simulated-io.js';

export const XATTR_ACL_ACCESS = 'system.posix_acl_access';
export const XATTR_ACL_DEFAULT = 'system.posix_acl_default';
export const XATTR_CAPABILITY = 'security.capability';

export interface FdState extends PathState {
  dev: number;
  /** Immutable or append-only (chattr +i / +a): nothing about it can change. */
  unchangeable: boolean;
}

/**
 * How a planned path is reached until it is changed: pinned by its own O_PATH descriptor
 * (every kind of change), or by name in its held parent directory (a mode change only).
 */
export interface PathHandle {
  /** The state now: what the plan and the journal go by. */
  read(shownPath: string): FdState;
  /** The PathIo that changes it, starting from `state` (as read() gave it). */
  io(shownPath: string, state: FdState): PathIo;
  close(): void;
}

/** A path pinned by an O_PATH descriptor (`at`: its name in its open parent, when known). */
export function pinnedHandle(fd: number, at: PathAt | null): PathHandle {
  return {
    read: (shownPath) => readFdState(fd, shownPath, at),
    io: (shownPath, state) => fdIo(fd, shownPath, state),
    close: () => closeDescriptor(fd),
  };
}

/**
 * A path reached by name in its parent directory, which the caller holds open (design.md's
 * safety model: the directory was resolved without following symlinks, and the final name
 * is never followed). It can only chmod (fchmodat2 AT_SYMLINK_NOFOLLOW, which refuses a
 * symlink): a chown or an xattr written by name could land on a symlink swapped in, so
 * those changes go through a pin.
 */
export function namedHandle(dirfd: number, name: string, release: () => void): PathHandle {
  return {
    read(shownPath) {
      const st = statNoFollowAt(dirfd, name, shownPath);
      const type = fileTypeOf(st.mode);
      // Without listxattrat (Linux < 6.13), through the directory's magic link: the final name is not followed.
      const present = type === 'symlink' ? [] : listXattrsAt(dirfd, name, `/proc/self/fd/${dirfd}/${name}`, false, shownPath);
      return stateOf(st, type, st.unchangeable, present, (xattr) => getXattrAt(dirfd, name, xattr, shownPath));
    },
    io(shownPath, state) {
      const tracked = simulatedIo(state);
      const refuse = (): never => {
        throw new Error(`${shownPath}: internal error: only a mode change is made by name`);
      };
      return {
        read: () => tracked.read(),
        chmod(mode) {
          chmodAt(dirfd, name, mode, shownPath);
          tracked.chmod(mode);
        },
        chown: refuse,
        setAcl: refuse,
        setCapability: refuse,
      };
    },
    close: release,
  };
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
