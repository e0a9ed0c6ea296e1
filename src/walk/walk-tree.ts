// Walks a tree the way getfacl -R does (acl 2.3.1, libmisc/walk_tree.c): pre-order, the
// kernel's readdir order (or byte order with `sorted`), getfacl's symlink rules, loops
// broken against the chain of open ancestors. It reports what it finds to a visitor and
// knows nothing of ACLs or output. Synchronous on purpose: it is the hot path, and each
// call acts relative to the open parent directory (platform/dir-fd.ts).

import {
  AT_FDCWD, closeDirectory, isDirectory, isSymlink, openDirectoryAt, readNames, statAt, type FileStat, type NameBatch, type ReadNamesError,
} from '../platform/dir-fd.js';
import type { SystemError } from '../platform/libc.js';
import { openFileLimit } from '../platform/open-files.js';
import { sortedNames } from './sorted-names.js';
import { beneathMatcher } from '../glob/path-matcher.js';

/** toplevel: follow symlinks named as arguments (getfacl's default); logical: follow all (-L); physical: none (-P). */
export type SymlinkPolicy = 'toplevel' | 'logical' | 'physical';

export interface WalkOptions {
  symlinks: SymlinkPolicy;
  /** Skip entries on another device than the argument (--one-file-system). */
  oneFileSystem: boolean;
  /** Siblings in byte order instead of readdir order. */
  sorted: boolean;
  /** Record directories on these devices but do not enter them (pseudo filesystems). */
  doNotEnter: ReadonlySet<number>;
  /** Paths (as walked) to leave out, with everything beneath them (an argument beneath one too). */
  isExcluded?: (path: string) => boolean;
  /** Say nothing when reading an opened directory's names fails, as getfacl does (--compat). */
  quietReadErrors?: boolean;
}

export interface DirectoryTask {
  /** The directory whose contents are to be walked, already visited. */
  path: string;
  depth: number;
  /** dev/ino pairs of the directory and its ancestors, for loop detection. */
  ancestors: Array<[number, number]>;
  rootDev: number;
  /** Whether the directory was reached through a symlink (then its path is followed to open it). */
  followed: boolean;
  /**
   * The names left to walk, when an earlier walk did the first ones (see deferRest), joined
   * by NULs as readNames gives them; none: all of them, read from the directory.
   */
  names?: string;
  /**
   * An open descriptor of the directory, read as far as an earlier walk read it: its
   * entries are read on from there. The walk that reads its end closes it, or hands it on.
   */
  openFd?: number;
}

/** Where a visited entry is: its name relative to an open directory (AT_FDCWD for arguments). */
export interface Location {
  dirfd: number;
  name: string;
}

export interface WalkVisitor {
  visit(path: string, st: FileStat, followed: boolean, at: Location): void;
  error(path: string, err: SystemError): void;
  /** An argument exclude leaves out (it, or a directory above it, matched). */
  excluded?(path: string): void;
  /** Return true to leave a directory's contents to another walk (parallelism). */
  deferDirectory?(task: DirectoryTask): boolean;
  /**
   * Before an entry of the directory `task`, not the first one walked: return true to leave
   * the rest to other walks (a directory of many entries is spread over jobs too). The rest
   * is names.slice(at) (joined names; '' when `at` is their end), then, unless `more` is
   * null, the names still unread in `more`, an open descriptor of the directory that the
   * visitor then owns (see DirectoryTask.openFd).
   */
  deferRest?(task: DirectoryTask, names: string, at: number, more: number | null): boolean;
}

/**
 * Names read from a directory at a time. A directory is read in batches, and its unread
 * rest handed on as its open descriptor, so that however many entries it has no thread
 * holds their names (one directory of a million files: peak RSS 240 MB when they were).
 */
export const NAME_BATCH = 32_768;

// getfacl builds paths in a FILENAME_MAX (4096) buffer and refuses longer ones, naming the parent.
const FILENAME_MAX = 4096;
const ENAMETOOLONG = 36;

/** Walks one command-line argument. */
export function walkArgument(path: string, options: WalkOptions, visitor: WalkVisitor): void {
  if (path.length >= FILENAME_MAX) {
    visitor.error(path, nameTooLong(path));
    return;
  }
  if (options.isExcluded && excludedHereOrAbove(options.isExcluded)(path)) {
    visitor.excluded?.(path);
    return;
  }
  walkNode({ dirfd: AT_FDCWD, name: path }, path, 0, [], -1, options, visitor);
}

