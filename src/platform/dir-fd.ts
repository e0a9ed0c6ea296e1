// Directory-relative file system calls through koffi, the walker's fast path: getdents64
// reads a directory in the kernel's order in few system calls, statx and listxattrat act
// on a name relative to an open directory, so the kernel does not re-walk the whole path
// for every entry (measured on /usr: 2-3x faster than fs.opendir + fs.lstat).

import { cPath } from './byte-path.js';
import { objectList } from './object-list.js';
import { errno, koffi, lastErrno, libc, systemError, type SystemError } from './libc.js';
import { AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_RDONLY } from './open-flags.js';

export const AT_FDCWD = -100;
// statx mask: type, mode, nlink, uid, gid, ino (the fields read below).
const STATX_WANTED = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x100;
const SYS_listxattrat = 465; // Linux 6.13
const SYS_getxattrat = 464; // Linux 6.13

type Path = string | Buffer;
const openat = libc.func('int openat(int dirfd, const char *path, int flags, uint32 mode)') as (fd: number, p: Path, flags: number, mode: number) => number;
const closeFd = libc.func('int close(int fd)') as (fd: number) => number;
const getdents64 = libc.func('intptr_t getdents64(int fd, _Out_ uint8_t *buf, size_t n)') as (fd: number, buf: Buffer, n: number) => number | bigint;
const statx = libc.func('int statx(int dirfd, const char *path, int flags, uint32 mask, _Out_ uint8_t *buf)') as (fd: number, p: Path, flags: number, mask: number, buf: Buffer) => number;
const listxattrat = libc.func('syscall', 'long', ['long', 'int', 'const char *', 'uint32', 'uint8_t *', 'size_t']) as (
  nr: number, fd: number, p: Path, flags: number, list: Buffer | null, size: number) => number | bigint;
const getxattrat = libc.func('syscall', 'long', ['long', 'int', 'const char *', 'uint32', 'const char *', 'uint8_t *', 'size_t']) as (
  nr: number, fd: number, p: Path, flags: number, name: string, args: Buffer, size: number) => number | bigint;
const llistxattr = libc.func('intptr_t llistxattr(const char *path, _Out_ uint8_t *list, size_t size)') as (p: Path, list: Buffer | null, size: number) => number | bigint;
const listxattr = libc.func('intptr_t listxattr(const char *path, _Out_ uint8_t *list, size_t size)') as (p: Path, list: Buffer | null, size: number) => number | bigint;

/** What the walker needs of a stat: the full st_mode, owner, group, device and inode. */
export interface FileStat {
  mode: number;
  uid: number;
  gid: number;
  dev: number;
  ino: number;
  nlink: number;
}

const S_IFMT = 0o170000;
export const isDirectory = (st: FileStat): boolean => (st.mode & S_IFMT) === 0o040000;
export const isSymlink = (st: FileStat): boolean => (st.mode & S_IFMT) === 0o120000;

const statBuffer = Buffer.alloc(256);
// struct statx, in u32 words: stx_attributes (low word) 2, nlink 4, uid 5, gid 6, mode 7
// (low 16 bits), ino 8-9, dev_major 34, dev_minor 35
const statWords = new Uint32Array(statBuffer.buffer, statBuffer.byteOffset, 64);

/** statx(dirfd, name); follows a final symlink only when asked. Throws a SystemError. */
export function statAt(dirfd: number, name: string, follow: boolean, shownPath: string): FileStat & { unchangeable: boolean } {
  if (statx(dirfd, cPath(name), follow ? 0 : AT_SYMLINK_NOFOLLOW, STATX_WANTED, statBuffer) !== 0) {
    throw systemError(follow ? 'stat' : 'lstat', lastErrno(), shownPath);
  }
  return lastStatObject();
}

let nameBuffer = Buffer.alloc(4096);

/**
 * The bytes of a byte string from `start` on, NUL-terminated, as the calls below that take
 * a Buffer want a name: in one buffer, which the next call overwrites. Made once for the
 * two calls restore's look makes for a path, without the string checks and copies of a
 * name passed as a string (see work-item.ts lookAtItem).
 */
export function cName(text: string, start = 0): Buffer {
  const length = text.length - start;
  if (length >= nameBuffer.length) nameBuffer = Buffer.alloc(2 * (length + 1));
  const bytes = nameBuffer;
  for (let i = 0; i < length; i++) bytes[i] = text.charCodeAt(start + i);
  bytes[length] = 0;
  return bytes;
}

/**
 * statx(dirfd, name) without following a final symlink, its answer left in place for
 * lastStat (and lastStatObject()) to read until the next stat here; false when it fails.
 */
export function statInPlace(dirfd: number, name: Buffer): boolean {
  return statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_WANTED, statBuffer) === 0;
}

/**
 * The last stat made here, read in place (no object made). Getters of a class: on an object
 * literal they cost restore's first look at a healthy /usr copy 40 ms more (one thread).
 */
