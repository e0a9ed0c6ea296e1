// Symlink-safe permission changes for restore (design.md, "Restore safety model"). A
// recorded path is resolved beneath the root fd without following any symlink
// (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, or a chain of O_PATH|O_NOFOLLOW opens), to
// an O_PATH descriptor that pins the inode; every change then acts on that descriptor, so
// a directory swapped for a symlink mid-run cannot redirect it, nor a file renamed over the
// name take the change. Nothing here opens a file for reading or writing (FIFOs would
// block, device drivers would run).

import { cPath } from './byte-path.js';
import { isDirectory, isSymlink, listXattrsAt, statAt, statFd, useAtSyscalls, xattrValueAt, type FileStat } from './dir-fd.js';
import { listXattrs } from './xattr.js';
import { errno, koffi, lastErrno, libc, systemError } from './libc.js';
import { AT_EMPTY_PATH, O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH } from './open-flags.js';

const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_NO_SYMLINKS = 0x04;
const RESOLVE_BENEATH = 0x08;
const SYS_openat2 = 437;
const SYS_fchmodat2 = 452;
const SYS_close_range = 436; // Linux 5.9
const NO_CHANGE = 0xffffffff;
const PATH_MAX = 4096;

type Path = string | Buffer;
const openat2 = libc.func('syscall', 'long', ['long', 'int', 'const char *', 'uint8_t *', 'size_t']) as (nr: number, fd: number, p: Path, how: Buffer, size: number) => number | bigint;
const openat = libc.func('int openat(int dirfd, const char *path, int flags, uint32 mode)') as (fd: number, p: Path, flags: number, mode: number) => number;
const fchmodat2 = libc.func('syscall', 'long', ['long', 'int', 'const char *', 'uint32', 'int']) as (nr: number, fd: number, p: Path, mode: number, flags: number) => number | bigint;
const fchownat = libc.func('int fchownat(int dirfd, const char *path, uint32 owner, uint32 group, int flags)') as (fd: number, p: Path, uid: number, gid: number, flags: number) => number;
type GetFn = (p: Path, name: string, value: Buffer | null, size: number) => number | bigint;
type SetFn = (p: Path, name: string, value: Buffer, size: number, flags: number) => number;
type RemoveFn = (p: Path, name: string) => number;
const getxattr = libc.func('intptr_t getxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)') as GetFn;
const lgetxattr = libc.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)') as GetFn;
const setxattr = libc.func('int setxattr(const char *path, const char *name, const uint8_t *value, size_t size, int flags)') as SetFn;
const removexattr = libc.func('int removexattr(const char *path, const char *name)') as RemoveFn;
const closeFd = libc.func('int close(int fd)') as (fd: number) => number;
const closeRange = libc.func('syscall', 'long', ['long', 'uint32', 'uint32', 'uint32']) as (nr: number, first: number, last: number, flags: number) => number | bigint;
let haveCloseRange = true;
const fcntl = libc.func('int fcntl(int fd, int cmd, ...)') as (fd: number, cmd: number, type: 'int', arg: number) => number;
const F_DUPFD_CLOEXEC = 1030;
// Not fs.chmodSync: its errors come in libuv's lowercase words (ENOSYS, EROFS...), not strerror's as every other step's.
const chmodPath = libc.func('int chmod(const char *path, uint32 mode)') as (p: Path, mode: number) => number;

/** Which system calls to use; tests force the fallbacks that older kernels (Debian 12: 6.1) need. */
export const syscallSupport = { openat2: true, fchmodat2: true };

export function forceFallbacks(): void {
  syscallSupport.openat2 = false;
  syscallSupport.fchmodat2 = false;
  useAtSyscalls(false); // listxattrat (Linux 6.13)
}

/** Opens the directory a restore works beneath. */
export function openRoot(root: string): number {
  const fd = openat(-100, cPath(root), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) throw systemError('open', lastErrno(), root);
  return fd;
}

const how = Buffer.alloc(24); // struct open_how { u64 flags; u64 mode; u64 resolve; }

