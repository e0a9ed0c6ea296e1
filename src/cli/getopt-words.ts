// Short options and option values as getopt(3) reads them, which is how getfacl reads its
// own: switches bundled in one word (`-qc`); the rest of a word after a short option that
// takes a value is that value (`-oout.facl`, `-j2`); an option that takes a value takes
// the next word whatever it looks like (`--root -d`); and an option the command does not
// have is an error at once. yargs reads `-oout.facl` as the switches o, u, t..., `-oq` as
// an empty -o, `--root -d` as --root without its value, and takes the word after an
// unknown option for its value, then says an operand is missing (`restore --dryrun
// s.facl`), so the command line is put in words yargs reads alike first. (Long options
// are already in whole names: long-options.ts.)

import type { Options } from 'yargs';
import { PermsnapError } from '../errors.js';
import { BUILT_IN } from './long-options.js';
import type { OptionTable } from './quick-args.js';

/**
 * `argv` before "--" with each word of short options split into one word per option, and
 * each option's value its own next word, or joined to the option's long name with "=" when
 * it starts with "-" (which yargs would take for an option); "-" alone (stdin) is an
 * operand. Options `table` does not have are a usage error naming them as typed.
 */
export function inGetoptWords(argv: readonly string[], table: OptionTable, command?: string): string[] {
  const { names, byLetter, valued } = optionNames({ ...BUILT_IN, ...table });
  const end = argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--');
  const out: string[] = [];
  const unknown = new Set<string>();
  const withValue = (long: string, flag: string, value: string | undefined): void => {
    if (value === undefined) out.push(flag);
    else if (value.startsWith('-')) out.push(`--${long}=${value}`);
    else out.push(flag, value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (i >= end || !/^-./.test(arg)) {
      out.push(arg);
    } else if (arg.startsWith('--')) {
      const long = arg.slice(2).split('=', 1)[0] as string;
      if (!names.has(long)) unknown.add(`--${long}`);
      if (valued.has(long) && long === arg.slice(2) && i + 1 < end) withValue(long, arg, argv[++i]);
      else out.push(arg);
    } else {
      for (let k = 1; k < arg.length; k++) {
        const letter = arg[k] as string;
        const long = byLetter.get(letter);
        if (long === undefined) {
          if (!names.has(letter)) unknown.add(`-${letter}`);
          out.push(`-${letter}`);
          continue;
        }
        // The rest of the word, or else the next word, is its value.
        const value = k + 1 < arg.length ? arg.slice(k + 1) : i + 1 < end ? argv[++i] : undefined;
        withValue(long, `-${letter}`, value);
        break;
      }
    }
  }
  if (unknown.size > 0) {
    const said = `unknown option${unknown.size > 1 ? 's' : ''} ${[...unknown].join(', ')}`;
    throw new PermsnapError('USAGE', command === undefined ? said : `${said} for ${command}`);
  }
  return out;
}

/** Every name and alias of the options; those that take a value by one-letter alias (to their long name) and by long name. */
function optionNames(table: OptionTable): { names: Set<string>; byLetter: Map<string, string>; valued: Set<string> } {
  const names = new Set<string>();
  const byLetter = new Map<string, string>();
  const valued = new Set<string>();
  for (const [name, option] of Object.entries(table) as [string, Options][]) {
    for (const alias of [name, ...[option.alias ?? []].flat()]) {
      names.add(alias);
      if (option.type === 'boolean') continue;
      if (alias.length === 1) byLetter.set(alias, name);
      else valued.add(alias);
    }
  }
  return { names, byLetter, valued };
}
