// `permsnap restore` as a library function: reads and validates the whole snapshot, resolves
// every path beneath its root without following symlinks, plans each path's steps against
// its current state, journals the pre-restore state of a batch (fsynced) before changing it,
// then applies. Missing paths are skipped and counted; per-path problems are collected and
// the run goes on.

import { pseudoFilesystemDevices } from '../platform/mounts.js';
import { syscallSupport } from '../platform/safe-ops.js';
import { changeAll } from './change-all.js';
import { emptyCounts } from './chunk-work.js';
import type { IdResolver } from './id-resolver.js';
import type { Change, Field } from './reconcile.js';
import { InlineExecutor, type RestoreExecutor } from './restore-executor.js';
import { restoreOrder } from './restore-order.js';
import { lookAtAll, shownLook, type Look, type RestoreEntries } from './look-all.js';
import type { UndoJournal } from './undo-journal.js';
import { WorkerExecutor } from './worker-executor.js';
import type { WorkItem } from './work-item.js';

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
  /** Threads that look at, plan and apply paths (worker threads when > 1); default 1. */
  jobs?: number;
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
  /**
   * No path of the snapshot beneath the root exists (a wrong --root), or the snapshot holds
   * no path at all (an empty file): nothing was changed, not even the root.
   */
  nothingBeneath: boolean;
  /** A fatal error that ended the run after changes began (the journal has what was done). */
  fatal?: string;
}

/**
 * Two passes. The first reads the snapshot as it streams (nothing is changed before the
 * whole file has parsed) and has each path looked at without opening it: missing, already
 * right, or work to do; only the work is kept. The second opens, journals and changes the
 * paths that need it, chunk by chunk in restore order (restore-chunks.ts). Both passes'
 * per-path work runs on the executor: this thread, or --jobs worker threads.
 */
export async function restore(entries: RestoreEntries, options: RestoreOptions): Promise<RestoreSummary> {
  const summary: RestoreSummary = {
    ...emptyCounts(), alreadyCorrect: 0, missing: 0, pseudo: 0, problems: 0, repeated: 0, paths: 0, existing: 0, stopped: false,
    nothingBeneath: false,
  };
  const problem = (shown: string, message: string): void => {
    summary.problems++;
    options.onProblem?.(shown, message);
  };
  const executor = startExecutor(options);
  try {
    const { looks, repeated } = await lookAtAll(entries, options, executor);
    summary.repeated = repeated;
    for (const look of looks) if (look.outcome !== 'excluded') summary.paths++;
    options.onValidated?.(summary.paths);
    const work: WorkItem[] = [];
    for (const look of looks) {
      for (const p of look.problems) problem(shownLook(look), p);
      if (look.outcome === 'missing') summary.missing++;
      else if (look.outcome === 'pseudo') summary.pseudo++;
      else if (look.outcome === 'correct') {
        summary.existing++;
        summary.alreadyCorrect++;
      }
      else if (look.outcome === 'work') work.push(look.item as WorkItem);
    }
    summary.nothingBeneath = nothingBeneath(looks);
    if (!summary.nothingBeneath) await changeAll(restoreOrder(work), executor, options, summary, problem);
  } finally {
    await executor.close();
  }
  return summary;
}

/**
 * Whether no path beneath the root exists (the root itself always does, so it does not
 * count; paths refused or excluded neither), or the snapshot has no block at all: the root
 * is wrong, or the file is empty.
 */
function nothingBeneath(looks: readonly Look[]): boolean {
  let beneath = 0;
  for (const look of looks) {
    if (look.outcome === 'excluded' || look.outcome === 'refused' || look.item?.target.relative === '') continue;
    if (look.outcome !== 'missing') return false;
    beneath++;
  }
  return beneath > 0 || looks.length === 0;
}

function startExecutor(options: RestoreOptions): RestoreExecutor {
  const settings = { root: options.root, pseudo: pseudoFilesystemDevices(), wantPlans: options.onPlan !== undefined };
  const jobs = options.jobs ?? 1;
  if (jobs <= 1) return new InlineExecutor(settings);
  const fallbacks = !syscallSupport.openat2 && !syscallSupport.fchmodat2;
  return new WorkerExecutor(jobs, { root: settings.root, pseudo: [...settings.pseudo], wantPlans: settings.wantPlans, fallbacks });
}
