// `permsnap restore` as a library function: reads and validates the whole snapshot, resolves
// every path beneath its root without following symlinks, plans each path's steps against
// its current state, journals the pre-restore state of a batch (fsynced) before changing it,
// then applies. Missing paths are skipped and counted; per-path problems are collected and
// the run goes on.

import { PermsnapError, systemReason } from '../errors.js';
import { pseudoFilesystemDevices } from '../platform/mounts.js';
import { syscallSupport } from '../platform/safe-ops.js';
import { changeAll } from './change-all.js';
import { emptyCounts } from './chunk-work.js';
import type { IdResolver } from './id-resolver.js';
import type { Change } from './reconcile.js';
import { LINK_CONFLICT_START } from './linked-states.js';
import { InlineExecutor, type RestoreExecutor } from './restore-executor.js';
import { restoreOrder } from './restore-order.js';
import { isSnapshotFile, readSnapshotBatches, wholeSnapshotText, type SnapshotFile, type SnapshotText } from '../format/read-snapshot.js';
import { checkedEntries } from './entry-checks.js';
import { lookAtAll, type RestoreEntries } from './look-all.js';
import { lookInPieces } from './look-pieces.js';
import { nothingBeneath, type FirstPassResult, type LookRules, type LookTally } from './look.js';
import { WorkList } from './work-list.js';
import type { UndoJournal } from './undo-journal.js';
import { WorkerExecutor } from './worker-executor.js';
import { workersCanStart } from '../threads/default-jobs.js';
import { openFileLimit } from '../platform/open-files.js';
import { minimumLimit, restoreJobs } from './descriptor-budget.js';
import { checkBooleans, checkByteString, checkChoices, checkGlobs, checkJobsOption, checkOptionsObject, checkPath } from '../library-options.js';
import { PERMISSION_FIELDS, type PermissionField } from '../model/field.js';

export interface RestoreOptions {
  root?: string;
  cwd?: string;
  dryRun?: boolean;
  exclude?: readonly string[];
  only?: readonly string[];
  ignore?: readonly PermissionField[];
  ids: IdResolver;
  /**
   * For entries: the snapshot says which files have no capability (permsnap's markers are
   * present); a function when the snapshot streams (its first block tells). Default false.
   * A SnapshotText says it itself.
   */
  capabilitiesKnown?: boolean | (() => boolean);
  journal: UndoJournal | null;
  /** Threads that look at, plan and apply paths (worker threads when > 1); default 1. */
  jobs?: number;
  /**
   * Resolve once the worker threads have let go of all they held, not once they have ended
   * (70-110 ms more): for a caller that ends its process right after, as the CLI does.
   */
  threadsMayEnd?: boolean;
  /** Checked between paths: true stops the run after the paths in flight. */
  shouldStop?: () => boolean;
  /** Paths looked at (first pass), then paths changed (second pass), with the latest one. */
  onProgress?: (count: number, shownPath: string) => void;
  /** The whole snapshot has parsed, with `repeated` blocks for a path seen before (`firstRepeated` the first): the changes begin. */
  onValidated?: (paths: number, repeated: number, firstRepeated?: string) => void;
  onPlan?: (shownPath: string, changes: Change[]) => void;
  onProblem?: (shownPath: string, message: string) => void;
}

export interface RestoreSummary {
  changed: number;
  byField: Record<PermissionField, number>;
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
  /**
   * No path of the snapshot beneath the root exists (a wrong --root), or the snapshot holds
   * no path at all (an empty file): nothing was changed, not even the root.
   */
  nothingBeneath: boolean;
  /** A fatal error that ended the run after changes began (the journal has what was done). */
  fatal?: string;
  /** In a run stopped (`stopped`, `fatal`) once changes began: the paths with work it never came to. */
  notReached?: number;
}

/**
 * Two passes. The first reads the whole snapshot (nothing is changed before it has all
 * parsed) and has each path looked at without opening it: missing, already right, or work
 * to do; only the work is kept. The second opens, journals and changes the paths that need
 * it, chunk by chunk in restore order (restore-chunks.ts). Both passes' per-path work runs
 * on the executor: this thread, or --jobs worker threads, which parse the snapshot too when
 * its whole text is given, or its file left open (look-pieces.ts).
 */
