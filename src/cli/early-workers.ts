// Guesses from the raw command line how many snapshot, diff or restore workers the run will
// use, so they can load while yargs loads and parses (the PrestartedWorkers of
// snapshot/worker-pool.ts, diff/side-in-worker.ts and restore/worker-executor.ts). A wrong
// guess costs only idle workers, let go when the command ends.

import type { PrestartedWorkers } from '../threads/prestarted-workers.js';
import { defaultJobs, jobsInRange, jobsWithinDescriptors, workersCanStart } from '../threads/default-jobs.js';
import { jobsText } from './option-checks.js';
import { restoreJobs } from '../restore/descriptor-budget.js';

/** Options with which a command does not run at all (help, version, shell completion). */
const NO_RUN = new Set(['--help', '-h', '--version', '--get-yargs-completions']);
/** Those, and the options that make `permsnap snapshot` walk no live tree. */
const NO_WALK = new Set([...NO_RUN, '--from-tar', '--from-deb']);

export function workersToPrestart(argv: readonly string[]): number {
  if (argv.some((a) => NO_WALK.has(a) || a.startsWith('--from-tar=') || a.startsWith('--from-deb='))) return 0;
  const given = jobsText(argv);
  const count = given === undefined ? defaultJobs() : Number(given);
  // A value the command will refuse starts none: `--jobs 1e3` once started a thousand workers
  // (9.6 GB, 157 s) only to say it was out of range.
  return count > 1 && jobsInRange(count) ? count : 0;
}

type Release = () => Promise<void>;

/** Prestarts `count` workers of the pool `load` gives; returns what lets go of unused ones. */
async function prestart(count: number, load: () => Promise<PrestartedWorkers>): Promise<Release> {
  if (count === 0 || !workersCanStart()) return async () => {};
  const early = await load();
  early.prestart(count);
  return () => early.release();
}

/** Starts the workers a snapshot command line will want. */
export const startEarlyWorkers = (argv: readonly string[]): Promise<Release> =>
  prestart(withinDescriptors(workersToPrestart(argv)), async () => (await import('../snapshot/worker-pool.js')).earlySnapshotWorkers);

/** The same for `permsnap diff`: one worker per side (a side read from stdin leaves one unused). */
export const startEarlySideWorkers = (argv: readonly string[]): Promise<Release> =>
  prestart(argv.some((a) => NO_RUN.has(a)) ? 0 : 2, async () => (await import('../diff/side-in-worker.js')).earlySideWorkers);

/** The same for `permsnap restore`: one per --jobs (one per core, at most 8, by default). */
export const startEarlyRestoreWorkers = (argv: readonly string[]): Promise<Release> =>
  prestart(withinDescriptors(workersToPrestart(argv), restoreJobs), async () => (await import('../restore/worker-executor.js')).earlyRestoreWorkers);

/** As many as the descriptor limit leaves room for (the command itself runs no more: `within` is its rule); none for one. */
function withinDescriptors(count: number, within: (jobs: number) => number = jobsWithinDescriptors): number {
  const room = within(count);
  return room > 1 ? room : 0;
}
