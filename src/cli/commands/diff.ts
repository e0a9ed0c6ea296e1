// `permsnap diff`: option wiring only. The work is diff() in src/diff.

import type { Argv, Options } from 'yargs';
import { PermsnapError } from '../../errors.js';
import { diff, type DiffFormat } from '../../diff/diff.js';
import { nagiosUnknownLine } from '../../diff/nagios-text.js';
import { PATH_QUOTED, quote } from '../../format/quote.js';
import { stdoutSink } from '../../output/byte-sink.js';
import type { Outcome, Reporter } from '../outcome.js';
import { repeatable } from '../repeatable-option.js';
import { globsOf } from '../pattern-file.js';
import { fieldList } from '../option-checks.js';
import { PERMISSION_FIELDS } from '../../model/field.js';

export const command = 'diff <before> <after>';
export const describe = 'Show what differs between two snapshots or a snapshot and a live tree (exit 1 on differences)';

/** The command's options: the builder gives them to yargs, quickArgs() reads with them. */
export const options = {
  format: { choices: ['text', 'json', 'getfacl', 'nagios'] as const, default: 'text', describe: 'text for people, json for CI, getfacl: the BEFORE blocks of modified paths (a restore file), nagios: one status line' },
  exclude: repeatable('Leave out paths matching GLOB, and all beneath (repeatable)'),
  'exclude-from': repeatable('Read exclude globs from FILE, one per line, # lines ignored (repeatable)'),
  ignore: { type: 'string', describe: `Fields not to compare, comma-separated: ${PERMISSION_FIELDS.join(',')}` },
  numeric: { alias: 'n', type: 'boolean', default: false, describe: "Compare ids instead of names (names resolved through this host's NSS)" },
} satisfies Record<string, Options>;

export function builder(y: Argv): Argv {
  return y
    .positional('before', { describe: 'The healthy side: snapshot file (.gz, "-" for stdin), tar archive, .deb or directory', type: 'string' })
    .positional('after', { describe: 'The side to check: snapshot file, tar archive, .deb or directory (walked as `permsnap snapshot DIR` would)', type: 'string' })
    .options(options)
    .example('$0 diff healthy.facl /', 'what the damage is on this host')
    .example('$0 diff healthy.facl / --format getfacl > fix.facl; [ $? -eq 1 ] && $0 restore fix.facl --root /', 'repair exactly the damage (diff exits 1 on drift)')
    .example('$0 diff ci/perms.facl build/rootfs.tar.gz --format json > drift.json', 'a CI drift check of an image')
    .example('$0 diff /var/lib/permsnap/baselines/latest.facl.gz / --exclude-from /etc/permsnap/excludes --format nagios', 'a Nagios/Icinga check against the newest daily baseline');
}

interface DiffArgs {
  before: string;
  after: string;
  format: DiffFormat;
  exclude: string[];
  'exclude-from': string[];
  ignore?: string;
  numeric: boolean;
}

const NAGIOS_UNKNOWN = 3;
const NAGIOS_CRITICAL = 2;

export async function handler(args: DiffArgs, _raw: readonly string[], reporter: Reporter): Promise<Outcome> {
  try {
    const ignore = fieldList('--ignore', args.ignore, PERMISSION_FIELDS);
    if (args.before === '-' && args.after === '-') throw new PermsnapError('USAGE', 'only one side can be standard input');
    const exclude = globsOf('--exclude', args.exclude, args['exclude-from']);
    const result = await diff(args.before, args.after, stdoutSink(), {
      format: args.format,
      numeric: args.numeric,
      exclude,
      ignore,
      // no-color.org: NO_COLOR counts when it is set and not empty.
      colour: args.format === 'text' && process.stdout.isTTY === true && !process.env.NO_COLOR,
      onProblem: (path, message) => reporter.problem(`${quote(path, PATH_QUOTED)}: ${message}`),
      onWarning: (message) => reporter.warn(message),
    });
    if (result.paths > 0 && result.common === 0 && result.extra > 0) {
      // Nothing matched: more likely sides named from different places than a tree replaced whole.
      reporter.warn(`no path is on both sides: are they named from the same place? (a snapshot of "tree" names tree/a; one taken inside it, ./a: compare it from there, with "."; see the README)`);
    }
    const differs = result.modified + result.missing + result.extra > 0;
    if (args.format === 'nagios') return { exitCode: differs ? NAGIOS_CRITICAL : result.problems > 0 ? NAGIOS_UNKNOWN : 0 };
    if (result.problems > 0) return { exitCode: 2 };
    return { exitCode: differs ? 1 : 0 };
  } catch (err) {
    if (args.format !== 'nagios') throw err;
    // The monitoring-plugin convention: trouble is UNKNOWN (3), said on stdout.
    process.stdout.write(nagiosUnknownLine(err instanceof PermsnapError ? err.located : (err as Error).message));
    return { exitCode: NAGIOS_UNKNOWN };
  }
}
