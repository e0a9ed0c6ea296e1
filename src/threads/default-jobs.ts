// How many worker threads snapshot and restore use when --jobs is not given: one per core,
// at most 8. Each worker has its own V8 heap (30 to 60 MB more peak RSS per worker in a
// restore of /usr, measured), so one per core on a 64-core host would cost gigabytes; more
// is for the user to ask for.

import os from 'node:os';

export const MAX_DEFAULT_JOBS = 8;

export function defaultJobs(): number {
  return Math.min(os.availableParallelism(), MAX_DEFAULT_JOBS);
}
