// The real PathIo: reads one path through its pins (platform/safe-ops.ts: its own O_PATH
// descriptor, or its name in its open directory, never followed) and changes it through
// its own descriptor only.

import type { Acl } from '../model/acl.js';
import { decodeAclXattr, encodeAclXattr, XATTR_ACL_ACCESS, XATTR_ACL_DEFAULT } from '../model/acl-xattr.js';
import { fileTypeOf, PERMISSION_BITS, S_ISGID } from '../model/mode.js';
import { XATTR_CAPABILITY } from '../model/capability.js';
import type { FileType } from '../model/entry.js';
import { NO_XATTRS, statFd, type FileStat } from '../platform/dir-fd.js';
import { chmodFd, chownFd, getXattrPinned, listXattrsPinned, removeXattrFd, setXattrFd, statPinned, type Pin } from '../platform/safe-ops.js';
import { UNREADABLE_CAPABILITY, type PathState } from './path-state.js';
import { PartlyTaken, type Change, type PathIo } from './reconcile.js';
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
  const present = type === 'symlink' ? NO_XATTRS : listXattrsPinned(namesAt, shownPath);
  return stateOf(st, type, st.unchangeable, present, pin, shownPath);
}

/**
 * The state from a stat and the xattr names present; only those are read, through `pin`.
 * (No closures: restore makes a state for every path it looks at closely, most with no xattr.)
 */
export function stateOf(st: FileStat, type: FileType, unchangeable: boolean, present: readonly string[], pin: Pin, shownPath: string): PinnedState {
  return {
    type,
    mode: st.mode & PERMISSION_BITS,
    uid: st.uid,
    gid: st.gid,
    dev: st.dev,
    ino: st.ino,
    nlink: st.nlink,
    unchangeable,
    acl: aclIn(present, XATTR_ACL_ACCESS, pin, shownPath),
    defaultAcl: type === 'dir' ? aclIn(present, XATTR_ACL_DEFAULT, pin, shownPath) : null,
    capability: present.includes(XATTR_CAPABILITY) ? readCapability(pin, shownPath) : null,
  };
}

function aclIn(present: readonly string[], name: string, pin: Pin, shownPath: string): Acl | null {
  const raw = present.includes(name) ? getXattrPinned(pin, name, shownPath) : null;
  return raw ? decodeAclXattr(raw) : null;
}

function readCapability(pin: Pin, shownPath: string): Buffer | null {
  try {
    return getXattrPinned(pin, XATTR_CAPABILITY, shownPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'EOVERFLOW') return UNREADABLE_CAPABILITY;
    throw err;
  }
}

/**
 * The mode to give the pinned file when its plan (reconcile() on its state as read when
 * pinned, which the real run starts from too) is one chmod the kernel takes whole, as it
 * does for root (PinnedIo.chmod says why not for others): the real run would take that one
 * step, and applying it directly spares going over every step again (most paths of a tree
 * after `chmod -R`). Else undefined.
 */
export function soleChmod(plan: readonly Change[]): number | undefined {
  if (!isRoot || plan.length !== 1) return undefined;
  const step = plan[0] as Change;
  return step.field === 'mode' && step.after.mode !== null ? step.after.mode : undefined;
}

/**
 * Changes the file pinned by `fd` (its own O_PATH descriptor). `state` is what was read
 * through it before; after each change the kernel's rules (path-state.ts) give the next
 * state, so the steps need no re-read (each read of a pin's xattr values goes through /proc).
 */
export function pinnedIo(fd: number, shownPath: string, state: PinnedState): PathIo {
  return new PinnedIo(fd, shownPath, simulatedIo(state));
}

// A class rather than an object of closures: restore makes one for every path it changes.
class PinnedIo implements PathIo {
  constructor(
    private readonly fd: number,
    private readonly shownPath: string,
    private readonly tracked: PathIo & { state: PathState },
  ) {}

  read(): PathState {
    return this.tracked.read();
  }

  chown(uid: number | null, gid: number | null): void {
    chownFd(this.fd, uid, gid, this.shownPath);
    this.tracked.chown(uid, gid);
    // Whether setgid survived depends on the caller's groups as well: the mode is read
    // back (one statx, for the few paths whose owner or group changes).
    const mode = statFd(this.fd, this.shownPath).mode & PERMISSION_BITS;
    if (mode !== this.tracked.state.mode) this.tracked.state = { ...this.tracked.state, mode };
  }

  chmod(mode: number): void {
    chmodFd(this.fd, mode, this.shownPath);
    this.tracked.chmod(mode);
    // The kernel drops setgid, silently, for a caller outside the file's group (not root):
    // said, rather than counted as restored on every run.
    if ((mode & S_ISGID) !== 0 && !isRoot && (statFd(this.fd, this.shownPath).mode & S_ISGID) === 0) {
      this.tracked.state = { ...this.tracked.state, mode: mode & ~S_ISGID };
      throw new PartlyTaken('setgid not set: the kernel drops it for a user outside the file\'s group (run as root)');
    }
  }

  setAcl(kind: 'access' | 'default', acl: Acl | null): void {
    this.setOrRemove(kind === 'access' ? XATTR_ACL_ACCESS : XATTR_ACL_DEFAULT, acl && encodeAclXattr(acl));
    this.tracked.setAcl(kind, acl);
  }

  setCapability(value: Buffer | null): void {
    this.setOrRemove(XATTR_CAPABILITY, value);
    this.tracked.setCapability(value);
  }

  private setOrRemove(name: string, value: Buffer | null): void {
    if (value === null) removeXattrFd(this.fd, name, this.shownPath);
    else setXattrFd(this.fd, name, value, this.shownPath);
  }
}
