// The command line: picks the command, loads only its module (yargs and each command
// cost import time), and is the ONE place that turns results and errors into messages
// and an exit code.

import fs from 'node:fs';
import type { Argv, Options } from 'yargs';
import { PermsnapError, systemReason } from '../errors.js';
import { usageText } from './yargs-messages.js';
import { startEarlyRestoreWorkers, startEarlySideWorkers, startEarlyWorkers } from './early-workers.js';
import { stderrReporter, type Outcome, type Reporter } from './outcome.js';
import { withWholeLongOptions } from './long-options.js';
import { inGetoptWords } from './getopt-words.js';
import { quickArgs, YARGS_WORDS } from './quick-args.js';
import { cwdIfPresent } from '../platform/byte-path.js';
import { nagiosUnknownLine } from '../diff/nagios-text.js';

interface CommandModule {
  command: string;
  describe: string;
  options: Record<string, Options>;
  /** Long names of the peer tool's own options, which win an ambiguous abbreviation. */
  getoptNames?: readonly string[];
  builder(y: Argv): Argv;
  handler(args: never, raw: readonly string[], reporter: Reporter): Promise<Outcome>;
}

const COMMANDS: Record<string, { describe: string; load: () => Promise<CommandModule> }> = {
  snapshot: {
    describe: 'Print the permissions of a tree in getfacl format (like getfacl -R, faster)',
    load: () => import('./commands/snapshot.js') as Promise<CommandModule>,
  },
  diff: {
    describe: 'Show what differs between two snapshots or a snapshot and a live tree (exit 1 on differences)',
    load: () => import('./commands/diff.js') as Promise<CommandModule>,
  },
  restore: {
    describe: 'Apply a snapshot: owners, modes, ACLs, capabilities; symlink-safe, with an undo journal',
    load: () => import('./commands/restore.js') as Promise<CommandModule>,
  },
};

// yargs reads a lone "-" (stdin, by convention) as an empty string, and what follows "--"
// (operands that begin with "-": `permsnap snapshot -- -file`) it keeps out of the
// positionals. Such arguments cross the parser under names no real argument can have (argv
// strings hold no NUL: a NUL first; two for what follows "--") and are put back after.
const HIDDEN = '\0';
const OPERAND = '\0\0';
/** The positionals of the commands: the only places an operand after "--" may land. */
const POSITIONALS = new Set(['_', 'paths', 'before', 'after', 'snapshot']);

/**
 * Words yargs takes as its own after the command (`snapshot help` shows the help) or as a
 * boolean option's value (`snapshot -a false dir` reads `-a=false`); for getopt, as for
 * getfacl, they are operands: directories named help, true or false. Hidden like "-".
 */
const OPERAND_WORDS = new Set([...YARGS_WORDS, 'true', 'false']);

function hideOperands(argv: readonly string[]): string[] {
  const options = optionsPart(argv);
  const operands = argv.slice(options.length + 1);
  const command = options.findIndex((a) => Object.hasOwn(COMMANDS, a));
  const hidden = (a: string, i: number): boolean => a === '-' || (command >= 0 && i > command && OPERAND_WORDS.has(a));
  return [...options.map((a, i) => (hidden(a, i) ? HIDDEN + a : a)), ...operands.map((a) => OPERAND + a)];
}

function restoreOperands(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).map(([key, value]) => {
    const back = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(back);
      if (typeof v !== 'string' || !v.startsWith(HIDDEN)) return v;
      // `-o -- data.txt`: the option took the operand; getopt would have taken "--" itself.
      // Either way the user meant something else: writing a snapshot over data.txt is not it.
      if (v.startsWith(OPERAND) && !POSITIONALS.has(key)) {
        throw new PermsnapError('USAGE', `--${key} takes its value before "--", not ${JSON.stringify(v.slice(OPERAND.length))} after it`);
      }
      return v.slice(v.startsWith(OPERAND) ? OPERAND.length : HIDDEN.length);
    };
    return [key, back(value)];
  }));
}

/** The options part of the command line, which commands read for the order of options (-L/-P, -e/-E). */
function optionsPart(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end < 0 ? argv : argv.slice(0, end);
}

/** The options every command takes. */
const GLOBAL_OPTIONS = {
  quiet: { alias: 'q', type: 'boolean', global: true, describe: 'No progress line or notices; problems and the summary still print' },
  verbose: { type: 'boolean', global: true, describe: 'Stack traces with errors' },
} satisfies Record<string, Options>;

const EXIT_NAGIOS_UNKNOWN = 3;

/** A monitoring plugin's trouble is UNKNOWN (3), said on stdout, even for a bad command line. */
function nagiosUnknown(message: string): number {
  process.stdout.write(nagiosUnknownLine(message));
  return EXIT_NAGIOS_UNKNOWN;
}