/**
 * An O_PATH descriptor of `relative` beneath rootFd, no symlink followed in any component
 * (ELOOP) and no escape (EXDEV). A final symlink is opened as itself, for the caller to refuse.
 */
export function openBeneath(rootFd: number, relative: string, shownPath: string): number {
  if (relative === '' || relative === '.') return dup(rootFd, shownPath);
  if (syscallSupport.openat2) {
    how.writeBigUInt64LE(BigInt(O_PATH | O_NOFOLLOW | O_CLOEXEC), 0);
    how.writeBigUInt64LE(BigInt(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), 16);
    const fd = Number(openat2(SYS_openat2, rootFd, cPath(relative), how, 24));
    if (fd >= 0) return fd;
    const e = lastErrno();
    // Longer than PATH_MAX (a tar member's, a hand-written path): in pieces shorter than that.
    if (e === errno.ENAMETOOLONG && relative.length >= PATH_MAX) return openInPieces(rootFd, relative, shownPath);
    // Named 'open' whatever the call (openat2, or openat on the fallback): the routes say alike.
    if (e !== errno.ENOSYS && e !== errno.EPERM) throw systemError('open', e, shownPath);
    syscallSupport.openat2 = false; // old kernel, or a seccomp filter that refuses it
  }
  return openChain(rootFd, relative, shownPath);
}

/** At most this long, a piece of a path fits openat2 (PATH_MAX holds its NUL too), wherever the "/" it is cut at falls. */
const PIECE = PATH_MAX - 256;

/**
 * A path too long for one openat2, opened in pieces shorter than PATH_MAX, each beneath the
 * directory the one before it opened (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS; on the way a
 * symlink is refused, ELOOP, and anything but a directory, ENOTDIR): a call for every few
 * thousand bytes, not one for every component. A call a component cost the restore of a
 * damaged 4,000-level chain 15 s, each long path opened anew from the root (QA helper-131). A path
 * with a ".." component, or a piece that fails, goes one component at a time (openChain),
 * which refuses the one and says which component failed (failedComponent()).
 */
function openInPieces(rootFd: number, relative: string, shownPath: string): number {
  if (DOT_DOT.test(relative)) return openChain(rootFd, relative, shownPath);
  let fd = rootFd;
  for (let start = 0; ;) {
    const last = relative.length - start < PIECE;
    const end = last ? relative.length : relative.lastIndexOf('/', start + PIECE);
    // No "/" to cut at (a name longer than any filesystem takes): one component at a time says so.
    const next = end <= start ? -1 : openPiece(fd, relative.slice(start, end), last);
    if (fd !== rootFd) closeFd(fd);
    if (next < 0) return openChain(rootFd, relative, shownPath);
    if (last) return next;
    fd = next;
    start = end + 1;
  }
}

const DOT_DOT = /(?:^|\/)\.\.(?:\/|$)/;

/** One piece beneath dirfd: the last one as openBeneath() opens a path, one on the way a directory only. */
function openPiece(dirfd: number, piece: string, last: boolean): number {
  how.writeBigUInt64LE(BigInt(last ? O_PATH | O_NOFOLLOW | O_CLOEXEC : O_PATH | O_DIRECTORY | O_CLOEXEC), 0);
  how.writeBigUInt64LE(BigInt(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), 16);
  return Number(openat2(SYS_openat2, dirfd, cPath(piece), how, 24));
}

/**
 * Refuses (EXDEV, as openat2 does an escape) a name that is not one component beneath its
 * directory: "..", ".", "" or one holding a "/". The recorded paths are checked long before
 * (target-path.ts); this is where the guarantee is kept, whatever a caller passes.
 */
function beneathOnly(name: string, shownPath: string): void {
  if (name === '..' || name === '.' || name === '' || name.includes('/')) throw systemError('open', errno.EXDEV, shownPath);
}

/** An O_PATH descriptor of `name` in the directory dirfd (one component), a symlink opened as itself. */
export function openInDirectory(dirfd: number, name: string, shownPath: string): number {
  beneathOnly(name, shownPath);
  const fd = openat(dirfd, cPath(name), O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) throw systemError('open', lastErrno(), shownPath);
  return fd;
}

