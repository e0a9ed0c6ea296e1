// Checks of option values that yargs cannot express, shared by the commands: refused as
// usage errors (exit 2) before anything is read or changed.

import { PermsnapError } from '../errors.js';
import { jobsInRange, MAX_JOBS } from '../threads/default-jobs.js';

/** --jobs: a whole number from 1 to MAX_JOBS, or not given. */
export function checkJobs(jobs: number | undefined): void {
  if (jobs === undefined) return;
  if (!jobsInRange(jobs)) {
    throw new PermsnapError('USAGE', `Expected --jobs to be an integer from 1 to ${MAX_JOBS}, got ${jobs}`);
  }
}

/**
 * An option that names a file or directory, given with nothing after it (`--root` at the end
 * of the line, or `--root "$MNT"` with MNT unset): refused, never read as the current
 * directory or as "not given".
 */
export function checkNotEmpty(option: string, value: string | undefined, expected: string): void {
  if (value === '') throw new PermsnapError('USAGE', `${option} is empty, expected ${expected}`);
}