/** `--format nagios` or `--format=nagios` on the command line (the last --format wins, as in yargs). */
function wantsNagios(argv: readonly string[]): boolean {
  let format: string | undefined;
  argv.forEach((a, i) => {
    if (a === '--format') format = argv[i + 1];
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
  });
  return format === 'nagios';
}

/**
 * permsnap's own version, from its package.json: two levels above this module both in the
 * bundle (dist/bundle/) and as tsc wrote it (dist/cli/). yargs's own guess reads the first
 * package.json above the node_modules it is installed in: installed as a dependency, that
 * is the project's (`npx permsnap --version` printed its 1.0.0), and under npx's cache, none.
 */
function ownVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

// `permsnap snapshot / | head` closes the pipe early: stop quietly, as a SIGPIPE'd tool would.
const EXIT_SIGPIPE = 141;

const COMPLETION_HELP = 'permsnap completion\n\nPrint a bash/zsh completion script: permsnap completion >> ~/.bashrc\n\n' +
  'Options:\n  -h, --help     Show help\n  -v, --version  Show version number\n';

/**
 * `permsnap completion --help` or `--version`: yargs's completion command prints its script
 * whatever follows, so its help is said here (and the version asked of yargs), as every
 * command's are; anything else after it is refused, before a script a shell would append
 * to its rc file with the error. Any other line as it is.
 */
function withCompletionFlags(line: readonly string[]): { help: string } | { refused: string } | { line: readonly string[] } {
  if (line[0] !== 'completion' || line.length === 1) return { line };
  if (line.length === 2 && (line[1] === '--help' || line[1] === '-h')) return { help: COMPLETION_HELP };
  if (line.length === 2 && (line[1] === '--version' || line[1] === '-v')) return { line: ['--version'] };
  return { refused: `completion takes no operands or options, got ${JSON.stringify(line.slice(1).join(' '))}` };
}

export async function main(commandLine: readonly string[]): Promise<number> {
  // A stderr that cannot be written (a full log disk, a reader gone) leaves nobody to tell:
  // the run goes on and its exit code says what it would have, as getfacl's does. Node
  // otherwise threw at the first message and ended the process with workers still
  // walking: a cut snapshot on stdout, or an -o temp file left behind.
  process.stderr.on('error', () => {});
  const read = withCompletionFlags(commandLine);
  if ('help' in read) {
    process.stdout.write(read.help);
    return 0;
  }
  if ('refused' in read) {
    const code = report(new PermsnapError('USAGE', read.refused), stderrReporter({ quiet: false, verbose: false }));
    process.stderr.write(`${usageHint('completion', COMPLETION_HELP.slice(0, COMPLETION_HELP.indexOf('\n')))}\n`);
    return code;
  }
  const given = read.line;
  // The first word that names a command (completion requests put the program name first).
  const name = given.find((a) => Object.hasOwn(COMMANDS, a));
  // Before anything big is allocated, the workers' startup too (malloc-tuning.ts): unless
  // bin/permsnap.js has set it as glibc tunables as the process started, which is sooner
  // still, and spares this thread the loading of koffi (12-13 ms) before the workers start.
  if (name === 'restore' && !process.env.GLIBC_TUNABLES?.includes('glibc.malloc.mmap_threshold=')) (await import('../platform/malloc-tuning.js')).keepFreedMemory();
  // Its workers start first thing, so that they load while the command's module loads.
  const early = { snapshot: startEarlyWorkers, diff: startEarlySideWorkers, restore: startEarlyRestoreWorkers }[name as string];
  const releaseEarlyWorkers = early ? await early(given) : null;
  try {
    return await runLine(given, name);
  } finally {
    await releaseEarlyWorkers?.();
  }
}

async function runLine(given: readonly string[], name: string | undefined): Promise<number> {
  let argv: readonly string[];
  try {
    argv = await inWholeNames(given, name);
  } catch (err) {
    const code = report(err, stderrReporter({ quiet: false, verbose: false }));
    // An option getopt would refuse (`--access=1`, an ambiguous `--a`) ends as yargs's
    // usage errors do: with the command's synopsis and where to read more.
    if (err instanceof PermsnapError && err.code === 'USAGE' && name !== undefined) {
      const module = await (COMMANDS[name] as { load: () => Promise<CommandModule> }).load();
      process.stderr.write(`${usageHint(name, `permsnap ${module.command}`)}\n`);
      if (name === 'diff' && wantsNagios(given)) return nagiosUnknown(err.message);
    }
    return code;
  }
  let brokenPipe = false;
  // Any other failure to write (a full disk under `> file`) is trouble, said once, never a crash.
  let outputError: Error | null = null;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') brokenPipe = true;
    else outputError ??= err;
  });
  const verbose = argv.includes('--verbose');
  const options = optionsPart(argv);
  // `snapshot --compat` says what getfacl says: every problem, no count of the rest.
  const shown = options.includes('--compat') ? Infinity : undefined;
  // Options are in getopt's separate words by now (inWholeNames): -qc is -q -c.
  const reporter = stderrReporter({ quiet: options.includes('--quiet') || options.includes('-q'), verbose, shown });
  try {
    const code = await runCommand(name, argv, reporter);
    // The last bytes may fail to write after the command is done with them. (Nothing is
    // written when nothing waits: an empty write to a full disk fails on its own.)
    if (process.stdout.writableLength > 0) await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    if (brokenPipe) return EXIT_SIGPIPE;
    if (outputError === null) return code;
    reporter.error(`standard output: ${systemReason(outputError)}`);
    return Math.max(code, 2);
  } catch (err) {
    return brokenPipe ? EXIT_SIGPIPE : report(err, reporter);
  } finally {
    reporter.finish();
  }
}

