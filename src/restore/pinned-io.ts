// The real PathIo: reads one path through its pins (platform/safe-ops.ts: its own O_PATH
// descriptor, or its name in its open directory, never followed) and changes it through
// its own descriptor only.

import { decodeAclXattr, encodeAclXattr, XATTR_ACL_ACCESS, XATTR_ACL_DEFAULT } from '../model/acl-xattr.js';
import { fileTypeOf, PERMISSION_BITS, S_ISGID } from '../model/mode.js';
import { XATTR_CAPABILITY } from '../model/capability.js';
import type { FileType } from '../model/entry.js';
import { statFd, type FileStat } from '../platform/dir-fd.js';
import { chmodFd, chownFd, getXattrPinned, listXattrsPinned, removeXattrFd, setXattrFd, statPinned, type Pin } from '../platform/safe-ops.js';
import { UNREADABLE_CAPABILITY, type PathState } from './path-state.js';
import { PartlyTaken, type PathIo } from './reconcile.js';
import { simulatedIo } from './simulated-io.js';

const isRoot = process.getuid?.() === 0;

export interface PinnedState extends PathState {
  dev: number;
  ino: number;
  nlink: number;
  /** Immutable or append-only (chattr +i / +a): nothing about it can change. */
  unchangeable: boolean;
}

/**
 * The state of the pinned file; of its xattrs, only those present are read. Their names are
 * asked by `namesAt` when given (the file's name in its open directory: listxattrat, no
 * /proc lookup), else through the pin.
 */
export function readPinnedState(pin: Pin, shownPath: string, namesAt: Pin = pin): PinnedState {
  const st = statPinned(pin, shownPath);
  const type = fileTypeOf(st.mode);
  const present = type === 'symlink' ? [] : listXattrsPinned(namesAt, shownPath);
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
    capability: present.includes(XATTR_CAPABILITY) ? readCapability(read) : null,
  };
}

function readCapability(read: (name: string) => Buffer | null): Buffer | null {
  try {
    return read(XATTR_CAPABILITY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'EOVERFLOW') return UNREADABLE_CAPABILITY;
    throw err;
  }
}

/**
 * Changes the file pinned by `fd` (its own O_PATH descriptor). `state` is what was read
 * through it before; after each change the kernel's rules (path-state.ts) give the next
 * state, so the steps need no re-read (each read of a pin's xattr values goes through /proc).
 */
export function pinnedIo(fd: number, shownPath: string, state: PinnedState): PathIo {
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
      // The kernel drops setgid, silently, for a caller outside the file's group (not root):
      // said, rather than counted as restored on every run.
      if ((mode & S_ISGID) !== 0 && !isRoot && (statFd(fd, shownPath).mode & S_ISGID) === 0) {
        tracked.state = { ...tracked.state, mode: mode & ~S_ISGID };
        throw new PartlyTaken('setgid not set: the kernel drops it for a user outside the file\'s group (run as root)');
      }
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
