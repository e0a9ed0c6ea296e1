// `permsnap snapshot`: option wiring only. The work is snapshot() in src/snapshot.

import fs from 'node:fs';
import type { Argv, Options } from 'yargs';
import { PermsnapError } from '../../errors.js';
import type { MergedUsrChoice } from '../../archive/merged-usr.js';
import type { PrintOptions } from '../../format/getfacl-printer.js';
import { PATH_QUOTED, quote } from '../../format/quote.js';
import type { ArchiveOutputOptions, ArchiveSnapshotCounts } from '../../archive/snapshot-output.js';
import { atomicFileSink, stdoutSink, type ByteSink } from '../../output/byte-sink.js';
import { describeErrno } from '../../platform/libc.js';
import { displayString, fsPath, toByteString } from '../../platform/byte-path.js';
import { pseudoFilesystemDevices } from '../../platform/mounts.js';
import { snapshot } from '../../snapshot/snapshot.js';
import { lastOf } from '../effective-option.js';
import type { Outcome, Reporter } from '../outcome.js';
import { repeatable } from '../repeatable-option.js';
import { createProgress } from '../progress.js';
import { globsOf } from '../pattern-file.js';
import { checkJobs, checkNotEmpty, checkUtf8Path, jobsWithinLimit } from '../option-checks.js';
import { MAX_JOBS } from '../../threads/default-jobs.js';

export const command = 'snapshot [paths..]';
export const describe = 'Print the permissions of a tree in getfacl format (like getfacl -R, faster)';

/** getfacl's long options: an abbreviation that could also be one of permsnap's means getfacl's (`--all`). */
export const getoptNames = [
  'access', 'default', 'omit-header', 'all-effective', 'no-effective', 'skip-base', 'absolute-names', 'numeric',
  'logical', 'physical', 'one-file-system', 'recursive', 'help', 'version',
];

/** The command's options: the builder gives them to yargs, quickArgs() reads with them. */
export const options = {
  'from-tar': {
      type: 'string',
      requiresArg: true,
      describe:
        'Snapshot the tree inside a tar ARCHIVE instead of walking PATHs: modes, owners, ACLs and capabilities ' +
        'from its headers, as tar --acls --xattrs or bsdtar --acls --xattrs stored them. Plain, gzip, xz or zstd ' +
        '(told by content, not name); "-" reads stdin. Paths as getfacl -R prints them in the archive\'s root; ' +
        'symlinks are skipped, as getfacl -R skips them',
    },
  'from-deb': {
      type: 'string',
      array: true,
      requiresArg: true,
      describe:
        'Snapshot the tree that Debian packages install instead of walking PATHs: the data archives of the .deb ' +
        'files, merged into one baseline rooted at / (paths like usr/bin/passwd; restore it with --root /). ' +
        'A later package wins a path given twice; directories the packages disagree on are reported. Install ' +
        'scripts that set permissions themselves (chmod, chown, setcap, dpkg-statoverride) are reported: the ' +
        'baseline cannot know what they set',
    },
  'merged-usr': {
      choices: ['auto', 'yes', 'no'] as const,
      default: 'auto',
      describe:
        'With --from-deb: write bin/, sbin/ and lib*/ paths as usr/... (and leave out those top-level directories), ' +
        'as they are on a merged-/usr host (Debian 12 and later). auto: as this host is (/bin a symlink to usr/bin)',
    },
  statoverride: {
      type: 'string',
      requiresArg: true,
      describe: 'With --from-deb: apply this dpkg-statoverride database over the packages (the live one is /var/lib/dpkg/statoverride)',
    },
  output: { alias: 'o', type: 'string', describe: 'Write to FILE atomically (gzip when it ends in .gz); - is stdout' },
  format: { choices: ['getfacl', 'json'] as const, default: 'getfacl', describe: 'getfacl text, or JSON Lines' },
  compat: { type: 'boolean', default: false, describe: 'Exactly what getfacl -R prints: no permsnap comments, all filesystems' },
  sort: { type: 'boolean', default: false, describe: 'Siblings in byte order (stable baselines) instead of readdir order' },
  exclude: repeatable('Leave out paths matching GLOB, and all beneath (repeatable)'),
  'exclude-from': repeatable('Read exclude globs from FILE, one per line, # lines ignored (repeatable)'),
  'all-filesystems': { type: 'boolean', default: false, describe: 'Enter /proc, /sys and other pseudo filesystems too' },
  jobs: { alias: 'j', type: 'number', describe: `Worker threads (1 to ${MAX_JOBS}; default: one per core, at most 8; 1: no workers)` },
  access: { alias: 'a', type: 'boolean', describe: 'Print the access ACL only' },
  default: { alias: 'd', type: 'boolean', describe: 'Print the default ACL only' },
  'omit-header': { alias: 'c', type: 'boolean', describe: 'Omit the # file/owner/group/flags header' },
  'all-effective': { alias: 'e', type: 'boolean', describe: 'Print all #effective rights comments' },
  'no-effective': { alias: 'E', type: 'boolean', describe: 'Print no #effective rights comments' },
  'skip-base': { alias: 's', type: 'boolean', describe: 'Skip files with only the base ACL entries' },
  'absolute-names': { alias: 'p', type: 'boolean', describe: "Keep leading '/' in path names" },
  numeric: { alias: 'n', type: 'boolean', describe: 'Print numeric user and group ids' },
  logical: { alias: 'L', type: 'boolean', describe: 'Follow all symbolic links' },
  physical: { alias: 'P', type: 'boolean', describe: 'Follow no symbolic links, not even arguments' },
  'one-file-system': { type: 'boolean', describe: 'Skip entries on other filesystems than their argument' },
  recursive: { alias: 'R', type: 'boolean', describe: 'Accepted for getfacl compatibility (always recursive)' },
} satisfies Record<string, Options>;