// One beneath-matcher per exclude matcher, so that the arguments of a long list (`find ... |
// snapshot -`) share the verdicts on their ancestors rather than each work them out anew.
const beneathMatchers = new WeakMap<(path: string) => boolean, (path: string) => boolean>();

/**
 * An argument is left out when it, or a directory above it, is excluded (`snapshot /tmp/x
 * --exclude /tmp`), as a snapshot file's paths are left out (diff, restore): those sides agree.
 */
function excludedHereOrAbove(isExcluded: (path: string) => boolean): (path: string) => boolean {
  let matcher = beneathMatchers.get(isExcluded);
  if (matcher === undefined) beneathMatchers.set(isExcluded, (matcher = beneathMatcher(isExcluded)));
  return matcher;
}

/** Walks the contents of a directory found by an earlier walk (see deferDirectory). */
export function walkDirectoryTask(task: DirectoryTask, options: WalkOptions, visitor: WalkVisitor): void {
  walkContents({ dirfd: AT_FDCWD, name: task.path }, task, options, visitor);
}

function walkNode(
  at: Location,
  path: string,
  depth: number,
  ancestors: Array<[number, number]>,
  rootDev: number,
  options: WalkOptions,
  visitor: WalkVisitor,
): void {
  if (options.isExcluded?.(path)) return;
  let st: FileStat;
  let followed = false;
  // --one-file-system goes by where the entry itself is: for a symlink, its own
  // filesystem, not its target's; an entry elsewhere is skipped before a symlink is
  // followed, so a dangling one there is not an error (getfacl's walk lstat()s, compares,
  // and only then stats the target).
  let ownDev: number;
  try {
    st = statAt(at.dirfd, at.name, false, path);
    ownDev = st.dev;
    if (options.oneFileSystem && depth > 0 && ownDev !== rootDev) return;
    if (isSymlink(st)) {
      const follow = options.symlinks === 'logical' || (depth === 0 && options.symlinks === 'toplevel');
      if (!follow) return; // getfacl skips symlinks it does not follow, silently
      st = statAt(at.dirfd, at.name, true, path);
      followed = true;
    }
  } catch (err) {
    visitor.error(path, err as SystemError);
    return;
  }
  const dev = depth === 0 ? ownDev : rootDev;
  visitor.visit(path, st, followed, at);

  // A symlink named as an argument is printed but entered only in a logical walk.
  if (!isDirectory(st) || (followed && options.symlinks !== 'logical')) return;
  if (ancestors.some(([d, i]) => d === st.dev && i === st.ino)) return;
  if (options.doNotEnter.has(st.dev)) return;
  const task: DirectoryTask = { path, depth, ancestors: [...ancestors, [st.dev, st.ino]], rootDev: dev, followed };
  if (depth > 0 && visitor.deferDirectory?.(task)) return;
  walkContents(at, task, options, visitor);
}

function walkContents(at: Location, task: DirectoryTask, options: WalkOptions, visitor: WalkVisitor): void {
  let fd: number;
  if (task.openFd !== undefined) fd = task.openFd;
  else {
    try {
      fd = openDirectoryAt(at.dirfd, at.name, task.followed || task.depth === 0, task.path);
    } catch (err) {
      // The rest of a directory whose names were read (it went since, or changed): its
      // entries are looked for by path, each one that is not found said, as getfacl says them.
      if (task.names !== undefined) {
        walkNames(AT_FDCWD, task.names, task, options, visitor, null);
        return;
      }
      const code = (err as SystemError).code;
      if (code !== 'ENOTDIR' && code !== 'ENOENT') visitor.error(task.path, err as SystemError);
      return;
    }
  }
  // Deep down, the directory is let go before its entries are walked, and they are
  // reached by path: a descriptor held per level would run out (1024 of them, a common
  // limit) in a tree deeper than that, where getfacl's walk goes on.
  const deep = task.depth >= MIN_DEEP_WALK && task.depth >= deepWalkLevels();
  // Read whole: names to sort, a directory about to be let go, or descriptors running short
  // (a new one takes the lowest number free: as many were open when this one was).
  const whole = options.sorted || deep || fd >= handOnLimit();
  let handedOn = false;
  try {
    if (task.names !== undefined) {
      if (deep) fd = closedForDeepWalk(fd);
      walkNames(fd, task.names, task, options, visitor, null);
      return;
    }
    for (let first = true; ; first = false) {
      // Past the first batch the rest may go to other walks before it is read.
      if (!first && visitor.deferRest?.(task, '', 0, fd)) {
        handedOn = true;
        return;
      }
      let batch: NameBatch;
      try {
        batch = readNames(fd, task.path, whole ? Infinity : NAME_BATCH);
      } catch (err) {
        // The names read before the failure are walked. getfacl's walk takes a failed read for
        // the end of the directory and says nothing (/proc/1/map_files opens, then refuses).
        batch = { names: (err as ReadNamesError).namesRead, end: true };
        // ENOENT: the directory was removed after it was opened (a deleted current directory,
        // say). It has no entries left, which is what the walk records: nothing to say.
        if (!options.quietReadErrors && (err as SystemError).code !== 'ENOENT') visitor.error(task.path, err as SystemError);
      }
      const names = options.sorted ? sortedNames(batch.names) : batch.names;
      if (deep) fd = closedForDeepWalk(fd);
      // The rest left to other walks: the descriptor too, when the directory has more.
      const left = walkNames(fd, names, task, options, visitor, batch.end ? null : fd, first);
      handedOn = left && !batch.end;
      if (left || batch.end) return;
    }
  } finally {
    if (!handedOn && fd !== AT_FDCWD) closeDirectory(fd);
  }
}

