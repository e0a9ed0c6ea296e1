// `permsnap restore` as a library function: reads and validates the whole snapshot, resolves
// every path beneath its root without following symlinks, plans each path's steps against
// its current state, journals the pre-restore state of a batch (fsynced) before changing it,
// then applies. Missing paths are skipped and counted; per-path problems are collected and
// the run goes on.

import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ParsedEntry } from '../format/getfacl-parser.js';
import { compileGlobs, matchesOrBeneath } from '../glob/path-matcher.js';
import type { Entry } from '../model/entry.js';
import { formatCapability, decodeCapability } from '../model/capability.js';
import { closeDescriptor, openBeneath, openInDirectory } from '../platform/safe-ops.js';
import { pseudoFilesystemDevices } from '../platform/mounts.js';
import type { SystemError } from '../platform/libc.js';
import { DirectoryCache, splitParent } from './directory-cache.js';
import { fdIo, readFdState, type FdState, type PathAt } from './fd-io.js';
import type { IdResolver } from './id-resolver.js';
import { isReconciled, reconcile, type Change, type Field } from './reconcile.js';
import { sortForRestore } from './restore-order.js';
import { simulatedIo } from './simulated-io.js';
import { probeState } from './state-probe.js';
import type { WantedState } from './path-state.js';
import { resolveTarget, shownTarget, type TargetPath } from './target-path.js';
import type { UndoJournal } from './undo-journal.js';
import { wantedState } from './wanted-state.js';

export interface RestoreOptions {
  root?: string;
  cwd?: string;
  dryRun?: boolean;
  exclude?: string[];
  only?: string[];
  ignore?: Field[];
  ids: IdResolver;
  /**
   * The snapshot says which files have no capability (permsnap's markers are present). A
   * function when the snapshot streams: its first block tells.
   */
  capabilitiesKnown: boolean | (() => boolean);
  journal: UndoJournal | null;
  /** Checked between paths: true stops the run after the paths in flight. */
  shouldStop?: () => boolean;
  /** Paths looked at (first pass), then paths changed (second pass), with the latest one. */
  onProgress?: (count: number, shownPath: string) => void;
  /** The whole snapshot has parsed: the changes begin. */
  onValidated?: (paths: number) => void;
  onPlan?: (shownPath: string, changes: Change[]) => void;
  onProblem?: (shownPath: string, message: string) => void;
}

export interface RestoreSummary {
  changed: number;
  byField: Record<Field, number>;
  alreadyCorrect: number;
  missing: number;
  pseudo: number;
  problems: number;
  /** Blocks for a path seen before (the last block for a path wins). */
  repeated: number;
  /** Paths of the snapshot considered (repeated paths once, excluded ones not). */
  paths: number;
  /** Paths of the snapshot that exist beneath the root. */
  existing: number;
  stopped: boolean;
  /** A fatal error that ended the run after changes began (the journal has what was done). */
  fatal?: string;
}

/** What the second pass needs of a snapshot block (the parsed entry itself is let go). */
interface Item {
  target: TargetPath;
  /** The block has a default ACL (refused for what is not a directory). */
  wantsDefaultAcl: boolean;
  wanted: WantedState;
  /** The probe saw the path (and reported a default ACL wanted on a non-directory). */
  probed: boolean;
}

/** What the first, read-only pass found for one recorded path (the last block for it wins). */
interface Look {
  outcome: 'excluded' | 'refused' | 'missing' | 'correct' | 'pseudo' | 'work';
  /** Per-path problems, reported once the whole snapshot has proved valid. */
  problems: string[];
  shown: string;
  item?: Item;
}

// Paths planned, journalled (one fsync) and applied together: the fsync dominates small
// batches; each path of a batch holds a descriptor until it is applied.
const BATCH = 2048;
// Entries looked at between two turns of the event loop (signals, progress).
const LOOK_SLICE = 4096;
const NO_PROBLEMS: string[] = [];

/**
 * Two passes. The first reads the snapshot as it streams (nothing is changed before the
 * whole file has parsed) and looks at each path without opening it: missing, already
 * right, or work to do; only the work is kept. The second opens, journals and changes the
 * paths that need it, in restore order.
 */