export function builder(y: Argv): Argv {
  return y
    .positional('paths', { describe: 'Files and directories to walk ("-" reads paths from stdin)', type: 'string', array: true })
    .options(options)
    .example('$0 snapshot /etc -o etc.facl', 'baseline of /etc, with permsnap markers and capabilities')
    .example('$0 snapshot --compat -p /srv > srv.facl', 'byte-identical to getfacl -R -p /srv')
    .example('$0 snapshot --from-tar rootfs.tar.zst --sort -o baseline.facl', 'a baseline from an image archive: no healthy twin host needed')
    .example('$0 snapshot --from-deb /var/cache/apt/archives/*.deb --statoverride /var/lib/dpkg/statoverride --sort -o pkgs.facl', 'a baseline from the packages themselves')
    .example('$0 snapshot / --sort --exclude /home -o /var/backups/perms.facl.gz', 'a sorted, compressed baseline of a host')
    .example('setfacl --restore=etc.facl', 'the output is what setfacl --restore reads');
}

export interface SnapshotArgs {
  paths?: string[];
  'from-tar'?: string;
  'from-deb'?: string[];
  statoverride?: string;
  'merged-usr': MergedUsrChoice;
  output?: string;
  format: 'getfacl' | 'json';
  compat: boolean;
  sort: boolean;
  exclude: string[];
  'exclude-from': string[];
  'all-filesystems': boolean;
  jobs?: number;
  access?: boolean;
  default?: boolean;
  'omit-header'?: boolean;
  'all-effective'?: boolean;
  'no-effective'?: boolean;
  'skip-base'?: boolean;
  'absolute-names'?: boolean;
  numeric?: boolean;
  'one-file-system'?: boolean;
}

