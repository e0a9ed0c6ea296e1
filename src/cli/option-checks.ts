// Checks of option values that yargs cannot express, shared by the commands: refused as
// usage errors (exit 2) before anything is read or changed.

import { PermsnapError } from '../errors.js';
import { isUtf8Bytes, messageText } from '../platform/byte-path.js';
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

/**
 * A path permsnap opens through node:fs by name (-o, --undo, --root), whose bytes are not
 * UTF-8: Node would open another name, and say "no such file or directory" of a directory
 * that is there. Refused with the way around it. `bytes`: the path as a byte string.
 */
export function checkUtf8Path(option: string, bytes: string | undefined): void {
  if (bytes === undefined || isUtf8Bytes(bytes)) return;
  throw new PermsnapError('USAGE', `${option} ${messageText(bytes)}: a path that is not UTF-8 is not supported, expected a UTF-8 path (mount --bind it at one, and give that)`);
}
