// Long options as getopt_long(3) reads them, which is how getfacl reads its own: an
// unambiguous prefix stands for the whole name (`--abs` is `--absolute-names`), an
// ambiguous one is refused, and a switch takes no `=value`. yargs knows none of this, so
// the command line is put in whole names before anything reads it.

import type { Options } from 'yargs';
import { PermsnapError } from '../errors.js';
import type { OptionTable } from './quick-args.js';

/** Options every command takes on top of its table (yargs adds them). */
export const BUILT_IN: OptionTable = { help: { alias: 'h', type: 'boolean' }, version: { alias: 'v', type: 'boolean' } };

/**
 * `argv` (the command's name first, or anywhere before it) with each long option before
 * "--" written out in full; `preferred`: names that win a tie (see wholeName). Throws a
 * usage error, as getopt_long's, for an ambiguous prefix or a switch given a value; leaves
 * unknown names for the parser to refuse.
 */
export function withWholeLongOptions(argv: readonly string[], table: OptionTable, preferred: ReadonlySet<string> = new Set()): string[] {
  const names = longNames({ ...BUILT_IN, ...table });
  const end = argv.indexOf('--');
  return argv.map((arg, i) => {
    if ((end >= 0 && i >= end) || !arg.startsWith('--') || arg === '--') return arg;
    const eq = arg.indexOf('=');
    const given = arg.slice(2, eq < 0 ? undefined : eq);
    const name = wholeName(given, names, preferred);
    // yargs would take `--E` for -E: getopt_long knows only long names after "--".
    if (name === null && given.length === 1) throw new PermsnapError('USAGE', `unrecognized option '${arg}'`);
    if (name === null) return arg;
    if (eq >= 0 && names.get(name) === 'boolean') throw new PermsnapError('USAGE', `option '--${name}' doesn't allow an argument`);
    return `--${name}${eq < 0 ? '' : arg.slice(eq)}`;
  });
}

/** Long names (options and their long aliases) with their option's type. */
function longNames(table: OptionTable): Map<string, Options['type']> {
  const names = new Map<string, Options['type']>();
  for (const [name, option] of Object.entries(table)) {
    const aliases = option.alias === undefined ? [] : Array.isArray(option.alias) ? option.alias : [option.alias];
    for (const n of [name, ...aliases]) if (n.length > 1) names.set(n, option.type);
  }
  return names;
}

/**
 * The whole name `given` stands for; null when none starts with it. Among several, the one
 * `preferred` name (getfacl's own, for `snapshot --all` = `--all-effective` as in getfacl,
 * not permsnap's `--all-filesystems`).
 */
function wholeName(given: string, names: ReadonlyMap<string, unknown>, preferred: ReadonlySet<string>): string | null {
  if (names.has(given)) return given;
  if (given === '') return null;
  const matches = [...names.keys()].filter((n) => n.startsWith(given));
  if (matches.length === 0) return null;
  if (matches.length === 1) return matches[0] as string;
  const preferredMatches = matches.filter((n) => preferred.has(n));
  if (preferredMatches.length === 1) return preferredMatches[0] as string;
  const possibilities = matches.map((n) => `'--${n}'`).join(' ');
  throw new PermsnapError('USAGE', `option '--${given}' is ambiguous; possibilities: ${possibilities}`);
}
