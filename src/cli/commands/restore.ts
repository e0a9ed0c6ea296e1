// `permsnap restore`: option wiring and the summary. The work is restore() in src/restore.

import fs from 'node:fs';
import path from 'node:path';
import type { Argv, Options } from 'yargs';
import { PermsnapError } from '../../errors.js';
import { CONTROL_QUOTED, PATH_QUOTED, quote } from '../../format/quote.js';
import { openOperand, operandBytes, readOperandBatches, snapshotForPieces } from '../../archive/read-operand.js';
import { journalFirstLine, journalRootOf, MAX_FIRST_LINE, PARSE_CHUNK, snapshotHead, snapshotTextHead, type SnapshotFile, type SnapshotInfo, type SnapshotText } from '../../format/read-snapshot.js';
import { currentDirectory, displayString, fsPath, messageText, toByteString, unnamedCurrentDirectory } from '../../platform/byte-path.js';
import { forceFallbacks } from '../../platform/safe-ops.js';
import { chooseResolver, type IdSource } from '../../restore/id-resolver.js';
import { MIN_PIECED } from '../../restore/look-pieces.js';
import { restoreJobs } from '../../restore/descriptor-budget.js';
import { restore, type RestoreSummary } from '../../restore/restore.js';
import { journalTimestamp, UndoJournal } from '../../restore/undo-journal.js';
import { formatChange } from '../change-text.js';
import { createProgress } from '../progress.js';
import type { Outcome, Reporter } from '../outcome.js';
import { repeatable } from '../repeatable-option.js';
import { globsOf } from '../pattern-file.js';
import { MAX_JOBS } from '../../threads/default-jobs.js';
import { checkJobs, checkNotEmpty, checkUtf8Path, fieldList, jobsWithinLimit } from '../option-checks.js';
import { shellWord } from '../shell-word.js';
import { endAtOnceWhenDone } from '../process-end.js';
import { exitAtOnce } from '../../platform/libc.js';
import { PERMISSION_FIELDS } from '../../model/field.js';

export const command = 'restore <snapshot>';
export const describe = 'Apply a snapshot: owners, modes, ACLs, capabilities; symlink-safe, with an undo journal';

/** The command's options: the builder gives them to yargs, quickArgs() reads with them. */
export const options = {
  root: { type: 'string', describe: 'Resolve recorded paths beneath DIR (default: relative paths beneath the current directory, absolute ones beneath /)' },
  'dry-run': { alias: 'n', type: 'boolean', default: false, describe: 'Print what would change (path, field, before -> after); change nothing' },
  jobs: { alias: 'j', type: 'number', describe: `Threads that look at and change paths (1 to ${MAX_JOBS}; default: one per core, at most 8)` },
  undo: { type: 'string', describe: 'Write the undo journal to FILE, which must not exist (default: a new file under ROOT/var/lib/permsnap/undo/ when --root is not / and that place is writable and safe, else /var/lib/permsnap/undo/ as root, else $XDG_STATE_HOME/permsnap/undo/ (~/.local/state/permsnap/undo/); see the README)' },
  'no-undo': { type: 'boolean', default: false, describe: 'Keep no undo journal' },
  exclude: repeatable('Leave paths matching GLOB (and all beneath) alone (repeatable)'),
  'exclude-from': repeatable('Read exclude globs from FILE, one per line, # lines ignored (repeatable)'),
  only: repeatable('Restore only paths matching GLOB (and all beneath) (repeatable)'),
  ignore: { type: 'string', describe: `Fields to leave alone, comma-separated: ${PERMISSION_FIELDS.join(',')}` },
  'ids-from': { choices: ['nss', 'root'] as const, describe: "Resolve names through this host's NSS (nss), or ROOT/etc/passwd and ROOT/etc/group (root; the default when --root is not / itself and has both files)" },
  'force-fallbacks': { type: 'boolean', default: false, hidden: true, describe: 'Use the pre-6.6 kernel code paths (tests)' },
} satisfies Record<string, Options>;

