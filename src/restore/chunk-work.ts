// The careful pass over one chunk of paths, in restore order: each path resolved beneath its
// root without following symlinks and pinned (an O_PATH descriptor), its state read again
// through the pin and its steps planned; then, once the caller has journalled the chunk's
// pre-restore state, the steps applied through the pins. Runs on the main thread or on a
// restore worker; what it returns is plain data that crosses threads.

import type { Entry } from '../model/entry.js';
import { decodeCapability, formatCapability } from '../model/capability.js';
import type { SystemError } from '../platform/libc.js';
import { canChmodByName, IS_SYMLINK_NOW, openBeneath, openInDirectory } from '../platform/safe-ops.js';
import { splitParent, type DirectoryCache } from './directory-cache.js';
import { namedHandle, pinnedHandle, type FdState, type PathHandle } from './fd-io.js';
import type { WantedState } from './path-state.js';
import { reconcile, type Change, type Field } from './reconcile.js';
import { simulatedIo } from './simulated-io.js';
import { shownTarget } from './target-path.js';
import { printJournalBlocks, type JournalBlocks } from './undo-journal.js';
import { applicableTo, DEFAULT_ACL_REFUSED, type WorkItem } from './work-item.js';

export interface ChunkSettings {
  /** --root, as given (journal paths are relative to it); undefined: paths as recorded. */
  root: string | undefined;
  pseudo: ReadonlySet<number>;
  /** Return each path's planned changes (a dry run shows them). */
  wantPlans: boolean;
}

/** A path and a message, in the order found. */
export type Problem = [shown: string, message: string];

export interface Counts {
  changed: number;
  byField: Record<Field, number>;
}

export interface ChunkPlan {
  /** The pre-restore state of each path that will change, printed for the undo journal. */
  journal: JournalBlocks;
  /** Each changing path's steps, when ChunkSettings.wantPlans. */
  plans: [shown: string, changes: Change[]][];
  /** What the steps would change (what a dry run reports). */
  preview: Counts;
  existing: number;
  missing: number;
  pseudo: number;
  alreadyCorrect: number;
  problems: Problem[];
}

/** A path planned, still pinned (or its directory held), waiting for its chunk to be journalled. */
export interface Pinned {
  handle: PathHandle;
  shown: string;
  state: FdState;
  wanted: WantedState;
}

export function emptyCounts(): Counts {
  return { changed: 0, byField: { owner: 0, group: 0, mode: 0, acl: 0, 'default-acl': 0, capability: 0 } };
}

export function addChanges(counts: Counts, fields: readonly { field: Field }[]): void {
  if (fields.length > 0) counts.changed++;
  for (const c of fields) counts.byField[c.field]++;
}

/** What planning a chunk counts and finds, the journal aside. */
type Tally = Omit<ChunkPlan, 'journal'>;

/** Plans a chunk; the pins it returns must be applied or released (closeAll). */
export function planChunk(items: readonly WorkItem[], directories: DirectoryCache, settings: ChunkSettings): { plan: ChunkPlan; pinned: Pinned[] } {
  const journal: Entry[] = [];
  const tally: Tally = { plans: [], preview: emptyCounts(), existing: 0, missing: 0, pseudo: 0, alreadyCorrect: 0, problems: [] };
  const pinned: Pinned[] = [];
  try {
    for (const item of items) {
      const p = planItem(item, directories, settings, tally);
      if (p === null) continue;
      pinned.push(p.pinned);
      journal.push(journalEntry(item, p.pinned, settings.root));
      addChanges(tally.preview, p.changes);
      if (settings.wantPlans) tally.plans.push([p.pinned.shown, p.changes]);
    }
  } catch (err) {
    closeAll(pinned);
    throw err;
  }
  return { plan: { ...tally, journal: printJournalBlocks(journal) }, pinned };
}

type Planned = { pinned: Pinned; changes: Change[] } | null;