/**
 * The command line as getopt reads it: long options in whole names (long-options.ts), short
 * ones and option values in the words yargs reads alike (getopt-words.ts).
 */
async function inWholeNames(argv: readonly string[], name: string | undefined): Promise<readonly string[]> {
  // Shell completion hands over the word being typed: it is completed, not read.
  if (argv.includes('--get-yargs-completions')) return argv;
  const module = name === undefined ? undefined : await (COMMANDS[name] as { load: () => Promise<CommandModule> }).load();
  const table = { ...module?.options, ...GLOBAL_OPTIONS };
  return inGetoptWords(withWholeLongOptions(argv, table, new Set(module?.getoptNames)), table, name);
}

async function runCommand(name: string | undefined, argv: readonly string[], reporter: Reporter): Promise<number> {
  const chosen = name !== undefined ? COMMANDS[name] : undefined;
  const module = chosen ? await chosen.load() : undefined;
  const quick = module ? quickArgsFor(module, argv) : null;
  if (module && quick) {
    try {
      return (await module.handler(quick as never, optionsPart(argv), reporter)).exitCode;
    } catch (err) {
      if (!(err instanceof PermsnapError && err.code === 'USAGE')) throw err;
      // Said as yargs says a usage error, with the command's help: yargs reads the line
      // again and the command fails the same way, without running twice.
      return readWithYargs(name, module, argv, reporter, () => Promise.reject(err));
    }
  }
  return readWithYargs(name, module, argv, reporter, (args) => (module as CommandModule).handler(args as never, optionsPart(argv), reporter));
}

/** The command's arguments read by quick-args.ts with its options and the global ones, or null. */
function quickArgsFor(module: CommandModule, argv: readonly string[]): Record<string, unknown> | null {
  return quickArgs(module.command, { ...module.options, ...GLOBAL_OPTIONS }, argv);
}

/** The module of the command `argv` starts with (for the tests below). */
const commandOf = (argv: readonly string[]): Promise<CommandModule> => (COMMANDS[argv[0] as string] as { load: () => Promise<CommandModule> }).load();

/** The arguments yargs gives the command of `argv` (null when it refuses the line, said on stderr): for the test that holds quickArgs() to them. */
export async function yargsArgs(argv: readonly string[]): Promise<Record<string, unknown> | null> {
  let args: Record<string, unknown> | null = null;
  await readWithYargs(argv[0], await commandOf(argv), argv, stderrReporter({ quiet: true, verbose: false }), async (a) => ((args = a), { exitCode: 0 }));
  return args;
}

/** The quick arguments of `argv` (see quick-args.ts), for the same test. */
export async function quickArgsOf(argv: readonly string[]): Promise<Record<string, unknown> | null> {
  return quickArgsFor(await commandOf(argv), argv);
}

/**
 * A command's usage error ends with its synopsis and where to read more, as getfacl's does,
 * not with the whole help: 60 lines pushed the error itself off the screen. Without a
 * command, the help (the list of commands) is what helps.
 */
function usageHint(command: string, help: string): string {
  const synopsis = help.split('\n', 1)[0] as string;
  return `Usage: ${synopsis}\nTry 'permsnap ${command} --help' for more information.`;
}