export function builder(y: Argv): Argv {
  return y
    .positional('snapshot', { describe: 'getfacl-format snapshot (permsnap\'s or getfacl\'s, .gz, "-" for stdin), or a tar archive or .deb whose members become the snapshot', type: 'string' })
    .options(options)
    .example('$0 restore healthy.facl --root / --dry-run', 'see what would change')
    .example('$0 restore healthy.facl --root /mnt', 'repair a system mounted under a rescue system')
    .example('$0 restore JOURNAL --root /mnt', 'undo it (JOURNAL: the file its summary names)');
}

interface RestoreArgs {
  snapshot: string;
  root?: string;
  'dry-run': boolean;
  undo?: string;
  'no-undo': boolean;
  exclude: string[];
  'exclude-from': string[];
  only: string[];
  ignore?: string;
  'ids-from'?: IdSource;
  'force-fallbacks': boolean;
  jobs?: number;
}

/**
 * Where to stand when the current directory cannot be named (deleted, deeper than
 * PATH_MAX, unreachable from /): nowhere, unless an absolute --root says where the
 * snapshot's paths go (the current directory is then not used).
 */
function unnamedDirectory(root: string | undefined): string {
  if (root === undefined || !root.startsWith('/')) {
    throw new PermsnapError('USAGE', `the current directory cannot be named (${unnamedCurrentDirectory()}): give an absolute --root, beneath which the snapshot's paths are restored`);
  }
  return '/';
}

/**
 * --root made absolute (against the current directory's bytes). Restore itself takes any
 * bytes, but the journal and the id files beneath the root are opened through node:fs by
 * name, so a root that is not UTF-8 is refused, with a way around it, rather than missed.
 */
function resolveRoot(given: string | undefined, cwd: string): string | undefined {
  if (given === undefined) return undefined;
  const bytes = path.posix.resolve(cwd, toByteString(given));
  checkUtf8Path('--root', bytes);
  return displayString(bytes);
}

function checkRoot(root: string | undefined): void {
  if (root === undefined) return;
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch (err) {
    throw new PermsnapError('USAGE', `--root ${root}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message}`);
  }
  if (!st.isDirectory()) throw new PermsnapError('USAGE', `--root ${root}: not a directory`);
}

/**
 * An undo journal is applied as it is: one another user wrote, or could have changed, is
 * refused. After `chmod -R a+rwx /` anyone can rename /var away and put a journal of their
 * own where the undo command looks (a setuid-root file of theirs in it). A journal is told
 * by its first line, gzip or not, and by its place: a file in a permsnap/undo/ directory
 * (where the journals go by default) is one even without that line, which its writer could
 * have left out. Judged by the descriptor the restore then reads (`opened`): a file renamed
 * over the name since is not the one read; or, before it is opened (null), a FIFO or a
 * device by the name's stat and place alone. A FIFO is judged by its place alone (its
 * first line, read here, would be gone for the reader).
 */
async function checkJournalWriter(operand: string, opened: number | null): Promise<void> {
  if (operand === '-') return;
  // Named as the reader names it (read-operand.ts): an argument that is not UTF-8 is its bytes.
  const file = fsPath(toByteString(operand));
  let st: fs.Stats;
  try {
    st = opened === null ? fs.statSync(file) : fs.fstatSync(opened);
  } catch {
    return; // said as it is opened
  }
  // Before the open, only what the open may wait on (a FIFO): a regular file is judged by its descriptor.
  if (opened === null && st.isFile()) return;
  // In a journal's place by any account makes it a journal: the path as given (a directory
  // on the way swapped for a symlink since the undo command was printed), where that path
  // leads (symlinks and `..` followed), and where the file opened is now. Another user who
  // renames their file in and out of the name decides where it is at each of these moments,
  // not which directory was named.
  const places = [
    () => path.resolve(toByteString(operand)),
    () => fs.realpathSync.native(file, { encoding: 'buffer' }).toString('latin1'),
    () => (opened === null ? '' : fs.readlinkSync(`/proc/self/fd/${opened}`, { encoding: 'buffer' }).toString('latin1')),
  ];
  const inJournalPlace = places.some((place) => isUndoDirectory(directoryOf(place)));
  if (!inJournalPlace && !(opened !== null && st.isFile() && (await startsAsJournal(opened, operand)))) return;
  refuseOtherWriter(st, shown(toByteString(operand)), inJournalPlace);
}

