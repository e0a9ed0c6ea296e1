// Checks of the options a program gives the library functions (snapshot, diff, restore):
// the CLI's own checks come before them, but a program's values reach the functions as
// they are (`jobs: Infinity` started workers without end). A wrong one is a usage error.

import { PermsnapError } from './errors.js';
import { jobsInRange, MAX_JOBS } from './threads/default-jobs.js';

/** jobs: a whole number from 1 to MAX_JOBS, or not given. */
export function checkJobsOption(jobs: number | undefined): void {
  if (jobs !== undefined && !jobsInRange(jobs)) throw new PermsnapError('USAGE', `jobs: expected an integer from 1 to ${MAX_JOBS}, got ${shownValue(jobs)}`);
}

/** An option whose value is one of `allowed`, or not given. */
export function checkChoice(option: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    throw new PermsnapError('USAGE', `${option}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
}

/** Options that are flags: each a boolean, or not given (`sorted: 'yes'` was taken as true, `numeric: 0` as false). */
export function checkBooleans(options: Record<string, unknown>, names: readonly string[], prefix = ''): void {
  for (const name of names) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean') throw new PermsnapError('USAGE', `${prefix}${name}: expected true or false, got ${shownValue(value)}`);
  }
}

/**
 * A path or glob as a byte string, one character per byte (toByteString() makes one of
 * text): a character above U+00FF can be no byte of a name, and such a path or glob named
 * nothing, silently (`exclude: ['日本']` left 日本 in).
 */
export function checkByteString(option: string, value: string): void {
  // eslint-disable-next-line no-control-regex -- a range of code points, not control characters
  if (/[^\u0000-\u00ff]/.test(value)) {
    throw new PermsnapError('USAGE', `${option} ${JSON.stringify(value)}: a character above U+00FF, expected a byte string (toByteString() makes one of text)`);
  }
}

/**
 * Globs for exclude or only, each refused when it would silently match everything or
 * nothing: "!x" is a negation in the glob dialect (it matches every path but x: a gitignore
 * habit would exclude the whole tree), and "", "/" or "//" name no path.
 */
export function checkGlobs(option: string, globs: readonly unknown[] | undefined): void {
  if (globs !== undefined && !Array.isArray(globs)) throw new PermsnapError('USAGE', `${option}: expected an array of globs, got ${JSON.stringify(globs)}`);
  for (const glob of globs ?? []) {
    if (typeof glob !== 'string') throw new PermsnapError('USAGE', `${option}: expected globs as strings, got ${JSON.stringify(glob)}`);
    const problem = globProblem(glob);
    if (problem !== null) throw new PermsnapError('USAGE', `${option} "${glob}": ${problem}`);
    checkByteString(option, glob);
  }
}

/** What is wrong with a glob (checkGlobs()), or null. */
export function globProblem(glob: string): string | null {
  if (glob.startsWith('!')) return 'a glob beginning with "!" would match every other path (no negation here); for a name beginning with "!", write \\!';
  if (glob.replace(/^\.?\/+|\/+$/g, '') === '') return 'an empty glob, expected a path or pattern';
  return null;
}

/** A list option whose every value is one of `allowed`. */
export function checkChoices(option: string, values: readonly unknown[] | undefined, allowed: readonly string[]): void {
  if (values !== undefined && !Array.isArray(values)) throw new PermsnapError('USAGE', `${option}: expected an array of ${allowed.join(', ')}, got ${JSON.stringify(values)}`);
  for (const value of values ?? []) checkChoice(option, value, allowed);
}

/**
 * The arguments a program gives snapshot, diff and restore, checked as the types say they
 * must be: a JavaScript caller (or a cast) got a TypeError from deep inside otherwise
 * (`paths.entries is not a function`, `reading 'uid'`), after workers had started.
 */
export function checkPathList(option: string, paths: unknown): void {
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) throw new PermsnapError('USAGE', `${option}: expected an array of path strings, got ${shownValue(paths)}`);
  for (const p of paths as string[]) checkByteString(option, p);
}

export function checkPath(option: string, path: unknown): void {
  if (typeof path !== 'string' || path === '') throw new PermsnapError('USAGE', `${option}: expected a path, got ${shownValue(path)}`);
}

/** A ByteSink: write, commit and abort (atomicFileSink() or stdoutSink() make one). */
export function checkSink(sink: unknown): void {
  const methods = ['write', 'commit', 'abort'];
  if (typeof sink !== 'object' || sink === null || methods.some((m) => typeof (sink as Record<string, unknown>)[m] !== 'function')) {
    throw new PermsnapError('USAGE', `sink: expected a ByteSink (atomicFileSink() or stdoutSink()), got ${shownValue(sink)}`);
  }
}

/** An options object whose `required` keys are there. */
export function checkOptionsObject(options: unknown, required: readonly string[]): void {
  if (typeof options !== 'object' || options === null) throw new PermsnapError('USAGE', `options: expected an object, got ${shownValue(options)}`);
  for (const key of required) {
    if ((options as Record<string, unknown>)[key] === undefined) throw new PermsnapError('USAGE', `options.${key}: required`);
  }
}

function shownValue(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number') return String(value); // Infinity, NaN: JSON has none
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return 'an object';
  return JSON.stringify(value) ?? String(value);
}
