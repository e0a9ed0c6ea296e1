// Checks of the options a program gives the library functions (snapshot, diff, restore):
// the CLI's own checks come before them, but a program's values reach the functions as
// they are (`jobs: Infinity` started workers without end). A wrong one is a usage error.

import { PermsnapError } from './errors.js';
import { jobsInRange, MAX_JOBS } from './threads/default-jobs.js';

/** jobs: a whole number from 1 to MAX_JOBS, or not given. */
export function checkJobsOption(jobs: number | undefined): void {
  if (jobs !== undefined && !jobsInRange(jobs)) throw new PermsnapError('USAGE', `jobs: expected an integer from 1 to ${MAX_JOBS}, got ${jobs}`);
}

/** An option whose value is one of `allowed`, or not given. */
export function checkChoice(option: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    throw new PermsnapError('USAGE', `${option}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
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
    if (glob.startsWith('!')) {
      throw new PermsnapError('USAGE', `${option} "${glob}": a glob beginning with "!" would match every other path (no negation here); for a name beginning with "!", write \\!`);
    }
    if (glob.replace(/^\.?\/+|\/+$/g, '') === '') throw new PermsnapError('USAGE', `${option} "${glob}": an empty glob, expected a path or pattern`);
  }
}

/** A list option whose every value is one of `allowed`. */
export function checkChoices(option: string, values: readonly unknown[] | undefined, allowed: readonly string[]): void {
  if (values !== undefined && !Array.isArray(values)) throw new PermsnapError('USAGE', `${option}: expected an array of ${allowed.join(', ')}, got ${JSON.stringify(values)}`);
  for (const value of values ?? []) checkChoice(option, value, allowed);
}