export async function restore(entries: AsyncIterable<ParsedEntry> | Iterable<ParsedEntry>, options: RestoreOptions): Promise<RestoreSummary> {
  const summary: RestoreSummary = {
    changed: 0, alreadyCorrect: 0, missing: 0, pseudo: 0, problems: 0, repeated: 0, paths: 0, existing: 0, stopped: false,
    byField: { owner: 0, group: 0, mode: 0, acl: 0, 'default-acl': 0, capability: 0 },
  };
  const problem = (shown: string, message: string): void => {
    summary.problems++;
    options.onProblem?.(shown, message);
  };
  const pseudo = pseudoFilesystemDevices();
  const directories = new DirectoryCache();
  try {
    const { looks, repeated } = await lookAtAll(entries, options, directories, pseudo);
    summary.repeated = repeated;
    for (const look of looks.values()) if (look.outcome !== 'excluded') summary.paths++;
    options.onValidated?.(summary.paths);
    const work: Item[] = [];
    for (const look of looks.values()) {
      for (const p of look.problems) problem(look.shown, p);
      if (look.outcome === 'missing') summary.missing++;
      else if (look.outcome === 'pseudo') summary.pseudo++;
      else if (look.outcome === 'correct') {
        summary.existing++;
        summary.alreadyCorrect++;
      }
      else if (look.outcome === 'work') work.push(look.item as Item);
    }
    const items = sortForRestore(work);
    let pending: Planned[] = [];
    try {
      for (let i = 0; i < items.length && !summary.stopped; i += BATCH) {
        pending = items.slice(i, i + BATCH).flatMap((item) => planItem(item, options, directories, pseudo, summary, problem));
        if (!options.dryRun) {
          options.journal?.append(pending.map((p) => journalEntry(p, options.root)));
          for (const p of pending) applyItem(p, summary, problem);
          options.onProgress?.(summary.changed, pending.at(-1)?.shown ?? '');
        } else {
          for (const p of pending) {
            countChanges(summary, p.changes);
            closeDescriptor(p.fd);
          }
        }
        pending = [];
        // Let signals and progress through between batches: a stop request ends the run here.
        await nextTurn();
        summary.stopped = options.shouldStop?.() ?? false;
      }
      options.journal?.complete();
    } catch (err) {
      // Before any change a fatal error is just that (exit 2); after, the run stops with
      // what it did journalled (a full disk under the journal, say), and says so (exit 1).
      for (const p of pending) closeDescriptor(p.fd);
      if (!options.journal?.started && summary.changed === 0) throw err;
      summary.fatal = (err as Error).message;
    }
  } finally {
    directories.close();
  }
  return summary;
}