export async function handler(args: SnapshotArgs, raw: readonly string[], reporter: Reporter): Promise<Outcome> {
  checkNotEmpty('--output', args.output, 'a FILE');
  checkUtf8Path('--output', args.output === undefined ? undefined : toByteString(args.output));
  if (args['from-tar'] !== undefined && args['from-deb'] !== undefined) throw new PermsnapError('USAGE', 'give --from-tar or --from-deb, not both');
  if (args.statoverride !== undefined && args['from-deb'] === undefined) throw new PermsnapError('USAGE', '--statoverride applies to --from-deb only');
  // Given, not defaulted ('auto'): the raw arguments say (long options in whole names by now).
  const mergedUsrGiven = raw.some((a) => a === '--merged-usr' || a.startsWith('--merged-usr='));
  if (mergedUsrGiven && args['from-deb'] === undefined) throw new PermsnapError('USAGE', '--merged-usr applies to --from-deb only');
  if (args.compat && args.format === 'json') throw new PermsnapError('USAGE', "--compat prints getfacl's text, not --format json: give one of them");
  // JSON always holds both ACLs and no comments: these would be ignored, and the output not what was asked.
  const textOnly = (['access', 'default', 'omit-header', 'all-effective', 'no-effective'] as const).filter((o) => args[o]);
  if (args.format === 'json' && textOnly.length > 0) {
    throw new PermsnapError('USAGE', `--${textOnly[0]} shapes getfacl's text, not --format json (JSON holds both ACLs, no comments)`);
  }
  if (args['from-tar'] !== undefined) return fromTar(args['from-tar'], args, raw, reporter);
  if (args['from-deb'] !== undefined) return fromDeb(args['from-deb'], args, raw, reporter);
  if ((args.paths ?? []).length === 0) throw new PermsnapError('USAGE', 'snapshot needs at least one PATH');
  checkJobs(args.jobs, raw);
  const exclude = excludeGlobs(args);
  const { paths, stdinProblems, stdinEnds } = expandStdinPaths((args.paths ?? []).map(toByteString));
  const symlinks = lastOf(raw, 'LP');
  if (!args.compat && !args['all-filesystems']) sayNotEntered(paths, symlinks === 'P', reporter);
  const { sink, endCleanup } = outputSink(args.output);
  // --compat adds nothing to what getfacl says, on stderr either.
  const progress = createProgress(!reporter.quiet && !args.compat);
  try {
    const result = await snapshot(paths, sink, {
      compat: args.compat,
      allFilesystems: args['all-filesystems'],
      format: args.format,
      sorted: args.sort,
      exclude,
      // --compat adds nothing to what getfacl says: lowered without a word.
      jobs: jobsWithinLimit(args.jobs, (line) => !args.compat && reporter.info(line)),
      oneFileSystem: args['one-file-system'] ?? false,
      skipBase: args['skip-base'] ?? false,
      stripLeadingSlash: !args['absolute-names'],
      symlinks: symlinks === 'L' ? 'logical' : symlinks === 'P' ? 'physical' : 'toplevel',
      print: printOptions(args, raw),
      onProblem: (p) => reporter.problem(`${quote(p.path, PATH_QUOTED)}: ${p.errno ? describeErrno(p.errno) : p.message}`),
      onAbsolute: () => leadingSlashNotice(args, reporter),
      // Where getfacl finds it: once the paths read from stdin are walked.
      beforeArgument: (i) => {
        if (i === stdinEnds) stdinProblems.forEach((problem) => reporter.problem(problem));
      },
      onProgress: (n, path) => progress.update(n, path),
    });
    progress.done();
    const failed = result.problems > 0 || stdinProblems.length > 0;
    if (writesFile(args.output) && failed && result.entries === 0) {
      // Nothing could be read (a mistyped PATH): an empty file put in place of a good
      // baseline would pass for a snapshot of nothing, and diff against it would call
      // every path extra.
      await sink.abort();
      reporter.error(`${args.output}: not written: no path could be read`);
      return { exitCode: 1 };
    }
    // None for another reason is what getfacl gives (`-P symlink`, an empty stdin list, -s
    // of a tree without ACLs: exit 0, to -o too); --compat writes what getfacl writes.
    if (!args.compat && result.entries === 0 && result.allExcluded) return refuseEmpty(args, sink, reporter, 'no path was recorded: --exclude left out every one');
    await sink.commit();
    // A directory that could not be listed is itself in the snapshot: only what it holds is not.
    // The summary: printed with --quiet too, as its help says.
    if (result.problems > 0 && !args.compat) reporter.warn(`${result.problems} problem(s) reading the tree (above): the snapshot lacks what could not be read`);
    return { exitCode: failed ? 1 : 0 };
  } catch (err) {
    progress.done();
    await sink.abort();
    throw err;
  } finally {
    endCleanup();
  }
}

