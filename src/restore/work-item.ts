// One recorded path as restore's workers see it: where it lands and what it should be, and
// the first, read-only look at it (missing, on a pseudo filesystem, already right, or work
// to do), which never opens the path. Runs on the main thread or on a restore worker.

// Imported, not the global: Node's global Buffer is a getter, which the optimized look
// called for every path (mayBeRefused's instanceof): 0.8% of the workers' time in a
// healthy restore of the /usr copy, gone with the binding.
import { Buffer } from 'node:buffer';
import { fileTypeOf, PERMISSION_BITS } from '../model/mode.js';
import { cName, lastStat, lastStatObject, listXattrsAt, NO_XATTRS, statInPlace, xattrNamesAt } from '../platform/dir-fd.js';
import { errno, lastErrno, type SystemError } from '../platform/libc.js';
import type { DirectoryCache } from './directory-cache.js';
import { linkKeyOf, type LinkWitness } from './linked-states.js';
import { stateOf } from './pinned-io.js';
import type { FileType } from '../model/entry.js';
import type { PathState, WantedState } from './path-state.js';
import { isReconciled, ownerAndModeReconciled } from './reconcile.js';
import { lastSlash, shownTarget, type TargetPath } from './target-path.js';

export interface WorkItem {
  target: TargetPath;
  /** The block has a default ACL (refused for what is not a directory). */
  wantsDefaultAcl: boolean;
  wanted: WantedState;
  /** The look saw the path (and reported what its type does not take). */
  probed: boolean;
}

export const enum Outcome {
  Missing = 0,
  Pseudo = 1,
  Correct = 2,
  /** Work, the path seen by the look. */
  WorkSeen = 3,
  /** Work, the path not seen (the root itself, a symlink, an error): the careful pass decides. */
  WorkUnseen = 4,
}

export interface LookResult {
  outcome: Outcome;
  /** Problems found by the look (a default ACL wanted on a non-directory, a capability on a non-file), each its own. */
  problems?: readonly string[];
}

export const DEFAULT_ACL_REFUSED = 'a default ACL for something that is not a directory: refused';
// setcap refuses it too, and the kernel heeds a capability only on a file it executes: the
// path's type has changed since the snapshot (a file swapped for a FIFO, say).
export const CAPABILITY_REFUSED = 'a capability for something that is not a regular file: refused';
const DEFAULT_ACL_REFUSED_LIST: readonly string[] = [DEFAULT_ACL_REFUSED];

/** Whether the block wants something only some types of file take (a default ACL, a capability). */
export function mayBeRefused(item: WorkItem): boolean {
  return item.wantsDefaultAcl || item.wanted.capability instanceof Buffer;
}

/** A path's problems, as a list of their own (no allocation when there is none: the look's hot path). */
const problemList = (some: readonly string[] | undefined, more: string | undefined): readonly string[] | undefined => (more === undefined ? some : some === undefined ? [more] : [...some, more]);

/**
 * What the block wants of a path of this type, and what it wants that the type does not
 * take, as a problem: a default ACL on what is not a directory, a capability on what is not
 * a regular file (those are left alone).
 */
export function fitToType(type: FileType, item: WorkItem): { wanted: WantedState; refused?: readonly string[] } {
  const acl = item.wantsDefaultAcl && type !== 'dir';
  const capability = item.wanted.capability instanceof Buffer && type !== 'file';
  if (!acl && !capability) return { wanted: item.wanted };
  const wanted = { ...item.wanted };
  if (acl) wanted.defaultAcl = undefined;
  if (capability) wanted.capability = undefined;
  return { wanted, refused: problemList(acl ? DEFAULT_ACL_REFUSED_LIST : undefined, capability ? CAPABILITY_REFUSED : undefined) };
}

/**
 * What two names of one file (never a directory) want, in a form that compares alike when
 * the outcome is alike: a default ACL refused (left alone) and none wanted (removed) are
 * the same on a file that cannot have one, and so, on what is not a regular file, is a
 * capability refused and none.
 */
function comparable(type: FileType, wanted: WantedState): WantedState {
  const capability = type === 'file' ? wanted.capability : (wanted.capability ?? null);
  return wanted.defaultAcl === undefined || capability !== wanted.capability ? { ...wanted, defaultAcl: wanted.defaultAcl ?? null, capability } : wanted;
}