/**
 * An O_PATH descriptor of the directory `name` (one component) in the directory dirfd:
 * nothing followed, and anything but a directory refused, a symlink with ELOOP as openat2
 * refuses it (O_DIRECTORY alone says ENOTDIR for both, so the name is looked at again).
 * When that look finds a directory, one was renamed over the name in between (a directory
 * swapped with a symlink and back): the open is tried again, not taken for a missing
 * directory, which would have passed its whole subtree as missing, and exit 0.
 */
export function openDirectoryIn(dirfd: number, name: string, shownPath: string): number {
  beneathOnly(name, shownPath);
  for (let attempt = 1; ; attempt++) {
    const fd = openat(dirfd, cPath(name), O_PATH | O_NOFOLLOW | O_CLOEXEC | O_DIRECTORY, 0);
    if (fd >= 0) return fd;
    const e = lastErrno();
    if (e !== errno.ENOTDIR) throw systemError('open', e, shownPath);
    const now = statAt(dirfd, name, false, shownPath);
    if (isSymlink(now)) throw systemError('open', errno.ELOOP, shownPath);
    if (!isDirectory(now)) throw systemError('open', e, shownPath);
    if (attempt === RENAMED_TRIES) throw renamedMeanwhile(shownPath);
  }
}

const RENAMED_TRIES = 4;

function renamedMeanwhile(shownPath: string): Error {
  const err = systemError('open', errno.EAGAIN, shownPath);
  err.message = `EAGAIN: a directory and something else took turns at this name while it was opened (renamed by another process?), open '${shownPath}'`;
  return err;
}

/**
 * The fallback: one O_PATH|O_NOFOLLOW open per component, directories required on the way.
 * A failure says which component failed (`failedAt`, its index): a caller that meets a
 * missing directory deep down marks it at once, rather than try each ancestor in turn,
 * which walked a path of n components n times (minutes, for an archive's 200k-deep name).
 */
function openChain(rootFd: number, relative: string, shownPath: string): number {
  const parts = relative.split('/').filter((p) => p !== '' && p !== '.');
  let fd = dup(rootFd, shownPath);
  for (const [i, part] of parts.entries()) {
    try {
      if (part === '..') throw systemError('open', errno.EXDEV, shownPath);
      const next = i === parts.length - 1 ? openInDirectory(fd, part, shownPath) : openDirectoryIn(fd, part, shownPath);
      closeFd(fd);
      fd = next;
    } catch (err) {
      closeFd(fd);
      throw Object.assign(err as Error, { failedAt: i });
    }
  }
  return fd;
}

/** The index of the component an openBeneath() failed at, when it knows (the fallback does). */
export function failedComponent(err: unknown): number | undefined {
  return (err as { failedAt?: number } | null)?.failedAt;
}

/** fcntl(F_DUPFD_CLOEXEC), not openat(fd, "."): that needs search permission, which a directory at mode 000 (its owner restoring it) does not give. */
function dup(fd: number, shownPath: string): number {
  const copy = fcntl(fd, F_DUPFD_CLOEXEC, 'int', 0);
  if (copy < 0) throw systemError('dup', lastErrno(), shownPath);
  return copy;
}

export function closeDescriptor(fd: number): void {
  closeFd(fd);
}

/**
 * Closes descriptors the caller holds, each run of consecutive numbers with one close_range
 * (Linux 5.9): a restore chunk's pins come mostly in such runs, and one close each cost
 * its second pass 1.5-2 us a path. Only numbers given are closed: a run holds nothing else.
 */
export function closeDescriptors(fds: readonly number[]): void {
  const sorted = Int32Array.from(fds).sort();
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i] as number;
    let last = first;
    let j = i + 1;
    // Equal numbers (given twice) are skipped: a run is each number once.
    for (; j < sorted.length && (sorted[j] === last || sorted[j] === last + 1); j++) last = sorted[j] as number;
    i = j;
    if (last > first && haveCloseRange) {
      if (Number(closeRange(SYS_close_range, first, last, 0)) === 0) continue;
      haveCloseRange = false; // an old kernel, or a seccomp filter that refuses it
    }
    for (let fd = first; fd <= last; fd++) closeFd(fd);
  }
}

