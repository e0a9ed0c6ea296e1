// Short options and option values as getopt(3) reads them, which is how getfacl reads its
// own: switches bundled in one word (`-qc`); the rest of a word after a short option that
// takes a value is that value (`-oout.facl`, `-j2`); and an option that takes a value takes
// the next word whatever it looks like (`--root -d`). yargs reads `-oout.facl` as the
// switches o, u, t..., `-oq` as an empty -o, and `--root -d` as --root without its value,
// so the command line is put in words yargs reads alike first. (Long options are already
// in whole names: long-options.ts.)

import type { Options } from 'yargs';
import type { OptionTable } from './quick-args.js';

/**
 * `argv` before "--" with each word of short options split into one word per option, and
 * each option's value its own next word, or joined to the option's long name with "=" when
 * it starts with "-" (which yargs would take for an option). Letters no option has are
 * kept as options, for the parser to refuse; "-" alone (stdin) is an operand.
 */
export function inGetoptWords(argv: readonly string[], table: OptionTable): string[] {
  const { byLetter, valued } = optionsWithValues(table);
  const end = argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--');
  const out: string[] = [];
  const withValue = (long: string, flag: string, value: string | undefined): void => {
    if (value === undefined) out.push(flag);
    else if (value.startsWith('-')) out.push(`--${long}=${value}`);
    else out.push(flag, value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (i >= end) {
      out.push(arg);
    } else if (arg.startsWith('--')) {
      const long = arg.slice(2);
      if (valued.has(long) && i + 1 < end) withValue(long, arg, argv[++i]);
      else out.push(arg);
    } else if (/^-./.test(arg)) {
      for (let k = 1; k < arg.length; k++) {
        const letter = arg[k] as string;
        const long = byLetter.get(letter);
        if (long === undefined) {
          out.push(`-${letter}`);
          continue;
        }
        // The rest of the word, or else the next word, is its value.
        const value = k + 1 < arg.length ? arg.slice(k + 1) : i + 1 < end ? argv[++i] : undefined;
        withValue(long, `-${letter}`, value);
        break;
      }
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** The options that take a value: by their one-letter alias (to their long name), and by long name. */
function optionsWithValues(table: OptionTable): { byLetter: Map<string, string>; valued: Set<string> } {
  const byLetter = new Map<string, string>();
  const valued = new Set<string>();
  for (const [name, option] of Object.entries(table) as [string, Options][]) {
    if (option.type === 'boolean') continue;
    for (const alias of [name, ...[option.alias ?? []].flat()]) {
      if (alias.length === 1) byLetter.set(alias, name);
      else valued.add(alias);
    }
  }
  return { byLetter, valued };
}
