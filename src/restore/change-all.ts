// restore's second pass: the paths that need work, in restore order, cut into chunks
// (restore-chunks.ts). Each chunk is planned on the executor (its paths pinned), its
// pre-restore state journalled and fsynced in chunk order, then applied. p-limit bounds
// the chunks in flight: enough to keep every thread busy while the main thread journals,
// few enough that the pinned descriptors stay within the process's limit.

import { setImmediate as nextTurn } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { ChunkPlan, Counts } from './chunk-work.js';
import type { RestoreExecutor } from './restore-executor.js';
import { ChunkCutter } from './restore-chunks.js';
import { chunksInFlight, chunkSize } from './descriptor-budget.js';
import type { RestoreOptions, RestoreSummary } from './restore.js';
import { shownTarget } from './target-path.js';
import type { WorkList } from './work-list.js';
import type { PermissionField } from '../model/field.js';

/** Changes the paths of `list`, `order` giving their positions in restore order. */
export async function changeAll(
  order: Int32Array, list: WorkList, executor: RestoreExecutor, options: RestoreOptions, summary: RestoreSummary, problem: (p: string, m: string) => void,
): Promise<void> {
  const jobs = options.jobs ?? 1;
  const size = chunkSize();
  const inFlight = chunksInFlight(jobs);
  let fatal: unknown = null;
  let journalled: Promise<unknown> = Promise.resolve();
  let appliedReported: Promise<unknown> = Promise.resolve();
  let next = 0;
  // Paths of chunks applied (planned, in a dry run): a run that stops says how many it left.
  let reached = 0;
  const fail = (err: unknown): void => {
    fatal ??= err;
  };

  /** Plans a chunk now; journals it after the chunks started before it; then applies it. */
  const run = async (chunk: Int32Array): Promise<void> => {
    // Let signals and progress through between chunks: a stop request ends the run here.
    await nextTurn();
    summary.stopped ||= options.shouldStop?.() ?? false;
    if (summary.stopped || fatal !== null) return;
    const id = next++;
    const planned = executor.plan(id, list.packed(chunk));
    // Its failure is handled when its turn to be journalled comes (or by an earlier failure).
    planned.catch(() => undefined);
    const ready = journalled.then(() => journal(id, planned, chunk.length));
    journalled = ready.catch(() => undefined);
    if (!(await ready)) return;
    const applied = executor.apply(id, options.journal?.ownFiles ?? []);
    applied.catch(() => undefined);
    // Reported in chunk order too, so that problems come out in the same order whatever --jobs.
    const reported = appliedReported.then(async () => {
      const { counts, problems } = await applied;
      reached += chunk.length;
      addCounts(summary, counts);
      for (const [shown, message] of problems) problem(shown, message);
      options.onProgress?.(summary.changed, shownTarget(list.target(chunk[chunk.length - 1] as number)));
    });
    appliedReported = reported.catch(() => undefined);
    await reported;
  };
  /** Reports a planned chunk and journals it; true when it is to be applied. */
  const journal = async (id: number, planned: Promise<ChunkPlan>, paths: number): Promise<boolean> => {
    let plan: ChunkPlan;
    try {
      plan = await planned;
    } catch (err) {
      fail(err);
      return false;
    }
    reportPlan(plan, summary, options, problem);
    if (options.dryRun) {
      reached += paths;
      addCounts(summary, plan.preview);
    }
    if (fatal === null && !options.dryRun) {
      try {
        await options.journal?.appendPrinted(plan.journal);
        // Another chunk may have failed while this one was being written (journalled, but
        // not to be applied: the run stops at the first failure).
        if (fatal === null) return true;
      } catch (err) {
        fail(err);
      }
    }
    await executor.release(id);
    return false;
  };

  const limit = pLimit(inFlight);
  const cutter = new ChunkCutter(order, list, size);
  const runs: Promise<void>[] = [];
  for (let chunk = cutter.next(); chunk !== null; chunk = cutter.next()) {
    const cut = chunk;
    runs.push(limit(() => run(cut).catch(fail)));
    // The first chunks are sent to be planned (each run waits a turn first) before the rest are cut.
    if (runs.length === inFlight) for (let turn = 0; turn < 2; turn++) await nextTurn();
  }
  await Promise.all(runs);
  // Directories whose contents spread over several chunks: after all of those, one chunk at a time.
  for (const chunk of cutter.deferred()) await run(chunk).catch(fail);
  if (fatal === null) {
    try {
      // Every step failed (a user's restore of files not theirs): the journal holds the
      // state as it still is, nothing to undo; left, each such run would leave one more.
      if (summary.changed === 0) options.journal?.discard();
      else await options.journal?.complete();
    } catch (err) {
      fail(err);
    }
  }
  // Every path is in a chunk or deferred.
  if (summary.stopped || fatal !== null) summary.notReached = order.length - reached;
  if (fatal !== null) {
    // Before any change a fatal error is just that (exit 2); after, the run stops with
    // what it did journalled (a full disk under the journal, say), and says so (exit 1).
    if (!options.journal?.started && summary.changed === 0) throw fatal;
    summary.fatal = (fatal as Error).message;
  }
}

function reportPlan(plan: ChunkPlan, summary: RestoreSummary, options: RestoreOptions, problem: (p: string, m: string) => void): void {
  summary.existing += plan.existing;
  summary.missing += plan.missing;
  summary.pseudo += plan.pseudo;
  summary.alreadyCorrect += plan.alreadyCorrect;
  for (const [shown, message] of plan.problems) problem(shown, message);
  for (const [shown, changes] of plan.plans) options.onPlan?.(shown, changes);
}

function addCounts(summary: RestoreSummary, counts: Counts): void {
  summary.changed += counts.changed;
  summary.alreadyCorrect += counts.alreadyCorrect;
  for (const field of Object.keys(counts.byField) as PermissionField[]) summary.byField[field] += counts.byField[field];
}