/**
 * What restore reads of a file, no symlink followed: an O_PATH descriptor of the inode
 * itself (name ''), or of its directory and the final name there (looked up anew by each
 * call, never followed). Changes act on the inode's own descriptor only (the *Fd calls).
 */
export interface Pin {
  fd: number;
  name: string;
}

/**
 * The pinned file as a path, as a byte string: the magic link, followed to the inode, or
 * the final name beneath it (for the l* calls). Never the recorded path, whose directories
 * could have been swapped for symlinks since they were pinned.
 */
const procPath = (pin: Pin): string => (pin.name === '' ? `/proc/self/fd/${pin.fd}` : `/proc/self/fd/${pin.fd}/${pin.name}`);

export function statPinned(pin: Pin, shownPath: string): FileStat & { unchangeable: boolean } {
  return pin.name === '' ? statFd(pin.fd, shownPath) : statAt(pin.fd, pin.name, false, shownPath);
}

let scratch = Buffer.allocUnsafe(4096);

/** An xattr of the pinned file, or null when it has none. Never opens the file itself. */
export function getXattrPinned(pin: Pin, name: string, shownPath: string): Buffer | null {
  if (pin.name !== '') {
    const value = xattrValueAt(pin.fd, pin.name, name, shownPath);
    if (value !== undefined) return value;
  }
  const get = pin.name === '' ? getxattr : lgetxattr;
  for (;;) {
    const n = Number(get(cPath(procPath(pin)), name, scratch, scratch.length));
    if (n >= 0) return Buffer.from(scratch.subarray(0, n));
    const e = lastErrno();
    if (e === errno.ENODATA || e === errno.ENOTSUP) return null;
    if (e !== errno.ERANGE) throw systemError('getxattr', e, shownPath);
    scratch = Buffer.allocUnsafe(scratch.length * 4);
  }
}

/** The xattr names of the pinned file (one call: most files have none, and need no more). */
export function listXattrsPinned(pin: Pin, shownPath: string): readonly string[] {
  if (pin.name !== '') return listXattrsAt(pin.fd, pin.name, shownPath, false, null);
  try {
    return listXattrs(procPath(pin), true);
  } catch (err) {
    throw Object.assign(err as Error, { path: shownPath });
  }
}

export function chownFd(fd: number, uid: number | null, gid: number | null, shownPath: string): void {
  if (fchownat(fd, '', uid ?? NO_CHANGE, gid ?? NO_CHANGE, AT_EMPTY_PATH) !== 0) throw systemError('chown', lastErrno(), shownPath);
}

/** chmod of the pinned inode: fchmodat2 (Linux 6.6), else through its /proc/self/fd magic link. */
export function chmodFd(fd: number, mode: number, shownPath: string): void {
  if (syscallSupport.fchmodat2) {
    if (Number(fchmodat2(SYS_fchmodat2, fd, '', mode, AT_EMPTY_PATH)) === 0) return;
    const e = lastErrno();
    if (e !== errno.ENOSYS) throw systemError('chmod', e, shownPath);
    syscallSupport.fchmodat2 = false;
  }
  if (chmodPath(procPath({ fd, name: '' }), mode) !== 0) throw systemError('chmod', lastErrno(), shownPath);
}

export function setXattrFd(fd: number, name: string, value: Buffer, shownPath: string): void {
  if (setxattr(procPath({ fd, name: '' }), name, value, value.length, 0) !== 0) throw systemError('setxattr', lastErrno(), shownPath);
}

/** Removes an xattr; false when there was none. */
export function removeXattrFd(fd: number, name: string, shownPath: string): boolean {
  if (removexattr(procPath({ fd, name: '' }), name) === 0) return true;
  const e = lastErrno();
  if (e === errno.ENODATA) return false;
  throw systemError('removexattr', e, shownPath);
}

export { koffi };