const RESULTS: Record<Outcome, LookResult> = {
  [Outcome.Missing]: { outcome: Outcome.Missing },
  [Outcome.Pseudo]: { outcome: Outcome.Pseudo },
  [Outcome.Correct]: { outcome: Outcome.Correct },
  [Outcome.WorkSeen]: { outcome: Outcome.WorkSeen },
  [Outcome.WorkUnseen]: { outcome: Outcome.WorkUnseen },
};

/** An outcome and its problems, if any: for a path without one, the same object every time. */
const resultOf = (outcome: Outcome, problems: readonly string[] | undefined): LookResult => (problems === undefined ? RESULTS[outcome] : { outcome, problems });

/** What the look says of a path when a call failed: missing (ENOENT), else left to the careful pass. */
const failedLook = (missing: boolean): LookResult => RESULTS[missing ? Outcome.Missing : Outcome.WorkUnseen];

/**
 * statx of the final name relative to its parent directory, without following it; when
 * owner, group and mode already match, one listxattr and the xattrs present. Its answer
 * is only used to skip: a path it finds different is read again through its own pinned
 * descriptor (chunk-work.ts) before anything changes.
 * Most paths take no object here: the name made into bytes once for both calls, the stat
 * read in place, the answer a shared one. With the objects it made before (the stat, the
 * parent and name, the path to show, the pin, the state, the answer), restore's first pass
 * over a healthy /usr copy's 170k paths took 1.51 s on one thread, not 1.39 s. Its errors
 * are told apart by their code, never shown: they name the relative path.
 */
export function lookAtItem(item: WorkItem, directories: DirectoryCache, pseudo: ReadonlySet<number>, links?: LinkWitness): LookResult {
  const { target } = item;
  const { relative } = target;
  if (relative === '') return RESULTS[Outcome.WorkUnseen];
  const slash = lastSlash(relative);
  try {
    const dirfd = directories.directoryIfPresent(target.root, slash < 0 ? '' : relative.slice(0, slash), relative);
    if (dirfd === null) return RESULTS[Outcome.Missing];
    const name = cName(relative, slash + 1);
    if (!statInPlace(dirfd, name)) return failedLook(lastErrno() === errno.ENOENT);
    const type = fileTypeOf(lastStat.mode);
    // Before the type: a symlink on /proc (/proc/self) is skipped with the rest of /proc.
    if (pseudo.size !== 0 && pseudo.has(lastStat.dev)) return RESULTS[Outcome.Pseudo];
    // A symlink goes the careful way, to be refused and reported there; so does what a
    // trailing "/" says is a directory and is not.
    if (type === 'symlink' || (target.directory === true && type !== 'dir')) return RESULTS[Outcome.WorkUnseen];
    let { wanted } = item;
    let refused: readonly string[] | undefined;
    if (mayBeRefused(item)) ({ wanted, refused } = fitToType(type, item));
    const linkKey = links === undefined ? null : linkKeyOf(lastStat, type);
    const problems = problemList(refused, linkKey === null ? undefined : links?.check(linkKey, comparable(type, wanted), shownTarget(target)));
    const state: PathState = { type, mode: lastStat.mode & PERMISSION_BITS, uid: lastStat.uid, gid: lastStat.gid, acl: null, defaultAcl: null, capability: null };
    // A damaged path usually shows in the stat alone: no need to read its xattrs here.
    if (!ownerAndModeReconciled(state, wanted)) return resultOf(Outcome.WorkSeen, problems);
    // Through the open directory, never by the recorded path (see safe-ops.ts procPath).
    const present = xattrNamesAt(dirfd, name) ?? listXattrsAt(dirfd, relative.slice(slash + 1), relative, false, null);
    const found = present === NO_XATTRS ? state : stateOf(lastStatObject(), type, false, present, { fd: dirfd, name: relative.slice(slash + 1) }, relative);
    return resultOf(isReconciled(found, wanted) ? Outcome.Correct : Outcome.WorkSeen, problems);
  } catch (err) {
    return failedLook((err as SystemError).code === 'ENOENT');
  }
}
