// The real PathIo: reads and changes one path through its Pin (platform/safe-ops.ts): its
// pinned directory and final name, never followed, or an O_PATH descriptor of the inode.

import { decodeAclXattr, encodeAclXattr } from '../model/acl-xattr.js';
import { fileTypeOf, PERMISSION_BITS, S_ISGID } from '../model/mode.js';
import type { FileType } from '../model/entry.js';
import { statFd, type FileStat } from '../platform/dir-fd.js';
import {
  chmodPinned, chownPinned, closeDescriptor, getXattrPinned, listXattrsPinned, openInDirectory, removeXattrPinned, REPLACED, setXattrPinned,
  statPinned, type Pin,
} from '../platform/safe-ops.js';
import type { PathState } from './path-state.js';
import type { PathIo } from './reconcile.js';
import { simulatedIo } from './simulated-io.js';

const isRoot = process.getuid?.() === 0;

export const XATTR_ACL_ACCESS = 'system.posix_acl_access';
export const XATTR_ACL_DEFAULT = 'system.posix_acl_default';
export const XATTR_CAPABILITY = 'security.capability';

export interface PinnedState extends PathState {
  dev: number;
  ino: number;
  nlink: number;
  /** Immutable or append-only (chattr +i / +a): nothing about it can change. */
  unchangeable: boolean;
}

/** The state of the pinned file; of its xattrs, only those present are read. */
export function readPinnedState(pin: Pin, shownPath: string): PinnedState {
  const st = statPinned(pin, shownPath);
  const type = fileTypeOf(st.mode);
  const present = type === 'symlink' ? [] : listXattrsPinned(pin, shownPath);
  return stateOf(st, type, st.unchangeable, present, (name) => getXattrPinned(pin, name, shownPath));
}

/** The state from a stat and the xattr names present; only those are read. */
export function stateOf(st: FileStat, type: FileType, unchangeable: boolean, present: readonly string[], read: (name: string) => Buffer | null): PinnedState {
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

/** Refuses a pin whose final name now holds another file than the one `state` was read from. */
export function checkSameFile(pin: Pin, state: PinnedState, shownPath: string): void {
  if (pin.name === '') return; // the inode itself
  const st = statPinned(pin, shownPath);
  if (st.ino !== state.ino || st.dev !== state.dev) throw new Error(REPLACED);
}

/**
 * An O_PATH descriptor of the file `state` was read from, opened by the pin's final name
 * (a symlink opened as itself); a file put in its place since is refused. The caller closes it.
 */
export function openSameFile(pin: Pin, state: PinnedState, shownPath: string): number {
  const fd = openInDirectory(pin.fd, pin.name, shownPath);
  try {
    const st = statFd(fd, shownPath);
    if (st.ino !== state.ino || st.dev !== state.dev) throw new Error(REPLACED);
    return fd;
  } catch (err) {
    closeDescriptor(fd);
    throw err;
  }
}

/**
 * Changes the pinned file. `state` is what was read through the same pin before; after
 * each change the kernel's rules (path-state.ts) give the next state, so the steps need no
 * re-read (each read of a pin's xattr values goes through /proc).
 */
export function pinnedIo(pin: Pin, shownPath: string, state: PinnedState): PathIo {
  const tracked = simulatedIo(state);
  const setOrRemove = (on: Pin, name: string, value: Buffer | null): void => {
    if (value === null) removeXattrPinned(on, name, shownPath);
    else setXattrPinned(on, name, value, shownPath);
  };
  // A chown or a capability by the final name could land on a symlink put there since (the
  // kernel refuses chmod and ACLs on one, not those): they act on the inode itself.
  const onInode = (step: (inode: Pin) => void): void => {
    if (pin.name === '') return step(pin);
    const fd = openSameFile(pin, state, shownPath);
    try {
      step({ fd, name: '' });
    } finally {
      closeDescriptor(fd);
    }
  };
  return {
    read: () => tracked.read(),
    chown(uid, gid) {
      onInode((inode) => {
        chownPinned(inode, uid, gid, shownPath);
        tracked.chown(uid, gid);
        // Whether setgid survived depends on the caller's groups as well: the mode is read
        // back (one statx, for the few paths whose owner or group changes).
        const mode = statPinned(inode, shownPath).mode & PERMISSION_BITS;
        if (mode !== tracked.state.mode) tracked.state = { ...tracked.state, mode };
      });
    },
    chmod(mode) {
      chmodPinned(pin, mode, shownPath, state);
      tracked.chmod(mode);
      // The kernel drops setgid, silently, for a caller outside the file's group (not root):
      // said, rather than counted as restored on every run.
      if ((mode & S_ISGID) !== 0 && !isRoot && (statPinned(pin, shownPath).mode & S_ISGID) === 0) {
        tracked.state = { ...tracked.state, mode: mode & ~S_ISGID };
        throw new Error('setgid not set: the kernel drops it for a user outside the file\'s group (run as root)');
      }
    },
    setAcl(kind, acl) {
      setOrRemove(pin, kind === 'access' ? XATTR_ACL_ACCESS : XATTR_ACL_DEFAULT, acl && encodeAclXattr(acl));
      tracked.setAcl(kind, acl);
    },
    setCapability(value) {
      onInode((inode) => setOrRemove(inode, XATTR_CAPABILITY, value));
      tracked.setCapability(value);
    },
  };
}
