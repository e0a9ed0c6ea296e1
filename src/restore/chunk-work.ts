// The careful pass over one chunk of paths, in restore order: each path resolved beneath its
// root without following symlinks and pinned (an O_PATH descriptor), its state read again
// through the pin and its steps planned; then, once the caller has journalled the chunk's
// pre-restore state, the steps applied through the pins. Runs on the main thread or on a
// restore worker; what it returns is plain data that crosses threads.

import { problemReason } from '../errors.js';
import type { Entry } from '../model/entry.js';
import { decodeCapability, formatCapability } from '../model/capability.js';
import type { SystemError } from '../platform/libc.js';
import { chmodFd, openBeneath, openInDirectory, type Pin } from '../platform/safe-ops.js';
import { ChunkDescriptors } from './chunk-descriptors.js';
import { splitParent, type DirectoryCache } from './directory-cache.js';
import { linkConflict, linkKeyOf, type LinkedStates } from './linked-states.js';
import { pinnedIo, readPinnedState, soleChmod, type PinnedState } from './pinned-io.js';
import { isUnreadableCapability, type WantedState } from './path-state.js';
import { reconcile, specialBitsNotPutBack, StepsFailed, type Change } from './reconcile.js';
import { simulatedIo } from './simulated-io.js';
import { shownTarget } from './target-path.js';
import { printJournalBlocks, type JournalBlocks } from './undo-journal.js';
import { fitToType, type WorkItem } from './work-item.js';
import type { PermissionField } from '../model/field.js';

export interface ChunkSettings {
  /** --root, as given (journal paths are relative to it); undefined: paths as recorded. */
  root: string | undefined;
  pseudo: ReadonlySet<number>;
  /** Return each path's planned changes (a dry run shows them). */
  wantPlans: boolean;
  /**
   * The pre-restore state is journalled: printed for each chunk, else not (--no-undo, a dry
   * run). Printing it was 100 ms of each worker's time in a damaged restore of the /usr copy.
   */
  journalled: boolean;
}

/**
 * A file the restore keeps its undo journal in or under (UndoJournal.ownFiles): never
 * changed, whatever a snapshot records for its path. Changed mid-run to another owner or
 * mode, the journal was refused by the undo command the run printed, and its writer could
 * have changed it meanwhile.
 */
export interface SparedFile {
  dev: number;
  ino: number;
  /** What it is, for the problem said of its path. */
  what: string;
}

/** A path and a message, in the order found. */
export type Problem = [shown: string, message: string];