/** Reads the command line with yargs and runs `run` on the command's arguments; usage errors are said here. */
async function readWithYargs(
  name: string | undefined, module: CommandModule | undefined, argv: readonly string[], reporter: Reporter,
  run: (args: Record<string, unknown>) => Promise<Outcome>,
): Promise<number> {
  const { default: yargs } = await import('yargs');
  let outcome: Outcome = { exitCode: 0 };
  let usage = '';
  // yargs asks for the current directory, which fails when it has been deleted; it only
  // looks for config files there, and permsnap has none.
  const y = yargs(hideOperands(argv), cwdIfPresent() ?? '/')
    .scriptName('permsnap')
    .parserConfiguration({ 'boolean-negation': false, 'strip-aliased': true, 'camel-case-expansion': false })
    .options(GLOBAL_OPTIONS)
    .strict()
    .demandCommand(1, 'Name a command')
    .exitProcess(false)
    .fail((message, err) => {
      // yargs-parser's own errors (an option without its value) come as an error: a usage error all the same.
      if (err && err.name !== 'YError') throw err;
      const context = { argv, command: name, operands: module?.command.split(' ').slice(1).join(' ') ?? '', commands: [...Object.keys(COMMANDS), 'completion'] };
      throw new PermsnapError('USAGE', usageText((err?.message ?? message).replaceAll(HIDDEN, ''), context));
    })
    // yargs offers each one-letter alias as a long option too (--n, --q, --j); a long option
    // is read by its prefix (long-options.ts), so `restore --n` would be --no-undo, not the
    // dry run -n: they are left out.
    .completion('completion', 'Print a bash/zsh completion script (permsnap completion >> ~/.bashrc)', (_current: string, _argv: unknown, completeByDefault: (then: (err: Error | null, words?: string[]) => void) => void, done: (words: string[]) => void) => {
      completeByDefault((_err, words) => done((words ?? []).filter((word) => !/^--[^-](:|$)/.test(word))));
    })
    .example('$0 snapshot /etc -o etc.facl', 'keep a baseline of /etc (root reads every file)')
    .example('$0 diff etc.facl /etc', 'what has changed since (exit 1 when something has)')
    .example('$0 restore etc.facl --root / --dry-run', 'what restoring it would change (without --dry-run: change it, undo journal kept)')
    .help()
    .alias('help', 'h')
    .version(ownVersion())
    .alias('version', 'v')
    .wrap(Math.min(100, process.stdout.columns ?? 100));
  const commandHelp = skipHelpCache(y);
  let helpOfCommand: string | undefined;
  for (const [commandName, entry] of Object.entries(COMMANDS)) {
    if (module && commandName === name) {
      y.command(module.command, module.describe, (b) => module.builder(b), async (args) => {
        try {
          outcome = await run(restoreOperands(onceEach(args, module.options)));
        } catch (err) {
          if (err instanceof PermsnapError && err.code === 'USAGE') helpOfCommand = commandHelp();
          throw err;
        }
      });
    } else {
      y.command(commandName, entry.describe);
    }
  }
  try {
    await y.parseAsync();
  } catch (err) {
    if (err instanceof PermsnapError && err.code === 'USAGE') {
      usage = helpOfCommand ?? (await y.getHelp());
      reporter.error(err.message.replaceAll(HIDDEN, ''));
      process.stderr.write(`${module ? usageHint(name as string, usage) : usage}\n`);
      if (name === 'diff' && wantsNagios(argv)) return nagiosUnknown(err.message);
      return 2;
    }
    throw err;
  }
  return outcome.exitCode;
}

/**
 * An option that takes one value, given more than once: yargs makes an array of the values,
 * which the command then took for a string (`--root A --root B` became a path of NULs,
 * `--ignore a --ignore b` an internal TypeError). Refused as a usage error, naming it: for a
 * restore as root, which --root was meant is not a guess to make.
 */
function onceEach(args: Record<string, unknown>, options: Record<string, Options>): Record<string, unknown> {
  for (const [name, option] of Object.entries(options)) {
    const repeatable = option.coerce !== undefined || option.array === true || option.type === 'array';
    if (!repeatable && option.type !== 'boolean' && Array.isArray(args[name])) {
      throw new PermsnapError('USAGE', `--${name} given more than once, expected it once`);
    }
  }
  return args;
}

/**
 * yargs renders the whole help text each time a command starts, in case it fails later:
 * about 40 ms, a tenth of a small snapshot. Without that cache, getHelp() renders the same
 * text when it is asked for (a usage error). Internal API: left alone if it is not there.
 */
function skipHelpCache(y: Argv): () => string | undefined {
  const internal = y as unknown as { getInternalMethods?: () => { getUsageInstance?: () => YargsUsage } };
  const usage = internal.getInternalMethods?.().getUsageInstance?.();
  if (!usage || typeof usage.cacheHelpMessage !== 'function' || typeof usage.help !== 'function') return () => undefined;
  usage.cacheHelpMessage = () => {};
  // While a command runs, its own options are in place: the help to show for its usage errors.
  return () => usage.help?.();
}

interface YargsUsage {
  cacheHelpMessage?: () => void;
  help?: () => string;
}

function report(err: unknown, reporter: Reporter): number {
  if (err instanceof PermsnapError) {
    reporter.error(err.located);
    if (reporter.verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    return 2;
  }
  const e = err as Error;
  reporter.error(reporter.verbose ? (e.stack ?? String(e)) : (e.message ?? String(e)));
  return 2;
}