const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Whether FILE is this process's own stdout, and no file to replace: `-o /dev/stdout` on a
 * pipe, a terminal, or the socket a parent process gives (which cannot be opened again by
 * name: ENXIO). Written to as stdout is.
 */
function namesStdout(output: string): boolean {
  try {
    const named = fs.statSync(output);
    const stdout = fs.fstatSync(1);
    return !named.isFile() && named.dev === stdout.dev && named.ino === stdout.ino;
  } catch {
    return false;
  }
}

/**
 * -o FILE (atomically) or stdout. A run ended by a signal must leave no partial -o file
 * behind either: the temp file goes, then the signal takes its usual course (the shell
 * sees 130 for Ctrl-C). The listeners come first: a signal between the temp file's
 * creation and theirs would leave it. endCleanup() stops listening.
 */
/** Whether -o names a file to write: "-" is stdout, as restore's and diff's "-" is stdin (a file of that name: -o ./-). */
function writesFile(output: string | undefined): output is string {
  return output !== undefined && output !== '-' && !namesStdout(output);
}

function outputSink(output: string | undefined): { sink: ByteSink; endCleanup: () => void } {
  if (!writesFile(output)) return { sink: stdoutSink(), endCleanup: () => {} };
  let sink: ByteSink | undefined;
  const endCleanup = (): void => {
    for (const s of ENDING_SIGNALS) process.removeListener(s, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    sink?.discard?.();
    endCleanup();
    process.kill(process.pid, signal);
  };
  for (const s of ENDING_SIGNALS) process.on(s, onSignal);
  try {
    sink = atomicFileSink(output);
  } catch (err) {
    endCleanup();
    throw err;
  }
  return { sink, endCleanup };
}

function excludeGlobs(args: SnapshotArgs): string[] {
  return globsOf('--exclude', args.exclude, args['exclude-from']);
}

function printOptions(args: SnapshotArgs, raw: readonly string[]): Partial<PrintOptions> {
  const both = !args.access && !args.default;
  const effective = lastOf(raw, 'eE');
  return {
    access: both || (args.access ?? false),
    default: both || (args.default ?? false),
    comments: !args['omit-header'],
    effective: effective === 'e' ? 'all' : effective === 'E' ? 'none' : 'some',
    smartIndent: !writesFile(args.output) && process.stdout.isTTY === true,
    names: !args.numeric,
  };
}

/** The walking options have no meaning for an archive: refused, naming the option. */
function checkArchiveArgs(option: string, args: SnapshotArgs, raw: readonly string[]): void {
  if ((args.paths ?? []).length > 0) {
    throw new PermsnapError('USAGE', `${option} reads the tree from ARCHIVE: give it without PATH operands`);
  }
  const walkOnly: Array<[boolean, string]> = [
    [args.jobs !== undefined, '--jobs'],
    [lastOf(raw, 'LP') === 'L', '--logical (-L)'],
    [args['one-file-system'] === true, '--one-file-system'],
    [args['all-filesystems'], '--all-filesystems'],
  ];
  const misplaced = walkOnly.find(([given]) => given);
  if (misplaced) throw new PermsnapError('USAGE', `${misplaced[1]} applies to walking PATHs, not to ${option}`);
}

/** The output options --from-tar and --from-deb share with a live snapshot. */
function archiveOutput(args: SnapshotArgs, raw: readonly string[], reporter: Reporter, progress: ReturnType<typeof createProgress>): ArchiveOutputOptions {
  return {
    compat: args.compat,
    format: args.format,
    sorted: args.sort,
    exclude: excludeGlobs(args),
    skipBase: args['skip-base'] ?? false,
    stripLeadingSlash: !args['absolute-names'],
    print: printOptions(args, raw),
    onProblem: (p) => reporter.problem(`${quote(p.path, PATH_QUOTED)}: ${p.message}`),
    onAbsolute: () => leadingSlashNotice(args, reporter),
    onProgress: (n, path) => progress.update(n, path),
  };
}

/**
 * A snapshot that recorded no block because every path was excluded, or of an empty archive,
 * is no baseline: diff refuses it (against it every path would be extra). It exits 1, said,
 * and -o is left as it was (an empty file must not take a good baseline's place); on stdout,
 * `snapshot ... > base.facl` in CI must not pass.
 */
async function refuseEmpty(args: SnapshotArgs, sink: ByteSink, reporter: Reporter, why: string): Promise<Outcome> {
  await sink.abort();
  reporter.error(writesFile(args.output) ? `${args.output}: not written: ${why}` : `the snapshot is empty: ${why}`);
  return { exitCode: 1 };
}

/**
 * Runs an archive snapshot into -o (atomically) or stdout; exit 1 when members were left
 * out, or when no block at all was recorded (refuseEmpty), but for -s leaving out members
 * without ACLs, which is what it gives of a live tree too (exit 0).
 */
async function writeArchiveSnapshot(
  args: SnapshotArgs,
  reporter: Reporter,
  work: (sink: ByteSink, progress: ReturnType<typeof createProgress>) => Promise<ArchiveSnapshotCounts>,
): Promise<Outcome> {
  const { sink, endCleanup } = outputSink(args.output);
  const progress = createProgress(!reporter.quiet);
  try {
    const result = await work(sink, progress);
    progress.done();
    if (result.entries === 0 && result.skippedAsBase === 0) {
      // Members also go unrecorded as symlinks (no block) or problems: how many --exclude left out is said, not that it left out all.
      const excluded = result.excluded > 0 ? ` (--exclude left out ${result.excluded})` : '';
      return refuseEmpty(args, sink, reporter, `no member of the archive was recorded${excluded}`);
    }
    await sink.commit();
    if (result.problems > 0) reporter.info(`${result.problems} member(s) of the archive could not be read; the snapshot lacks them`);
    return { exitCode: result.problems > 0 ? 1 : 0 };
  } catch (err) {
    progress.done();
    await sink.abort();
    throw err;
  } finally {
    endCleanup();
  }
}

/** `--from-tar ARCHIVE`: the same output options; the walking ones have no meaning there. */
async function fromTar(archive: string, args: SnapshotArgs, raw: readonly string[], reporter: Reporter): Promise<Outcome> {
  checkArchiveArgs('--from-tar', args, raw);
  // Loaded only here: tar-stream and the decompressors cost every live snapshot nothing.
  const { snapshotTar } = await import('../../archive/tar-snapshot.js');
  return writeArchiveSnapshot(args, reporter, (sink, progress) => snapshotTar(archive, sink, archiveOutput(args, raw, reporter, progress)));
}

/** `--from-deb PKG.deb...`: one baseline of what the packages install, statoverrides applied. */
async function fromDeb(debs: string[], args: SnapshotArgs, raw: readonly string[], reporter: Reporter): Promise<Outcome> {
  checkArchiveArgs('--from-deb', args, raw);
  if (debs.length === 0) throw new PermsnapError('USAGE', '--from-deb needs at least one PKG.deb');
  if (debs.filter((d) => d === '-').length > 1) throw new PermsnapError('USAGE', '--from-deb can read stdin ("-") once');
  const { snapshotDebs } = await import('../../archive/deb-snapshot.js');
  const { resolveMergedUsr } = await import('../../archive/merged-usr.js');
  return writeArchiveSnapshot(args, reporter, async (sink, progress) => {
    const result = await snapshotDebs(debs, sink, {
      ...archiveOutput(args, raw, reporter, progress),
      statoverride: args.statoverride,
      mergedUsr: resolveMergedUsr(args['merged-usr']),
      onDisagreement: (d) =>
        reporter.warn(
          `${displayString(quote(d.path, PATH_QUOTED))}: packages disagree on this directory: ${d.first.pkg} ships ${d.first.state}, ` +
            `${d.later.pkg} ships ${d.later.state}; the baseline has ${d.later.pkg}'s`,
        ),
      onScripts: (pkg, findings) =>
        reporter.warn(
          `${pkg}: ${findings.map((f) => `${f.script} names ${f.commands.join(', ')}`).join('; ')}: ` +
            'permissions set by maintainer scripts are not in the baseline',
        ),
      onUnshipped: (o) => reporter.warn(`${args.statoverride}:${o.line}: ${displayString(quote(o.path, PATH_QUOTED))}: no given package ships this path; override left out`),
    });
    progress.done();
    reporter.info(`${result.packages} package(s), ${result.entries} entries, ${result.overridden} statoverride(s) applied`);
    return result;
  });
}

/**
 * getfacl reads more paths from stdin, one per line, where an argument is "-": the first
 * "-" reads it to its end, a later one finds nothing more. As its next_line() does, CRs and
 * LFs that end a line are cut and empty lines skipped. Read as bytes (latin1: one char per
 * byte), so a name that is not UTF-8 stays exact. A read that fails (stdin a directory, or
 * closed) is getfacl's "Standard input: REASON", said where the stdin paths end (stdinEnds);
 * the other paths are still walked. So is a line with a NUL byte (a list from `find
 * -print0`), which no path holds: refused, where getfacl joins what comes before the NUL
 * to the next line, and walks a path nobody named.
 */
function expandStdinPaths(paths: string[]): { paths: string[]; stdinProblems: string[]; stdinEnds: number } {
  if (!paths.includes('-')) return { paths, stdinProblems: [], stdinEnds: -1 };
  let text = '';
  const stdinProblems: string[] = [];
  try {
    text = fs.readFileSync(0, 'latin1');
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).errno;
    stdinProblems.push(`Standard input: ${errno === undefined ? (err as Error).message : describeErrno(Math.abs(errno))}`);
  }
  const lines: string[] = [];
  let withNul = 0;
  text.split('\n').forEach((read, i) => {
    const line = read.replace(/\r+$/, '');
    if (!line.includes('\0')) {
      if (line !== '') lines.push(line);
    } else if (++withNul <= MAX_NUL_LINES_SAID) {
      stdinProblems.push(`Standard input:${i + 1}: a NUL byte in the line, expected one path per line (a list from find -print0? give find -print's): skipped`);
    }
  });
  if (withNul > MAX_NUL_LINES_SAID) stdinProblems.push(`Standard input: ${withNul - MAX_NUL_LINES_SAID} more line(s) with a NUL byte: skipped`);
  const first = paths.indexOf('-');
  const expanded = [...paths.slice(0, first), ...lines, ...paths.slice(first + 1).filter((p) => p !== '-')];
  return { paths: expanded, stdinProblems, stdinEnds: first + lines.length };
}

/** Lines with a NUL byte said one by one, at most: a -print0 list of a big tree is one line, or a few. */
const MAX_NUL_LINES_SAID = 20;

/**
 * A PATH that is a directory on a pseudo filesystem is recorded, not entered: said, since
 * it was asked for by name (a mount point met on the way is expected, and not said).
 */
function sayNotEntered(paths: readonly string[], physical: boolean, reporter: Reporter): void {
  const pseudo = pseudoFilesystemDevices();
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = physical ? fs.lstatSync(fsPath(p)) : fs.statSync(fsPath(p));
    } catch {
      continue; // the walk says what is wrong with it
    }
    if (st.isDirectory() && pseudo.has(st.dev)) reporter.info(`${quote(p, PATH_QUOTED)}: on a pseudo filesystem: recorded, not entered (--all-filesystems enters it)`);
  }
}

/**
 * getfacl's notice for absolute arguments: part of what --compat reproduces, so it is said
 * then even with -q; otherwise a notice, which -q silences.
 */
function leadingSlashNotice(args: { compat: boolean }, reporter: Reporter): void {
  const notice = "Removing leading '/' from absolute path names";
  if (args.compat) reporter.error(notice);
  else reporter.info(notice);
}