export async function restore(input: RestoreEntries | SnapshotText | SnapshotFile, options: RestoreOptions): Promise<RestoreSummary> {
  checkRestoreInput(input);
  checkOptionsObject(options, ['ids', 'journal']);
  if (typeof options.ids.uid !== 'function' || typeof options.ids.gid !== 'function') {
    throw new PermsnapError('USAGE', 'options.ids: expected an IdResolver, with uid() and gid() (nssResolver(), rootFilesResolver(ROOT) or chooseResolver())');
  }
  if (options.root !== undefined) {
    checkPath('root', options.root);
    checkByteString('root', options.root);
  }
  const { journal } = options;
  if (journal !== null && (typeof journal !== 'object' || typeof journal.appendPrinted !== 'function' || typeof journal.complete !== 'function' || typeof journal.discard !== 'function')) {
    throw new PermsnapError('USAGE', 'options.journal: expected an UndoJournal (UndoJournal.atFile(FILE, header)) or null for none');
  }
  checkBooleans(options as unknown as Record<string, unknown>, ['dryRun']);
  checkJobsOption(options.jobs);
  checkChoices('ignore', options.ignore, PERMISSION_FIELDS);
  checkGlobs('exclude', options.exclude);
  checkGlobs('only', options.only);
  const limit = openFileLimit();
  const needed = minimumLimit(limit);
  if (limit < needed) {
    throw new PermsnapError('PLATFORM', `the descriptor limit (ulimit -n) is ${limit}: restore needs ${needed} or more (Node's own, a thread's, a chunk of paths held open); nothing was changed`);
  }
  // eslint-disable-next-line no-param-reassign -- the threads the descriptor limit leaves room for, everywhere below
  options = { ...options, jobs: restoreJobs(options.jobs ?? 1, limit) };
  const summary: RestoreSummary = {
    ...emptyCounts(), missing: 0, pseudo: 0, problems: 0, repeated: 0, paths: 0, existing: 0, stopped: false,
    nothingBeneath: false,
  };
  // Both passes may find a name recorded unlike another of its file (each naming another
  // name of it): said once per path, the first time.
  const linkConflicts = new Set<string>();
  const problem = (shown: string, message: string): void => {
    if (message.startsWith(LINK_CONFLICT_START)) {
      if (linkConflicts.has(shown)) return;
      linkConflicts.add(shown);
    }
    summary.problems++;
    options.onProblem?.(shown, message);
  };
  const executor = startExecutor(options);
  try {
    const tally = await firstPass(input, options, executor);
    summary.repeated = tally.repeated;
    summary.paths = tally.paths;
    options.onValidated?.(summary.paths, summary.repeated, tally.firstRepeated);
    for (const [shown, message] of tally.problems) problem(shown, message);
    summary.missing = tally.missing;
    summary.pseudo = tally.pseudo;
    summary.alreadyCorrect = tally.correct;
    summary.existing = tally.correct + tally.correctWithProblems;
    summary.nothingBeneath = nothingBeneath(tally);
    if (!summary.nothingBeneath) await changeAll(tally.order ?? restoreOrder(tally.work), tally.work, executor, options, summary, problem);
  } finally {
    await executor.close(options.threadsMayEnd);
  }
  return summary;
}

/** The first pass: in pieces on the workers when it can, else on this thread. */
async function firstPass(input: RestoreEntries | SnapshotText | SnapshotFile, options: RestoreOptions, executor: RestoreExecutor): Promise<FirstPassResult> {
  const rules: LookRules = {
    root: options.root, cwd: options.cwd ?? process.cwd(), exclude: options.exclude ?? [], only: options.only ?? [], ignore: options.ignore ?? [],
    ids: options.ids, capabilitiesKnown: options.capabilitiesKnown ?? false,
  };
  const pass = { inFlight: 2 * (options.jobs ?? 1), onProgress: options.onProgress };
  if (!isSnapshotText(input) && !isSnapshotFile(input)) return withWorkList(await lookAtAll(checkedEntries(input), rules, executor, pass));
  if (executor instanceof WorkerExecutor) {
    const inPieces = await lookInPieces(input, rules, executor, options.onProgress, !options.dryRun);
    if (inPieces !== null) return inPieces;
  }
  // Parsed on this thread, which reports exactly what is wrong and where, if anything is.
  const text = isSnapshotFile(input) ? wholeTextOf(input) : input;
  const info = { hasMarkers: false };
  const entries = readSnapshotBatches(text.fileName, { input: [text.bytes], info, shareBlocks: true });
  return withWorkList(await lookAtAll(entries, { ...rules, capabilitiesKnown: () => info.hasMarkers }, executor, pass));
}

/** A snapshot file's whole text, read now; a failure said as a read of the snapshot's is. */
function wholeTextOf(file: SnapshotFile): SnapshotText {
  try {
    return wholeSnapshotText(file);
  } catch (err) {
    throw new PermsnapError('IO', `cannot read ${file.fileName}: ${systemReason(err)}`, { cause: err });
  }
}

function withWorkList(tally: LookTally): FirstPassResult {
  return { ...tally, work: WorkList.ofItems(tally.work) };
}

function isSnapshotText(input: RestoreEntries | SnapshotText | SnapshotFile): input is SnapshotText {
  return Buffer.isBuffer((input as SnapshotText).bytes);
}

/** Entries (readSnapshot's, or any iterable of them), or a SnapshotText whose bytes are a Buffer. */
function checkRestoreInput(input: unknown): void {
  if (typeof input === 'object' && input !== null) {
    if ((isSnapshotText(input as SnapshotText) || isSnapshotFile(input)) && typeof (input as SnapshotText).fileName === 'string') return;
    if (Symbol.asyncIterator in input || Symbol.iterator in input) return;
  }
  throw new PermsnapError('USAGE', 'input: expected entries (readSnapshot(FILE), an iterable of them) or { fileName, bytes: Buffer } (readSnapshotText(FILE))');
}

function startExecutor(options: RestoreOptions): RestoreExecutor {
  const settings = { root: options.root, pseudo: pseudoFilesystemDevices(), wantPlans: options.onPlan !== undefined, journalled: options.journal !== null };
  const jobs = options.jobs ?? 1;
  if (jobs <= 1 || !workersCanStart()) return new InlineExecutor(settings);
  const fallbacks = !syscallSupport.openat2 && !syscallSupport.fchmodat2;
  return new WorkerExecutor(jobs, { ...settings, pseudo: [...settings.pseudo], fallbacks });
}