class LastStat implements Readonly<FileStat> {
  get mode(): number { return (statWords[7] as number) & 0xffff; }
  get uid(): number { return statWords[5] as number; }
  get gid(): number { return statWords[6] as number; }
  get dev(): number { return deviceNumber(statWords[34] as number, statWords[35] as number); }
  get ino(): number { return inodeNumber(statWords[8] as number, statWords[9] as number); }
  get nlink(): number { return statWords[4] as number; }
}

export const lastStat: Readonly<FileStat> = new LastStat();

const inodeNumber = (low: number, high: number): number => low + high * 2 ** 32;

/** st_dev as stat(2) gives it (glibc's makedev), from statx's major and minor. */
function deviceNumber(major: number, minor: number): number {
  return ((major & 0xfff) << 8) + (minor & 0xff) + (minor - (minor & 0xff)) * 2 ** 12 + (major - (major & 0xfff)) * 2 ** 32;
}

const STATX_ATTR_IMMUTABLE = 0x10;
const STATX_ATTR_APPEND = 0x20;

/** statx of an open (O_PATH) descriptor, with whether it is immutable or append-only. */
export function statFd(fd: number, shownPath: string): FileStat & { unchangeable: boolean } {
  if (statx(fd, '', AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_WANTED, statBuffer) !== 0) {
    throw systemError('fstat', lastErrno(), shownPath);
  }
  return lastStatObject();
}

/**
 * The last stat made here, as an object to keep: one object literal (spreading one object
 * into another doubled statFd's cost: 2.5 us against 1.2 us for the statx itself). Whether
 * the file is immutable or append-only comes along: one bit test, which only restore looks at.
 */
export function lastStatObject(): FileStat & { unchangeable: boolean } {
  const w = statWords;
  return {
    mode: (w[7] as number) & 0xffff,
    uid: w[5] as number,
    gid: w[6] as number,
    ino: inodeNumber(w[8] as number, w[9] as number),
    nlink: w[4] as number,
    dev: deviceNumber(w[34] as number, w[35] as number),
    unchangeable: ((w[2] as number) & (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND)) !== 0,
  };
}

/** Opens a directory to read (and to act relative to). Throws a SystemError. */
export function openDirectoryAt(dirfd: number, name: string, follow: boolean, shownPath: string): number {
  const fd = openat(dirfd, cPath(name), O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), 0);
  if (fd < 0) throw systemError('opendir', lastErrno(), shownPath);
  return fd;
}

export function closeDirectory(fd: number): void {
  closeFd(fd);
}

let dents = Buffer.allocUnsafe(64 * 1024);

/** A failed read of a directory's names, with those read before it failed (joined as readNames'). */
export type ReadNamesError = SystemError & { namesRead: string };

/** Names read from an open directory, joined as readNames gives them. */
export interface NameBatch {
  names: string;
  /** The directory has no more: the next read would give none. */
  end: boolean;
}

/**
 * Names of an open directory, in the kernel's order, as byte strings joined by NULs (which
 * no name holds; '' when there is none): all the rest of them, or once `atLeast` are read,
 * those, the descriptor left where the next read goes on. One string, not an array:
 * 300,000 names as strings held 18 MB of a heap where joined they take 5, and that heap
 * kept the space. Throws a ReadNamesError.
 */
export function readNames(fd: number, shownPath: string, atLeast = Infinity): NameBatch {
  const reads: string[] = [];
  const joined = (): string => (reads.length === 1 ? (reads[0] as string) : reads.join('\0'));
  let count = 0;
  for (;;) {
    const n = Number(getdents64(fd, dents, dents.length));
    if (n === 0) return { names: joined(), end: true };
    if (n < 0) {
      const e = lastErrno();
      if (e === errno.EINVAL) { // an entry larger than the buffer: cannot happen below 64 KiB, but be safe
        dents = Buffer.allocUnsafe(dents.length * 2);
        continue;
      }
      throw Object.assign(systemError('readdir', e, shownPath), { namesRead: joined() });
    }
    // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
    // The records decoded once as a byte string, each name a slice of it: one call into
    // C++ per read instead of two per name (measured on /usr: 10 ms less of 20 for 137k names).
    const records = dents.toString('latin1', 0, n);
    const names: string[] = [];
    for (let o = 0; o < n; ) {
      const reclen = (dents[o + 16] as number) | ((dents[o + 17] as number) << 8);
      const name = records.slice(o + 19, records.indexOf('\0', o + 19));
      if (name !== '.' && name !== '..') names.push(name);
      o += reclen;
    }
    if (names.length > 0) reads.push(names.join('\0'));
    count += names.length;
    if (count >= atLeast) return { names: joined(), end: false };
  }
}

/**
 * No xattr names: one array for every file without any, of the kind split() gives (see
 * objectList). With an empty literal, V8 threw away restore's optimized look (20-37 ms of
 * compiling, again) at the first file with an xattr, twice a thread. Never changed:
 * callers take it as readonly.
 */