export interface Counts {
  changed: number;
  byField: Record<PermissionField, number>;
  /** Applying: paths read again (hard links) that needed no step by then. */
  alreadyCorrect: number;
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

/** A path planned, still pinned, waiting for its chunk to be journalled. */
export interface Pinned {
  /** The file's own O_PATH descriptor. */
  fd: number;
  shown: string;
  /** As read when planned: the pre-restore state the journal keeps. */
  state: PinnedState;
  wanted: WantedState;
  /**
   * An inode with more than one name (its linkKeyOf), else null: read again before applying,
   * since another name's steps may have changed it since (on this thread, or on another that
   * planned it apart), and journalled once (journal-links.ts).
   */
  linkKey: string | null;
  /** The steps planned from `state`. */
  plan: Change[];
}

export function emptyCounts(): Counts {
  return { changed: 0, byField: { owner: 0, group: 0, mode: 0, acl: 0, 'default-acl': 0, capability: 0 }, alreadyCorrect: 0 };
}

export function addChanges(counts: Counts, fields: readonly { field: PermissionField }[]): void {
  if (fields.length > 0) counts.changed++;
  for (const c of fields) counts.byField[c.field]++;
}

/** What planning a chunk counts and finds, the journal aside. */
type Tally = Omit<ChunkPlan, 'journal'>;

/** A chunk's planned paths, and the descriptors their pins hold until it is applied or let go. */
export interface PinnedChunk {
  paths: Pinned[];
  descriptors: ChunkDescriptors;
}

/** Plans a chunk, its journal text printed into `journalRoom`; the pins it returns must be applied or let go (closeAll). */
export function planChunk(
  items: readonly WorkItem[], directories: DirectoryCache, settings: ChunkSettings, linked: LinkedStates, journalRoom: (size: number) => Buffer,
): { plan: ChunkPlan; pinned: PinnedChunk } {
  const journal: Entry[] = [];
  // Files with more than one name: their blocks go first (printJournalBlocks says why).
  const linkedJournal: Entry[] = [];
  const linkKeys: string[] = [];
  const tally: Tally = { plans: [], preview: emptyCounts(), existing: 0, missing: 0, pseudo: 0, alreadyCorrect: 0, problems: [] };
  const pinned: PinnedChunk = { paths: [], descriptors: new ChunkDescriptors() };
  try {
    for (const item of items) {
      const p = planItem(item, directories, pinned.descriptors, settings, tally, linked);
      if (p === null) continue;
      pinned.paths.push(p);
      if (settings.journalled) {
        const entry = journalEntry(item, p, settings.root);
        if (p.linkKey === null) journal.push(entry);
        else {
          linkedJournal.push(entry);
          linkKeys.push(p.linkKey);
        }
      }
      addChanges(tally.preview, p.plan);
      if (settings.wantPlans) tally.plans.push([p.shown, p.plan]);
    }
  } catch (err) {
    linked.forget(pinned.paths);
    closeAll(pinned);
    throw err;
  }
  return { plan: { ...tally, journal: printJournalBlocks(linkedJournal.length === 0 ? journal : [...linkedJournal, ...journal], journalRoom, linkKeys) }, pinned };
}

type Planned = Pinned | null;

/**
 * Plans one path: pins the file itself (an O_PATH descriptor, held by the chunk until it is
 * applied), so that every step acts on the inode that was read and journalled, whatever is
 * renamed over its name meanwhile.
 */
function planItem(
  item: WorkItem, cache: DirectoryCache, held: ChunkDescriptors, settings: ChunkSettings, tally: Tally, linked: LinkedStates,
): Planned {
  const shown = shownTarget(item.target);
  const { root, relative } = item.target;
  let fd: number;
  let state: PinnedState;
  try {
    if (relative === '') {
      fd = held.hold(openBeneath(cache.root(root), '', shown));
      state = readPinnedState({ fd, name: '' }, shown);
    } else {
      const { parent, name } = splitParent(relative);
      const directory: Pin = { fd: cache.directory(root, parent, shown), name };
      fd = held.hold(openInDirectory(directory.fd, name, shown));
      // The xattr names by the name in the open directory: no /proc lookup (the values, rarely needed, through the pin).
      state = readPinnedState({ fd, name: '' }, shown, directory);
    }
  } catch (err) {
    const code = (err as SystemError).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return tally.missing++, null;
    if (code === 'ELOOP') return said(tally, shown, 'a symlink in the path: refused (never followed)');
    if (code === 'EXDEV') return said(tally, shown, 'the path leaves the root: refused');
    return said(tally, shown, problemReason(err));
  }
  tally.existing++;
  // Before the type: a symlink on /proc (/proc/self) is skipped with the rest of /proc.
  if (settings.pseudo.has(state.dev)) return tally.pseudo++, null;
  if (state.type === 'symlink') return said(tally, shown, 'is a symlink here: refused (symlinks are never changed)');
  if (item.target.directory === true && state.type !== 'dir') return said(tally, shown, 'not a directory, though the snapshot names it with a trailing "/": refused, as the kernel refuses that name');
  // The first look reported what this type does not take if it saw the path.
  const { wanted, refused } = fitToType(state.type, item);
  if (refused !== undefined && !item.probed) for (const r of refused) said(tally, shown, r);
  const linkKey = linkKeyOf(state, state.type);
  const earlier = linkKey === null ? undefined : linked.get(linkKey);
  const io = simulatedIo(earlier?.state ?? state);
  const notPutBack = specialBitsNotPutBack(io.state, wanted);
  const changes = reconcile(io, wanted);
  if (changes.length === 0) return tally.alreadyCorrect++, null;
  if (notPutBack !== undefined) said(tally, shown, notPutBack);
  // From the state an earlier name's steps leave, this one's block wants another.
  if (earlier !== undefined && earlier.shown !== shown) tally.problems.push([shown, linkConflict(earlier.shown)]);
  if (state.unchangeable) return said(tally, shown, 'immutable or append-only (chattr): not changed');
  if (linkKey !== null) linked.set(linkKey, io.state, shown);
  return { fd, shown, state, wanted, linkKey, plan: changes };
}

/** Adds the path's problem to the tally; null, as planItem answers for a path it skips. */
function said(tally: Tally, shown: string, message: string): null {
  tally.problems.push([shown, message]);
  return null;
}

/** Applies a planned chunk through its pins (the `spared` files left alone), then lets them go; per-path failures are problems. */
export function applyPinned(chunk: PinnedChunk, linked: LinkedStates, spared: readonly SparedFile[] = []): { counts: Counts; problems: Problem[] } {
  const counts = emptyCounts();
  const problems: Problem[] = [];
  try {
    for (const p of chunk.paths) {
      // Known only now: the journal is made as the first chunk is journalled, after the
      // first chunks were planned.
      const own = sparedAs(spared, p.state);
      if (own !== undefined) {
        problems.push([p.shown, `${own.what} of this restore: left alone`]);
        continue;
      }
      // The steps taken, also those taken before one that failed: they count as changes.
      const taken: Change[] = [];
      try {
        const mode = p.linkKey !== null ? undefined : soleChmod(p.plan);
        if (mode !== undefined) {
          chmodFd(p.fd, mode, p.shown);
          taken.push(...p.plan);
        } else {
          const state = p.linkKey !== null ? readPinnedState({ fd: p.fd, name: '' }, p.shown) : p.state;
          reconcile(pinnedIo(p.fd, p.shown, state), p.wanted, taken);
          // Another name of it was restored first: as --jobs 1 counts this name, already correct.
          if (taken.length === 0) counts.alreadyCorrect++;
        }
      } catch (err) {
        linked.forget([p]);
        if (err instanceof StepsFailed) for (const f of err.failures) problems.push([p.shown, f]);
        else problems.push([p.shown, problemReason(err)]);
      }
      addChanges(counts, taken);
    }
  } finally {
    closeAll(chunk);
  }
  return { counts, problems };
}

/** The spared file that `st` is, if any (a loop, not a closure made for every path applied). */
function sparedAs(spared: readonly SparedFile[], st: { dev: number; ino: number }): SparedFile | undefined {
  for (const f of spared) if (f.ino === st.ino && f.dev === st.dev) return f;
  return undefined;
}

export function closeAll(chunk: PinnedChunk): void {
  chunk.descriptors.closeAll();
}

/** The pre-restore state, as the journal records it (paths relative to --root, else absolute: as shown). */
function journalEntry(item: WorkItem, { state, shown }: Pinned, root: string | undefined): Entry {
  const recorded = root !== undefined ? item.target.relative || '.' : shown;
  const entry: Entry = { path: recorded, type: state.type, mode: state.mode, uid: state.uid, gid: state.gid };
  if (state.acl) entry.acl = state.acl;
  if (state.defaultAcl) entry.defaultAcl = state.defaultAcl;
  // One that could not be read cannot be given back: the journal has none.
  if (state.capability && !isUnreadableCapability(state.capability)) entry.capability = formatCapability(decodeCapability(state.capability));
  return entry;
}
