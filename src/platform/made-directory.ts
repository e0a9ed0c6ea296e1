// Directories made and a file created beneath an open directory, never through a symlink,
// for the undo journal's default place (restore/undo-journal.ts; the first directory is
// opened with safe-ops.ts openRoot). The *at calls through koffi, not paths through
// /proc/self/fd: a rescue chroot may have no /proc.

import { cPath } from './byte-path.js';
import { statFd, type FileStat } from './dir-fd.js';
import { errno, lastErrno, libc, systemError } from './libc.js';
import { O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_RDONLY, O_WRONLY } from './open-flags.js';
import { chmodFd, closeDescriptor } from './safe-ops.js';

type Path = string | Buffer;
const openat = libc.func('int openat(int dirfd, const char *path, int flags, uint32 mode)') as (fd: number, p: Path, flags: number, mode: number) => number;
const mkdirat = libc.func('int mkdirat(int dirfd, const char *path, uint32 mode)') as (fd: number, p: Path, mode: number) => number;
const unlinkat = libc.func('int unlinkat(int dirfd, const char *path, int flags)') as (fd: number, p: Path, flags: number) => number;
const fsync = libc.func('int fsync(int fd)') as (fd: number) => number;

/**
 * The directory `name` in dirfd, made if missing (with `mode`, 0700 unless given, whatever
 * the umask: a root umask of 077 made a ROOT/var its services could not enter), opened
 * without following a symlink (a symlink or anything else than a directory there:
 * ENOTDIR), with its stat for the caller to judge its owner and mode.
 */
export function makeDirectoryAt(dirfd: number, name: string, shownPath: string, mode = 0o700): { fd: number; st: FileStat; made: boolean } {
  const made = mkdirat(dirfd, cPath(name), mode) === 0;
  if (!made && lastErrno() !== errno.EEXIST) throw systemError('mkdir', lastErrno(), shownPath);
  const fd = openat(dirfd, cPath(name), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) {
    const e = lastErrno();
    if (made) removeDirectoryAt(dirfd, name);
    throw systemError('open', e, shownPath);
  }
  try {
    let st = statFd(fd, shownPath);
    if (made && (st.mode & 0o7777) !== mode && st.uid === process.geteuid?.()) {
      // Through the descriptor just opened, and only one of this user's: the name may have
      // been swapped since mkdirat.
      chmodFd(fd, mode, shownPath);
      st = statFd(fd, shownPath);
    }
    return { fd, st, made };
  } catch (err) {
    closeDescriptor(fd);
    // One just made is not left behind by a failure to set its mode (ENOSYS: fusefat).
    if (made) removeDirectoryAt(dirfd, name);
    throw err;
  }
}

const AT_REMOVEDIR = 0x200;

/** Removes the empty directory `name` in dirfd; false when it could not. */
export function removeDirectoryAt(dirfd: number, name: string): boolean {
  return unlinkat(dirfd, cPath(name), AT_REMOVEDIR) === 0;
}

/** A new file `name` in dirfd (0600), opened to write; never an existing file, never through a symlink (EEXIST). */
export function createFileAt(dirfd: number, name: string, shownPath: string): number {
  const fd = openat(dirfd, cPath(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600);
  if (fd < 0) throw systemError('open', lastErrno(), shownPath);
  return fd;
}

/** Removes the file `name` in dirfd; false when it could not. */
export function unlinkFileAt(dirfd: number, name: string): boolean {
  return unlinkat(dirfd, cPath(name), 0) === 0;
}

/**
 * fsyncs the directory dirfd (an O_PATH descriptor, which fsync refuses: opened again to
 * read), so that a name just made in it outlasts a power loss. Best effort: false if not.
 */
export function syncDirectoryAt(dirfd: number): boolean {
  const fd = openat(dirfd, cPath('.'), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return false;
  try {
    return fsync(fd) === 0;
  } finally {
    closeDescriptor(fd);
  }
}