export const NO_XATTRS: readonly string[] = objectList<string>();

let xattrList = Buffer.allocUnsafe(4096);
let haveListxattrat = true;

/**
 * Names of a file's extended attributes; NO_XATTRS when none or unsupported. Relative to dirfd on
 * Linux >= 6.13 (listxattrat); before that by `fallbackPath`: the full path, or with null
 * the name beneath the directory's /proc/self/fd link (worked out only then: restore's
 * first pass made that string for every path). Named in errors as `fullPath`.
 */
export function listXattrsAt(dirfd: number, name: string, fullPath: string, follow: boolean, fallbackPath: string | null = fullPath): readonly string[] {
  for (;;) {
    let n: number;
    if (haveListxattrat) {
      n = Number(listxattrat(SYS_listxattrat, dirfd, cPath(name), follow ? 0 : AT_SYMLINK_NOFOLLOW, xattrList, xattrList.length));
      if (n < 0 && lastErrno() === errno.ENOSYS) {
        haveListxattrat = false;
        continue;
      }
    } else {
      const path = fallbackPath ?? `/proc/self/fd/${dirfd}/${name}`;
      n = Number((follow ? listxattr : llistxattr)(cPath(path), xattrList, xattrList.length));
    }
    if (n >= 0) return namesListed(n);
    const e = lastErrno();
    if (e === errno.ENOTSUP) return NO_XATTRS;
    if (e !== errno.ERANGE) throw systemError('listxattr', e, fullPath);
    xattrList = Buffer.allocUnsafe(xattrList.length * 4);
  }
}

/**
 * As listXattrsAt(), for a name made by cName(), not followed: null when it cannot say this
 * way (before Linux 6.13, or the call failed): listXattrsAt() then does, or reports why.
 */
export function xattrNamesAt(dirfd: number, name: Buffer): readonly string[] | null {
  if (!haveListxattrat) return null;
  const n = Number(listxattrat(SYS_listxattrat, dirfd, name, AT_SYMLINK_NOFOLLOW, xattrList, xattrList.length));
  if (n >= 0) return namesListed(n);
  // A filesystem without xattrs: none, as listXattrsAt() says (the full look on every path
  // would ask twice).
  return lastErrno() === errno.ENOTSUP ? NO_XATTRS : null;
}

/** The names of the `n` bytes the last listxattr left in xattrList. */
function namesListed(n: number): readonly string[] {
  return n === 0 ? NO_XATTRS : xattrList.toString('latin1', 0, n - 1).split('\0');
}

// getxattrat's struct xattr_args { u64 value; u32 size; u32 flags; } holds the address of
// the memory the value goes to: memory of koffi's own, whose address it can tell (a
// Buffer's it cannot).
const xattrArgs = Buffer.alloc(16);
let valueMemory: { memory: unknown; size: number } | null = null;
let haveGetxattrat = true;

/**
 * An xattr of `name` in the directory dirfd, not followed (Linux >= 6.13: getxattrat): the
 * value, null when the file has none, or undefined when it cannot say this way (an older
 * kernel: the caller goes through /proc). restore's first look reads an ACL's value so,
 * only to skip what is already right: through /proc/self/fd/N/name it cost 3.9 us a call
 * here, this way 1.7 us (an ACL on every file of a tree: the look's biggest cost).
 */
export function xattrValueAt(dirfd: number, name: string, xattr: string, fullPath: string): Buffer | null | undefined {
  if (!haveGetxattrat) return undefined;
  for (;;) {
    valueMemory ??= { memory: koffi.alloc('uint8_t', 4096), size: 4096 };
    xattrArgs.writeBigUInt64LE(BigInt(koffi.address(valueMemory.memory) as number | bigint), 0);
    xattrArgs.writeUInt32LE(valueMemory.size, 8);
    const n = Number(getxattrat(SYS_getxattrat, dirfd, cPath(name), AT_SYMLINK_NOFOLLOW, xattr, xattrArgs, xattrArgs.length));
    if (n >= 0) return Buffer.from(koffi.view(valueMemory.memory, n) as ArrayBuffer);
    const e = lastErrno();
    if (e === errno.ENOSYS) {
      haveGetxattrat = false;
      return undefined;
    }
    if (e === errno.ENODATA || e === errno.ENOTSUP) return null;
    if (e !== errno.ERANGE) throw systemError('getxattr', e, fullPath);
    koffi.free(valueMemory.memory);
    valueMemory = { memory: koffi.alloc('uint8_t', valueMemory.size * 4), size: valueMemory.size * 4 };
  }
}

/** Forces the path-based fallbacks (tests cover both routes). */
export function useAtSyscalls(enabled: boolean): void {
  haveListxattrat = enabled;
  haveGetxattrat = enabled;
}