/** The first pass: every block, in file order; a repeated path takes its last block. */
async function lookAtAll(
  entries: AsyncIterable<ParsedEntry> | Iterable<ParsedEntry>, options: RestoreOptions, directories: DirectoryCache, pseudo: Set<number>,
): Promise<{ looks: Map<string, Look>; repeated: number }> {
  const excluded = compileGlobs(options.exclude ?? []);
  const only = compileGlobs(options.only ?? []);
  const ignore = new Set(options.ignore ?? []);
  const capabilitiesKnown = typeof options.capabilitiesKnown === 'function' ? options.capabilitiesKnown : () => options.capabilitiesKnown as boolean;
  const cwd = options.cwd ?? process.cwd();
  const looks = new Map<string, Look>();
  let repeated = 0;
  let sinceTurn = 0;
  for await (const { entry } of entries) {
    const path = entry.path;
    if (looks.has(path)) repeated++;
    if ((excluded && matchesOrBeneath(path, excluded)) || (only && !matchesOrBeneath(path, only))) {
      looks.set(path, { outcome: 'excluded', problems: NO_PROBLEMS, shown: path });
      continue;
    }
    const resolved = resolveTarget(path, options.root, cwd);
    if (!resolved.ok) {
      looks.set(path, { outcome: 'refused', problems: [resolved.problem], shown: path });
      continue;
    }
    const { wanted, problems } = wantedState(entry, { ids: options.ids, ignore, capabilitiesKnown: capabilitiesKnown() });
    const item: Item = { target: resolved.target, wantsDefaultAcl: entry.defaultAcl !== undefined, wanted, probed: false };
    const look = lookAt(item, problems, directories, pseudo);
    looks.set(path, look);
    options.onProgress?.(looks.size, look.shown);
    if (++sinceTurn === LOOK_SLICE) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  return { looks, repeated };
}

/** Missing, already right or work, seen without opening the path (state-probe.ts). */
function lookAt(item: Item, problems: string[], directories: DirectoryCache, pseudo: Set<number>): Look {
  const shown = shownTarget(item.target);
  const look = probeState(directories, item.target);
  if (look.kind === 'missing') return { outcome: 'missing', problems, shown };
  if (look.kind === 'state') {
    if (pseudo.has(look.state.dev)) return { outcome: 'pseudo', problems, shown };
    item.probed = true;
    const report = (_: string, message: string): number => problems.push(message);
    if (isReconciled(look.state, applicable(look.state, item, shown, report))) return { outcome: 'correct', problems, shown };
  }
  return { outcome: 'work', problems, shown, item };
}

interface Planned {
  fd: number;
  shown: string;
  item: Item;
  state: FdState;
  wanted: WantedState;
  changes: Change[];
}

/** The second pass, for one path: resolved without following symlinks, pinned, its state read again. */
function planItem(
  item: Item, options: RestoreOptions, directories: DirectoryCache, pseudo: Set<number>, summary: RestoreSummary, problem: (p: string, m: string) => void,
): Planned[] {
  const shown = shownTarget(item.target);
  const { parent, name } = splitParent(item.target.relative);
  let fd: number;
  let dirfd: number | null = null;
  try {
    if (item.target.relative === '') {
      fd = openBeneath(directories.root(item.target.root), '', shown);
    } else {
      dirfd = directories.directory(item.target.root, parent, shown);
      fd = openInDirectory(dirfd, name, shown);
    }
  } catch (err) {
    const code = (err as SystemError).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') summary.missing++;
    else if (code === 'ELOOP') problem(shown, 'a symlink in the path: refused (never followed)');
    else if (code === 'EXDEV') problem(shown, 'the path leaves the root: refused');
    else problem(shown, (err as Error).message);
    return [];
  }
  summary.existing++;
  const keep = planOpened(fd, dirfd === null ? null : { dirfd, name }, shown, item, options, pseudo, summary, problem);
  if (!keep) closeDescriptor(fd);
  return keep ? [keep] : [];
}

/** What can be wanted of this path: a default ACL wanted on a non-directory is refused (reported through `problem`). */
function applicable(state: FdState, item: Item, shown: string, problem: ((p: string, m: string) => void) | null): WantedState {
  if (!item.wantsDefaultAcl || state.type === 'dir') return item.wanted;
  problem?.(shown, 'a default ACL for something that is not a directory: refused');
  return { ...item.wanted, defaultAcl: undefined };
}

function planOpened(
  fd: number, at: PathAt | null, shown: string, item: Item, options: RestoreOptions, pseudo: Set<number>,
  summary: RestoreSummary, problem: (p: string, m: string) => void,
): Planned | null {
  let state: FdState;
  try {
    state = readFdState(fd, shown, at);
  } catch (err) {
    problem(shown, (err as Error).message);
    return null;
  }
  if (state.type === 'symlink') return problem(shown, 'is a symlink here: refused (symlinks are never changed)'), null;
  if (pseudo.has(state.dev)) return summary.pseudo++, null;
  // A default ACL on a non-directory was reported in the first pass if the probe saw the path.
  const wanted = applicable(state, item, shown, item.probed ? null : problem);
  const changes = reconcile(simulatedIo(state), wanted);
  if (changes.length === 0) return summary.alreadyCorrect++, null;
  if (state.unchangeable) return problem(shown, 'immutable or append-only (chattr): not changed'), null;
  options.onPlan?.(shown, changes);
  return { fd, shown, item, state, wanted, changes };
}

function applyItem(p: Planned, summary: RestoreSummary, problem: (p: string, m: string) => void): void {
  try {
    countChanges(summary, reconcile(fdIo(p.fd, p.shown, p.state), p.wanted));
  } catch (err) {
    problem(p.shown, (err as Error).message);
  } finally {
    closeDescriptor(p.fd);
  }
}

function countChanges(summary: RestoreSummary, changes: readonly Change[]): void {
  if (changes.length > 0) summary.changed++;
  for (const c of changes) summary.byField[c.field]++;
}

/** The pre-restore state, as the journal records it (paths relative to --root, else absolute). */
function journalEntry(p: Planned, root: string | undefined): Entry {
  const { state } = p;
  const target = p.item.target;
  const recorded = root !== undefined ? target.relative || '.' : path.join(target.root, target.relative);
  const entry: Entry = { path: recorded, type: state.type, mode: state.mode, uid: state.uid, gid: state.gid };
  if (state.acl) entry.acl = state.acl;
  if (state.defaultAcl) entry.defaultAcl = state.defaultAcl;
  if (state.capability) entry.capability = formatCapability(decodeCapability(state.capability));
  return entry;
}
