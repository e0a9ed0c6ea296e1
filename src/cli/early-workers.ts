// Guesses from the raw command line how many snapshot, diff or restore workers the run will
// use, so they can load while yargs loads and parses (snapshot/worker-pool.ts,
// prestartWorkers; diff/side-in-worker.ts, prestartSideWorkers;
// restore/worker-executor.ts, prestartRestoreWorkers). A wrong guess costs only idle workers, let
// go when the command ends.

import os from 'node:os';

/** Options with which a command does not run at all (help, version, shell completion). */
const NO_RUN = new Set(['--help', '-h', '--version', '--get-yargs-completions']);
/** Those, and the options that make `permsnap snapshot` walk no live tree. */
const NO_WALK = new Set([...NO_RUN, '--from-tar', '--from-deb']);

export function workersToPrestart(argv: readonly string[]): number {
  if (argv.some((a) => NO_WALK.has(a) || a.startsWith('--from-tar=') || a.startsWith('--from-deb='))) return 0;
  const jobs = jobsOption(argv);
  const count = jobs === undefined ? os.availableParallelism() : jobs;
  return Number.isInteger(count) && count > 1 ? count : 0;
}

/** The value of the last --jobs/-j (as yargs takes it: also -j2, -qj 2, -qj2), undefined when not given. */
function jobsOption(argv: readonly string[]): number | undefined {
  let value: string | undefined;
  argv.forEach((a, i) => {
    if (a === '--jobs' || /^-[a-zA-Z]*j$/.test(a)) value = argv[i + 1];
    else if (a.startsWith('--jobs=')) value = a.slice('--jobs='.length);
    else if (/^-[a-zA-Z]*j\d+$/.test(a)) value = a.slice(a.indexOf('j') + 1);
  });
  return value === undefined ? undefined : Number(value);
}

/** Starts the workers a snapshot command line will want; returns what lets go of unused ones. */
export async function startEarlyWorkers(argv: readonly string[]): Promise<() => Promise<void>> {
  const count = workersToPrestart(argv);
  if (count === 0) return async () => {};
  const { prestartWorkers, releasePrestartedWorkers } = await import('../snapshot/worker-pool.js');
  prestartWorkers(count);
  return releasePrestartedWorkers;
}

/** The same for `permsnap diff`: one worker per side (a side read from stdin leaves one unused). */
export async function startEarlySideWorkers(argv: readonly string[]): Promise<() => Promise<void>> {
  if (argv.some((a) => NO_RUN.has(a))) return async () => {};
  const { prestartSideWorkers, releasePrestartedSideWorkers } = await import('../diff/side-in-worker.js');
  prestartSideWorkers(2);
  return releasePrestartedSideWorkers;
}

/** The same for `permsnap restore`: one per --jobs (one per core by default). */
export async function startEarlyRestoreWorkers(argv: readonly string[]): Promise<() => Promise<void>> {
  const count = workersToPrestart(argv);
  if (count === 0) return async () => {};
  const { prestartRestoreWorkers, releasePrestartedRestoreWorkers } = await import('../restore/worker-executor.js');
  prestartRestoreWorkers(count);
  return releasePrestartedRestoreWorkers;
}