/**
 * "-" redirected from a file (`< FILE`), judged as FILE named is: by where it is, and by its
 * first line from where the reader starts (the descriptor's offset). A pipe has neither
 * (QA helper-134: another user's journal read as `- < FILE` was applied, named it was refused).
 */
async function checkStandardInputJournal(): Promise<void> {
  let st: fs.Stats;
  let where = '';
  try {
    st = fs.fstatSync(0);
    where = fs.readlinkSync('/proc/self/fd/0', { encoding: 'buffer' }).toString('latin1');
  } catch {
    return; // a closed stdin, or no /proc: the reader says what it finds
  }
  if (!st.isFile() && !st.isFIFO()) return;
  const inJournalPlace = where.startsWith('/') && isUndoDirectory(path.dirname(where));
  if (!inJournalPlace && !(st.isFile() && (await startsAsJournal(0, '-', readOffset(0))))) return;
  refuseOtherWriter(st, `standard input (${shown(where)})`, inJournalPlace);
}

/** Where the next read of `fd` starts (its offset; /proc/self/fdinfo says). */
function readOffset(fd: number): number {
  try {
    return Number(/^pos:\s*(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Refuses a journal (or a file in a journal's place) another user owns or others can write. */
function refuseOtherWriter(st: fs.Stats, name: string, inJournalPlace: boolean): void {
  const euid = process.geteuid?.() ?? st.uid;
  if (st.uid !== euid || (st.mode & 0o022) !== 0) {
    const why = st.uid !== euid ? `owned by uid ${st.uid}, not by this user` : 'writable by others';
    const what = inJournalPlace ? 'in an undo journal directory, a file' : 'an undo journal';
    throw new PermsnapError('IO', `${name}: ${what} ${why}: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)`);
  }
}

/** The directory (a byte string) of the path `located` gives, or '' when it cannot (a name renamed away meanwhile). */
function directoryOf(located: () => string): string {
  try {
    return path.dirname(located());
  } catch {
    return '';
  }
}

/** Whether `dir` (a byte string) is where undo journals go by default: .../permsnap/undo. */
const isUndoDirectory = (dir: string): boolean => path.basename(dir) === 'undo' && path.basename(path.dirname(dir)) === 'permsnap';

/** Whether the opened file's text (gunzipped, as the reader does) starts with an undo journal's first line, as the reader tells one (blanks before it included). */
async function startsAsJournal(fd: number, operand: string, start = 0): Promise<boolean> {
  try {
    return journalFirstLine(await snapshotTextHead(operandBytes(fd, PARSE_CHUNK, start), operand, MAX_FIRST_LINE)) !== null;
  } catch {
    return false; // corrupt gzip: the reader refuses it
  }
}

/** Where a run is, for a signal: reading the snapshot (nothing changed yet), or past it. */
interface RunStage {
  reading: boolean;
  /** The run was cut short by the signal (paths it did not come to). */
  stopped: boolean;
  progress?: { done(): void };
}

const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export async function handler(args: RestoreArgs, raw: readonly string[], reporter: Reporter): Promise<Outcome> {
  // While the snapshot is read, nothing has changed: a signal ends the run at once (a
  // snapshot piped from a writer that stalls held it until the writer gave up). After, it
  // stops the run after the paths in flight; the summary and the undo command are still
  // printed. The listeners stay until the process ends: removed, a signal that came while
  // those were printed, or just after, killed the process (the undo command lost). SIGHUP
  // (a lost ssh session) too: killed by it, a run left its journal without an end.
  let signal: NodeJS.Signals | null = null;
  const stage: RunStage = { reading: true, stopped: false };
  const onSignal = (s: NodeJS.Signals): void => {
    signal ??= s;
    if (stage.reading) endWhileReading(s, stage, reporter);
  };
  for (const s of Object.keys(SIGNAL_EXIT)) process.on(s, onSignal);
  const outcome = await restoreCommand(args, raw, reporter, () => signal, stage);
  endAtOnceWhenDone();
  // A signal after the last path was done cut nothing short: the run's own outcome stands.
  return signal === null || !stage.stopped ? outcome : { exitCode: SIGNAL_EXIT[signal] as number };
}

/** A signal before the snapshot is wholly read: nothing was changed, and no journal made (its file comes with the first change). */
function endWhileReading(signal: NodeJS.Signals, stage: RunStage, reporter: Reporter): void {
  stage.progress?.done();
  reporter.error(`stopped by ${signal} while the snapshot was being read: nothing was changed`);
  exitAtOnce(SIGNAL_EXIT[signal] as number);
}

async function restoreCommand(args: RestoreArgs, raw: readonly string[], reporter: Reporter, signal: () => NodeJS.Signals | null, stage: RunStage): Promise<Outcome> {
  const ignore = fieldList('--ignore', args.ignore, PERMISSION_FIELDS);
  checkJobs(args.jobs, raw);
  checkNotEmpty('--root', args.root, 'a directory');
  checkNotEmpty('--undo', args.undo, 'a FILE that does not exist yet');
  // "-" is stdin or stdout elsewhere: a journal must be a file, which its undo reads back.
  if (args.undo === '-') throw new PermsnapError('USAGE', '--undo -: a journal is a FILE, which the undo reads back, not stdout (a file named "-": --undo ./-; none: --no-undo)');
  checkUtf8Path('--undo', args.undo === undefined ? undefined : toByteString(args.undo));
  if (args.undo !== undefined && args['no-undo']) throw new PermsnapError('USAGE', 'give --undo FILE or --no-undo, not both');
  const cwd = currentDirectory() ?? unnamedDirectory(args.root);
  const root = resolveRoot(args.root, cwd);
  checkRoot(root);
  const exclude = globsOf('--exclude', args.exclude, args['exclude-from']);
  if (args['force-fallbacks']) forceFallbacks();
  const info: SnapshotInfo = { hasMarkers: false };
  const ids = chooseResolver(root, args['ids-from']);
  const started = new Date();
  const journal = args['dry-run'] || args['no-undo'] ? null : openJournal(args.undo, root, started);
  // -n added to the very command line that will run: taken, and said.
  if (args['dry-run'] && args.undo !== undefined) reporter.info(`a dry run keeps no undo journal: ${args.undo} is not written`);
  if (journal?.notice !== undefined) reporter.warn(journal.notice);
  // Judged by its name first: a FIFO another user put in a journal's place is refused before
  // its writer is waited for. Then opened once: what is judged is what is read.
  await checkJournalWriter(args.snapshot, null);
  const opened = await openOperand(args.snapshot);
  let summary: RestoreSummary;
  let text: SnapshotText | SnapshotFile | null = null;
  // Whether the snapshot is an undo journal, and the root its first line names: from the
  // text held in memory or the file's head, else from what the streaming parser saw.
  const recordedRoot = (): string | null => (text ? journalRootOf(snapshotHead(text)) : info.journalRoot ?? null);
  const isJournal = (): boolean => (text ? journalFirstLine(snapshotHead(text)) !== null : info.isJournal === true);
  const progress = createProgress(!reporter.quiet && !args['dry-run']);
  stage.progress = progress;
  try {
    await checkJournalWriter(args.snapshot, opened);
    if (args.snapshot === '-') await checkStandardInputJournal();
    // The whole file is read and validated before anything changes (restore()'s first pass).
    // A big snapshot is parsed by the workers, in pieces: each reads its own from the file
    // (a gzip one is inflated into memory they share).
    const room = jobsWithinLimit(args.jobs, (line) => reporter.info(line), restoreJobs);
    text = room > 1 ? snapshotForPieces(args.snapshot, MIN_PIECED, opened) : null;
    const input = opened === null ? undefined : operandBytes(opened);
    summary = await restore(text ?? readOperandBatches(args.snapshot, { info, shareBlocks: true, input }), {
      root: root === undefined ? undefined : toByteString(root),
      cwd,
      dryRun: args['dry-run'],
      exclude,
      only: globsOf('--only', args.only),
      ignore,
      ids,
      capabilitiesKnown: () => info.hasMarkers,
      journal,
      jobs: room,
      // The process ends as soon as the summary is out (process-end.ts).
      threadsMayEnd: true,
      shouldStop: () => signal() !== null,
      onProgress: (count, shown) => progress.update(count, shown),
      onValidated: (paths, repeated, firstRepeated) => {
        stage.reading = false;
        progress.done();
        reporter.info(`restoring ${paths} path(s) beneath ${describeRoot(root, cwd)}; names from ${ids.description}`);
        // Known once the file has parsed: said before the run, not after its summary.
        if (repeated > 0) {
          const first = firstRepeated === undefined ? '' : ` (the first: ${quote(firstRepeated, PATH_QUOTED)})`;
          reporter.warn(`${repeated} block(s) repeat a path given earlier in the snapshot${first}: the last block for each path was used`);
        }
        warnOfOtherRoot(recordedRoot(), root, cwd, reporter);
      },
      onPlan: args['dry-run'] ? (shown, changes) => {
        // The path as its bytes, as getfacl prints it (written as UTF-8, its non-ASCII bytes would be encoded twice).
        for (const c of changes) process.stdout.write(Buffer.from(`${quote(shown, PATH_QUOTED)}  ${formatChange(c)}\n`, 'latin1'));
      } : undefined,
      onProblem: (shown, message) => reporter.problem(`${quote(shown, PATH_QUOTED)}: ${message}`),
    });
  } finally {
    progress.done();
    if (opened !== null) fs.closeSync(opened);
  }
  stage.stopped = summary.stopped;
  // Said of a journal kept (one a run that changed nothing removed is no matter).
  if (journal?.moved !== undefined && journal.started) reporter.warn(journal.moved);
  reportSummary(summary, args['dry-run'], journal, root, ids.description, reporter, signal());
  if (summary.fatal !== undefined) return { exitCode: 1 };
  if (summary.nothingBeneath && summary.paths === 0 && isJournal()) {
    // A journal is written before its first change: one without a whole block (cut
    // inside its first) belongs to a restore that changed nothing.
    reporter.info('the undo journal holds no whole block: the restore it was kept for changed nothing, so there is nothing to undo');
    return { exitCode: 0 };
  }
  if (!summary.nothingBeneath && summary.paths === 0) {
    // Every block left out: a glob that matches more than meant (or a typo in --only) is
    // not a success a cron job should take for one.
    const by = [args.only.length > 0 ? '--only' : '', exclude.length > 0 ? '--exclude' : ''].filter(Boolean).join(' and ');
    reporter.error(`${by} left out every path of the snapshot: nothing was changed (is the glob right?)`);
    return { exitCode: 1 };
  }
  if (summary.nothingBeneath) {
    // Nothing was changed: a wrong root is left as it was, and an empty file (a failed
    // `zcat baseline.gz |`) is not a success.
    reporter.error(summary.paths === 0
      ? `${args.snapshot}: the snapshot holds no path (an empty file?): nothing to restore`
      : `no path of the snapshot exists beneath ${rootInMessage(root)}: wrong --root? Nothing was changed`);
    return { exitCode: 1 };
  }
  if (summary.missing > summary.existing) reporter.warn(`most paths of the snapshot are missing beneath ${rootInMessage(root)}: is --root right?`);
  return { exitCode: summary.problems > 0 ? 1 : 0 };
}

/**
 * Where the paths land, said before the run: the directory itself, not only the name given
 * (a --root that is, or passes through, a symlink is followed, as `cd` follows it).
 */
function describeRoot(root: string | undefined, cwd: string): string {
  if (root === undefined) return `the current directory ${shown(cwd)} (relative paths) and / (absolute ones)`;
  const given = toByteString(root);
  let real: string;
  try {
    // As bytes: a symlink may lead to a name that is not UTF-8.
    real = fs.realpathSync.native(root, { encoding: 'buffer' }).toString('latin1');
  } catch {
    return shown(given); // gone since it was checked: the run says what it finds
  }
  return real === given ? shown(given) : `${shown(given)} (${shown(real)}, its symlinks followed)`;
}

/** A byte string in a message, control characters quoted: a newline in a name must not start a line. */
function shown(bytes: string): string {
  return messageText(quote(bytes, CONTROL_QUOTED));
}

/** The root in a message after the run. */
function rootInMessage(root: string | undefined): string {
  return root === undefined ? 'the current directory' : shown(toByteString(root));
}

/** What a journal's first line says of the root when restore runs without --root. */
const NO_ROOT = '(none: paths as recorded)';

/**
 * An undo journal undone beneath another root than its restore's changes whatever paths
 * match there: said before the changes begin. Not refused: a system repaired from a rescue
 * system (--root /mnt) is undone once booted (--root /).
 */
function warnOfOtherRoot(recorded: string | null, root: string | undefined, cwd: string, reporter: Reporter): void {
  const now = root === undefined ? NO_ROOT : toByteString(root);
  // A journal of a run without --root holds absolute paths, which --root / takes as they are;
  // without --root, relative paths land beneath the current directory, which may be its root.
  if (recorded === null || recorded === now || (recorded === NO_ROOT && now === '/') || (now === NO_ROOT && recorded === cwd)) return;
  // The same directory by another name (a --root given through a symlink is recorded as given).
  if (sameDirectory(recorded, now === NO_ROOT ? cwd : now)) return;
  // The first line is the file's to say: it must not print a line or a terminal escape of its own.
  const named = (r: string): string => (r === NO_ROOT ? r : shown(r));
  // Without --root, its relative paths land beneath the current directory: that is said.
  const here = now === NO_ROOT ? `the current directory ${shown(cwd)} (no --root)` : shown(now);
  reporter.warn(`this undo journal is of a restore beneath ${named(recorded)}, not ${here}: is --root right? (the same tree mounted elsewhere is fine)`);
}

/** Whether two roots (byte strings) are one directory now: the same inode, symlinks followed as --root follows them. */
function sameDirectory(a: string, b: string): boolean {
  if (a === NO_ROOT) return false;
  try {
    const [sa, sb] = [fs.statSync(Buffer.from(a, 'latin1'), { bigint: true }), fs.statSync(Buffer.from(b, 'latin1'), { bigint: true })];
    return sa.isDirectory() && sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** The journal the user named, or a new file in the default place (renamed, never replacing, on a clash). */
function openJournal(named: string | undefined, root: string | undefined, started: Date): UndoJournal {
  const header = UndoJournal.describeRoot(root === undefined ? NO_ROOT : toByteString(root), started);
  if (named !== undefined) return UndoJournal.atFile(named, header);
  return UndoJournal.inDefaultPlace(root, `${journalTimestamp(started)}.facl`, header);
}

function reportSummary(s: RestoreSummary, dryRun: boolean, journal: UndoJournal | null, root: string | undefined, names: string, reporter: Reporter, signal: NodeJS.Signals | null): void {
  // The problems not shown are counted with them, above the summary, not after the undo command.
  reporter.finish();
  const fields = PERMISSION_FIELDS.filter((f) => s.byField[f] > 0).map((f) => `${f} ${s.byField[f]}`).join(', ');
  const verb = dryRun ? 'would change' : 'changed';
  reporter.error(
    `${dryRun ? 'dry run: ' : ''}${s.changed} path(s) ${verb}${fields ? ` (${fields})` : ''}, ${s.alreadyCorrect} already correct, ` +
      `${s.missing} missing (skipped)${s.pseudo ? `, ${s.pseudo} on pseudo filesystems (skipped)` : ''}, ${s.problems} problem(s); ` +
      // Said here too, not only before the run: --quiet keeps the summary (contracts.md).
      `names from ${names}`,
  );
  // The counts above are of the paths the run came to; how many it did not is said with why.
  const left = s.notReached ? `, ${s.notReached} path(s) with changes to make not reached` : '';
  if (s.stopped) {
    const by = signal ?? 'a signal';
    reporter.error(dryRun
      ? `stopped by ${by}: the plan above is of the paths looked at so far${left}; nothing was changed`
      : `stopped by ${by}: the paths in flight were finished${left}; run the restore again to converge`);
  }
  // Every path done, the journal's end marker not written (a full disk): nothing was cut short.
  if (s.fatal !== undefined) reporter.error(`${s.notReached ? 'stopped by an error after changes began' : 'an error after the last change'}: ${s.fatal}${left}`);
  if (journal?.started) {
    // Absolute, so that it works from any directory.
    const undo = `permsnap restore ${shellWord(path.resolve(journal.file))}${root === undefined ? '' : ` --root ${shellWord(root)}`}`;
    reporter.error(`undo journal: ${journal.file} (undo with: ${undo})`);
  }
}