function planItem(item: WorkItem, directories: DirectoryCache, settings: ChunkSettings, tally: Tally): Planned {
  const shown = shownTarget(item.target);
  const problem = (message: string): null => (tally.problems.push([shown, message]), null);
  const { parent, name } = splitParent(item.target.relative);
  // A mode change, the usual repair, is made by name in the held parent directory: no
  // descriptor of its own to open and close (a third of a damaged path's cost). Anything
  // else, or a kernel without fchmodat2, goes through a pin.
  if (item.target.relative !== '' && canChmodByName()) {
    let dirfd: number;
    try {
      dirfd = directories.hold(item.target.root, parent, shown);
    } catch (err) {
      return unreachable(err as SystemError, tally, problem);
    }
    const handle = namedHandle(dirfd, name, () => directories.release(dirfd));
    const planned = planReached(handle, shown, item, settings, tally, problem, (changes) => changes.every((c) => c.field === 'mode'));
    if (planned !== PIN) return planned;
  }
  let handle: PathHandle;
  try {
    if (item.target.relative === '') {
      handle = pinnedHandle(openBeneath(directories.root(item.target.root), '', shown), null);
    } else {
      const dirfd = directories.directory(item.target.root, parent, shown);
      handle = pinnedHandle(openInDirectory(dirfd, name, shown), { dirfd, name });
    }
  } catch (err) {
    return unreachable(err as SystemError, tally, problem);
  }
  return planReached(handle, shown, item, settings, tally, problem, null) as Planned;
}

/** A path that could not be reached: missing, or a problem. */
function unreachable(err: SystemError, tally: Tally, problem: (message: string) => null): null {
  const code = err.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return tally.missing++, null;
  if (code === 'ELOOP') return problem('a symlink in the path: refused (never followed)');
  if (code === 'EXDEV') return problem('the path leaves the root: refused');
  return problem(err.message);
}

/** planReached()'s answer when the changes need a pin: the handle is let go, nothing counted. */
const PIN = Symbol('pin');

/**
 * Reads the path through its handle and plans it. When `canMake` (null for a pin, which can
 * make every change) refuses the changes, the handle is closed and PIN returned, with
 * nothing counted or reported.
 */
function planReached(
  handle: PathHandle, shown: string, item: WorkItem, settings: ChunkSettings, tally: Tally, problem: (message: string) => null,
  canMake: ((changes: Change[]) => boolean) | null,
): Planned | typeof PIN {
  const planned = planRead(handle, shown, item, settings, tally, problem, canMake);
  if (planned === null || planned === PIN) handle.close();
  return planned;
}

function planRead(
  handle: PathHandle, shown: string, item: WorkItem, settings: ChunkSettings, tally: Tally, problem: (message: string) => null,
  canMake: ((changes: Change[]) => boolean) | null,
): Planned | typeof PIN {
  let state: FdState;
  try {
    state = handle.read(shown);
  } catch (err) {
    // A pinned path exists; one read by name may have gone meanwhile.
    if (canMake !== null) return unreachable(err as SystemError, tally, problem);
    return tally.existing++, problem((err as Error).message);
  }
  if (state.type === 'symlink') return tally.existing++, problem(IS_SYMLINK_NOW);
  if (settings.pseudo.has(state.dev)) return tally.existing++, tally.pseudo++, null;
  const wanted = applicableTo(state.type, item);
  const changes = reconcile(simulatedIo(state), wanted);
  if (canMake !== null && changes.length > 0 && !state.unchangeable && !canMake(changes)) return PIN;
  tally.existing++;
  // The first look reported a default ACL wanted on a non-directory if it saw the path.
  if (item.wantsDefaultAcl && state.type !== 'dir' && !item.probed) problem(DEFAULT_ACL_REFUSED);
  if (changes.length === 0) return tally.alreadyCorrect++, null;
  if (state.unchangeable) return problem('immutable or append-only (chattr): not changed');
  return { pinned: { handle, shown, state, wanted }, changes };
}

/** Applies planned paths through their handles (closing each); per-path failures are problems. */
export function applyPinned(pinned: readonly Pinned[]): { counts: Counts; problems: Problem[] } {
  const counts = emptyCounts();
  const problems: Problem[] = [];
  for (const p of pinned) {
    try {
      addChanges(counts, reconcile(p.handle.io(p.shown, p.state), p.wanted));
    } catch (err) {
      problems.push([p.shown, (err as Error).message]);
    } finally {
      p.handle.close();
    }
  }
  return { counts, problems };
}

export function closeAll(pinned: readonly Pinned[]): void {
  for (const p of pinned) p.handle.close();
}

/** The pre-restore state, as the journal records it (paths relative to --root, else absolute: as shown). */
function journalEntry(item: WorkItem, { state, shown }: Pinned, root: string | undefined): Entry {
  const recorded = root !== undefined ? item.target.relative || '.' : shown;
  const entry: Entry = { path: recorded, type: state.type, mode: state.mode, uid: state.uid, gid: state.gid };
  if (state.acl) entry.acl = state.acl;
  if (state.defaultAcl) entry.defaultAcl = state.defaultAcl;
  if (state.capability) entry.capability = formatCapability(decodeCapability(state.capability));
  return entry;
}
