// Checks of option values that yargs cannot express, shared by the commands: refused as
// usage errors (exit 2) before anything is read or changed.

import { PermsnapError } from '../errors.js';
import { isUtf8Bytes, messageText } from '../platform/byte-path.js';
import { defaultJobs, jobsInRange, jobsWithinDescriptors, MAX_JOBS } from '../threads/default-jobs.js';
import { openFileLimit } from '../platform/open-files.js';

/**
 * --jobs: a whole number from 1 to MAX_JOBS, or not given. `argv`, the command line, says
 * what was given: "--jobs" with nothing after it reaches the command as not given at all,
 * and "abc" as NaN.
 */
export function checkJobs(jobs: number | undefined, argv: readonly string[]): void {
  const given = jobsText(argv);
  if (given === undefined) return;
  const expected = `an integer from 1 to ${MAX_JOBS}`;
  if (jobs === undefined || given === '') throw new PermsnapError('USAGE', `--jobs is empty, expected ${expected}`);
  // Decimal digits only: yargs reads 0x2, 2e0 and " 2" as 2 as well.
  if (!/^[0-9]+$/.test(given)) throw new PermsnapError('USAGE', `Expected --jobs to be ${expected}, got ${JSON.stringify(given)}`);
  if (!jobsInRange(jobs)) throw new PermsnapError('USAGE', `Expected --jobs to be ${expected}, got ${jobs}`);
}

/** --jobs (or the default), lowered to what the descriptor limit leaves room for (`within` says: the command's own rule); `say` tells. */
export function jobsWithinLimit(given: number | undefined, say: (line: string) => void, within: (jobs: number) => number = jobsWithinDescriptors): number {
  const jobs = given ?? defaultJobs();
  const room = within(jobs);
  if (room < jobs) say(`${given === undefined ? 'threads' : '--jobs'} ${jobs} lowered to ${room}: the descriptor limit (ulimit -n) is ${openFileLimit()}`);
  return room;
}

/**
 * The text of the last --jobs/-j on a command line, as yargs takes it (also -j2, -qj 2,
 * -qj2, --jobs=2); '' when nothing follows it; undefined when it is not given.
 */
export function jobsText(argv: readonly string[]): string | undefined {
  let value: string | undefined;
  argv.forEach((a, i) => {
    if (a === '--jobs' || /^-[a-zA-Z]*j$/.test(a)) value = argv[i + 1] ?? '';
    else if (a.startsWith('--jobs=')) value = a.slice('--jobs='.length);
    else if (/^-[a-zA-Z]*j\d+$/.test(a)) value = a.slice(a.indexOf('j') + 1);
  });
  return value;
}

/**
 * A comma-separated list of fields (--ignore), each one known. One that names none (empty,
 * or only commas: `--ignore "$IGN"` with IGN unset) is refused: taken as "leave nothing
 * alone", it would change what the user meant to keep.
 */
export function fieldList<F extends string>(option: string, text: string | undefined, known: readonly F[]): F[] {
  if (text === undefined) return [];
  const fields = text.split(',').map((f) => f.trim()).filter(Boolean);
  if (fields.length === 0) throw new PermsnapError('USAGE', `${option} ${text === '' ? 'is empty' : `"${text}" names no field`}, expected some of ${known.join(', ')}`);
  for (const f of fields) {
    if (!(known as readonly string[]).includes(f)) throw new PermsnapError('USAGE', `unknown field "${f}" in ${option}, expected some of ${known.join(', ')}`);
  }
  return fields as F[];
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