function closedForDeepWalk(fd: number): number {
  closeDirectory(fd);
  return AT_FDCWD;
}

/**
 * Walks the entries `names` (joined, as readNames gives them) of the directory `task`,
 * relative to fd (AT_FDCWD: by path). `more`: the directory's descriptor when it has
 * names still unread; `first`: these are the first names walked (the first is never left).
 * True when the visitor took the rest.
 */
function walkNames(
  fd: number, names: string, task: DirectoryTask, options: WalkOptions, visitor: WalkVisitor, more: number | null, first = true,
): boolean {
  for (let at = 0; at < names.length; ) {
    if ((at > 0 || !first) && visitor.deferRest?.(task, names, at, more)) return true;
    let end = names.indexOf('\0', at);
    if (end < 0) end = names.length;
    const name = names.slice(at, end);
    at = end + 1;
    if (task.path.length + name.length + 1 >= FILENAME_MAX) {
      visitor.error(task.path, nameTooLong(task.path));
      continue;
    }
    const path = `${task.path}/${name}`;
    walkNode(fd === AT_FDCWD ? { dirfd: AT_FDCWD, name: path } : { dirfd: fd, name }, path, task.depth + 1, task.ancestors, task.rootDev, options, visitor);
  }
  return false;
}

/** Levels walked relative to their open directory; deeper ones by path. */
export const DEEP_WALK = 128;
/** The fewest such levels, whatever the descriptor limit. */
const MIN_DEEP_WALK = 4;
/** Descriptors left to Node itself (its event loop, pipes, workers' ports) and the output. */
const NODE_DESCRIPTORS = 32;
/** Threads that may walk at once: the main thread and up to 8 workers. */
const WALKING_THREADS = 9;
let deepWalk: number | undefined;
let handOn: number | undefined;

/**
 * Descriptor numbers below which a directory's unread rest may be handed on open (a quarter
 * of the limit): so at most that many are, whatever the tree.
 */
function handOnLimit(): number {
  handOn ??= Math.floor(openFileLimit() / 4);
  return handOn;
}

/**
 * DEEP_WALK, or fewer levels under a low descriptor limit (`ulimit -n 40`): each walking
 * thread holds one descriptor per level it has open, and running out cut the walk short
 * where getfacl's went on. Shared with the directories handed on (handOnLimit).
 */
function deepWalkLevels(): number {
  // Worked out once: openFileLimit() reads /proc (a third slower walk of /usr, asked per directory).
  deepWalk ??= Math.max(MIN_DEEP_WALK, Math.min(DEEP_WALK, Math.floor((openFileLimit() - NODE_DESCRIPTORS - handOnLimit()) / WALKING_THREADS)));
  return deepWalk;
}

function nameTooLong(path: string): SystemError {
  const err = new Error(`ENAMETOOLONG: name too long, '${path}'`) as SystemError;
  err.code = 'ENAMETOOLONG';
  err.errno = -ENAMETOOLONG;
  err.syscall = 'walk';
  return err;
}
