// How many worker threads snapshot and restore use when --jobs is not given: one per core,
// at most 8. Each worker has its own V8 heap (30 to 60 MB more peak RSS per worker in a
// restore of /usr, measured), so one per core on a 64-core host would cost gigabytes; more
// is for the user to ask for.

import os from 'node:os';
import { cwdIfPresent } from '../platform/byte-path.js';
import { openFileLimit } from '../platform/open-files.js';

export const MAX_DEFAULT_JOBS = 8;
/**
 * The most --jobs may ask for. Every worker loads its own V8 and koffi: 100 of them took 11 s
 * and 1.1 GB to restore one path here, 1000 took 9.6 GB, which could take down the rescue
 * system a restore runs on.
 */
export const MAX_JOBS = 64;

/** Whether a --jobs value is one permsnap takes: a whole number from 1 to MAX_JOBS. */
export function jobsInRange(jobs: number): boolean {
  return Number.isInteger(jobs) && jobs >= 1 && jobs <= MAX_JOBS;
}

/**
 * Whether a worker thread can start here. Node's worker bootstrap asks for the current
 * directory, and fails (ENOENT, uv_cwd) when it has been deleted, as it is for a shell
 * left in a directory someone removed; getfacl works there, and so must permsnap, on
 * this thread alone.
 */
export function workersCanStart(): boolean {
  return cwdIfPresent() !== null;
}

export function defaultJobs(): number {
  return Math.min(os.availableParallelism(), MAX_DEFAULT_JOBS);
}

/**
 * The threads (`jobs`) a descriptor limit leaves room for: each loads its own code and keeps
 * directories open, beside the process's own (and restore's pinned paths). Under ulimit -n
 * 64, 4 restore threads failed with EMFILE (a worker loading koffi, NSS lookups, opens) and
 * 3 did not; 4 did at 80. Snapshot's 16 failed to load at 64, and at 80 left paths out.
 */
export function jobsWithinDescriptors(jobs: number, limit = openFileLimit()): number {
  return Math.max(1, Math.min(jobs, Math.floor((limit - 40) / 10)));
}
