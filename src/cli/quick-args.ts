// Reads the plain command lines (`permsnap snapshot --quiet /etc -o etc.facl`) without
// yargs, which takes 70-130 ms to load: a tenth of a snapshot of /usr, while the workers
// that walk it sit loaded and idle. It reads with the command's own option table and gives
// what yargs would give; anything it is not sure of (help, an unknown or repeated option,
// bundled short flags, "--", "-", "--opt=value", a value that looks like an option, an
// operand yargs may take as its own word, such as "help") it leaves to yargs by returning
// null. A test holds it to yargs' answers.

import type { Options } from 'yargs';

export type OptionTable = Readonly<Record<string, Options>>;

interface Positional {
  name: string;
  required: boolean;
  variadic: boolean;
}

/** The positionals of a yargs command string: `diff <before> <after>`, `snapshot [paths..]`. */
function positionalsOf(command: string): Positional[] {
  return command.split(' ').slice(1).map((word) => ({
    name: word.slice(1, -1).replace(/\.\.$/, ''),
    required: word.startsWith('<'),
    variadic: word.endsWith('..]') || word.endsWith('..>'),
  }));
}

const OPTION_LIKE = /^-/;
/** Operands yargs may take as words of its own (`permsnap snapshot t help` shows the help). */
export const YARGS_WORDS: ReadonlySet<string> = new Set(['help', 'version', 'completion']);

/**
 * The arguments yargs would give the command's handler for `argv` (the command's name
 * first), or null to let yargs read it. `options` is the command's table with the global
 * options added.
 */
export function quickArgs(command: string, options: OptionTable, argv: readonly string[]): Record<string, unknown> | null {
  const name = command.split(' ')[0] as string;
  if (argv[0] !== name) return null;
  const byFlag = new Map<string, string>();
  for (const [key, option] of Object.entries(options)) {
    byFlag.set(`--${key}`, key);
    for (const alias of [option.alias ?? []].flat()) byFlag.set(alias.length === 1 ? `-${alias}` : `--${alias}`, key);
  }
  const given: Record<string, unknown> = {};
  const operands: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!OPTION_LIKE.test(arg)) {
      if (arg === '' || YARGS_WORDS.has(arg)) return null;
      operands.push(arg);
      continue;
    }
    const key = byFlag.get(arg);
    if (key === undefined) return null;
    const option = options[key] as Options;
    const repeatable = option.nargs === 1 && Array.isArray(option.default);
    if (Object.hasOwn(given, key) && !repeatable) return null;
    if (option.type === 'boolean') {
      // yargs takes a "true" or "false" after a boolean flag as its value.
      const next = argv[i + 1];
      if (next === 'true' || next === 'false') return null;
      given[key] = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined || value === '' || OPTION_LIKE.test(value) || option.array) return null;
    if (option.type === 'number') {
      if (!/^\d{1,9}$/.test(value)) return null;
      given[key] = Number(value);
    } else if (option.choices !== undefined) {
      if (!(option.choices as readonly unknown[]).includes(value)) return null;
      given[key] = value;
    } else if (option.type === 'string') {
      given[key] = repeatable ? [...((given[key] as string[] | undefined) ?? []), value] : value;
    } else return null;
  }
  const args: Record<string, unknown> = { _: [name] };
  for (const [key, option] of Object.entries(options)) {
    if (Object.hasOwn(given, key)) args[key] = given[key];
    // A copy: the table's default array is shared by every run in this process.
    else if (option.default !== undefined) args[key] = Array.isArray(option.default) ? [...(option.default as unknown[])] : option.default;
  }
  if (!placeOperands(positionalsOf(command), operands, args)) return null;
  args.$0 = 'permsnap';
  return args;
}

/** Puts the operands in their positionals; false when their number is not one yargs takes quietly. */
function placeOperands(positionals: readonly Positional[], operands: readonly string[], args: Record<string, unknown>): boolean {
  const variadic = positionals.find((p) => p.variadic);
  if (variadic !== undefined) {
    if (positionals.length !== 1 || operands.length === 0) return false;
    args[variadic.name] = [...operands];
    return true;
  }
  if (operands.length !== positionals.length) return false;
  positionals.forEach((p, i) => (args[p.name] = operands[i]));
  return true;
}
