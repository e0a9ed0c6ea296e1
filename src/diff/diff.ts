// `permsnap diff` as a library function: reads both sides, compares them in sorted order
// and writes the chosen report to a byte sink. Exit status is the caller's: this returns
// the counts.

import { PermsnapError } from '../errors.js';
import { PATH_QUOTED, quote } from '../format/quote.js';
import { compileGlobs } from '../glob/path-matcher.js';
import type { ByteSink } from '../output/byte-sink.js';
import { RecordDiff } from './diff-records.js';
import type { DiffChanges } from './diff-changes.js';
import { jsonChange, jsonHead, nagiosLine, RestoreFileWriter, textLine, textSummary, type DiffCounts, type Trouble } from './diff-report.js';
import { readSide, type SideInfo } from './diff-sources.js';
import { pathHash } from '../model/path-table.js';
import { SideInWorker, type NumberedSink } from './side-in-worker.js';
import { dropNotEntered, dropUnread } from './not-entered.js';
import { RepeatedPaths } from './repeated-paths.js';
import { workersCanStart } from '../threads/default-jobs.js';
import { checkBooleans, checkChoice, checkChoices, checkGlobs, checkOptionsObject, checkPath, checkSink } from '../library-options.js';
import { PERMISSION_FIELDS, type PermissionField } from '../model/field.js';

export type DiffFormat = 'text' | 'json' | 'getfacl' | 'nagios';
const DIFF_FORMATS: readonly DiffFormat[] = ['text', 'json', 'getfacl', 'nagios'];

export interface DiffOptions {
  format?: DiffFormat;
  /** Compare ids instead of names (-n). */
  numeric?: boolean;
  exclude?: readonly string[];
  ignore?: readonly PermissionField[];
  colour?: boolean;
  onProblem?: (path: string, message: string) => void;
  /** Called for what is not trouble but worth saying (a path given twice by a snapshot). */
  onWarning?: (message: string) => void;
}

export interface DiffResult extends DiffCounts {
  /** BEFORE's paths that were compared (found on the other side or missing there). */
  paths: number;
  /** Paths on both sides (none: the sides are likely named from different places). */
  common: number;
  /** Live paths that could not be read (each also given to onProblem). */
  problems: number;
}

const NAGIOS_EXAMPLES = 5;

export async function diff(before: string, after: string, sink: ByteSink, options: DiffOptions = {}): Promise<DiffResult> {
  checkPath('before', before);
  checkPath('after', after);
  // One standard input: the side that read it first would leave the other an empty snapshot.
  if (before === '-' && after === '-') throw new PermsnapError('USAGE', 'before and after: only one side can be standard input ("-")');
  checkSink(sink);
  checkOptionsObject(options, []);
  checkBooleans(options as Record<string, unknown>, ['numeric', 'colour']);
  checkChoice('format', options.format, DIFF_FORMATS);
  checkChoices('ignore', options.ignore, PERMISSION_FIELDS);
  checkGlobs('exclude', options.exclude);
  const trouble = { problems: 0, first: '' };
  const onProblem = (path: string, message: string): void => {
    // Quoted whole: the nagios line that shows it must stay one line.
    if (trouble.problems++ === 0) trouble.first = `${quote(path, PATH_QUOTED)}: ${quote(message, PATH_QUOTED)}`;
    options.onProblem?.(path, message);
  };
  // A capability that is not compared is not read either (one the kernel refuses to read would hide the rest of the path).
  const capability = !(options.ignore ?? []).includes('capability');
  const sideOptions = { names: !options.numeric, exclude: compileGlobs(options.exclude ?? []), capability, onProblem };
  const warn = (message: string | null): void => {
    if (message !== null) options.onWarning?.(message);
  };
  const comparison = new RecordDiff(new Set(options.ignore ?? []));
  // Each side is read on a worker thread (stdin only here, where it can be read), both at
  // once: this thread takes BEFORE's pairs as they come, then AFTER's, kept meanwhile. AFTER
  // can only be joined once BEFORE is complete, so until then AFTER's worker yields the CPU
  // to BEFORE's and to this thread: BEFORE ends sooner, and AFTER's pairs are joined while
  // its worker still reads (measured: about 6% off a 1M-entry diff on 2 cores).
  const inWorkers = workersCanStart();
  const job = (operand: string, yieldCpu: boolean): SideInWorker | null =>
    operand === '-' || !inWorkers ? null : new SideInWorker({ operand, names: !options.numeric, exclude: options.exclude ?? [], capability, yieldCpu });
  const beforeInWorker = job(before, false);
  const afterInWorker = job(after, true);
  const recordId = (record: string): number => comparison.recordId(record);
  const read = (side: SideInWorker | null, operand: string, sink: NumberedSink): Promise<SideInfo> =>
    side ? side.consume(sink, recordId, onProblem) : readSide(operand, sideOptions, (path, record) => sink(path, recordId(record), pathHash(path)));
  let a: SideInfo;
  let b: SideInfo;
  try {
    const beforeRepeats = new RepeatedPaths();
    a = await read(beforeInWorker, before, (path, id, hash) => {
      if (comparison.addBefore(path, id, hash)) beforeRepeats.note(path);
    });
    warn(beforeRepeats.warning(before));
    afterInWorker?.fullSpeed();
    const afterRepeats = new RepeatedPaths();
    b = await read(afterInWorker, after, (path, id, hash) => {
      if (comparison.addAfter(path, id, hash)) afterRepeats.note(path);
    });
    warn(afterRepeats.warning(after));
  } finally {
    await Promise.all([beforeInWorker?.cancel(), afterInWorker?.cancel()]);
  }
  // Nothing compared is no "no differences": a nagios check whose baseline an exclude
  // filtered away said OK, of 0 paths.
  if (a.entries + b.entries === 0 && (options.exclude?.length ?? 0) > 0) {
    throw new PermsnapError('EMPTY', 'the exclude globs left out every path of both sides: nothing was compared (is the glob right?)');
  }
  const { changes: found, common, rootBeforeOnly } = comparison.finish(a.capabilitiesKnown && b.capabilitiesKnown);
  const entered = dropNotEntered(found, [...a.notEntered, ...b.notEntered]);
  warn(entered.warning);
  const { changes, warning } = dropUnread(entered.changes, [...a.unread, ...b.unread], [...a.unreadEntries, ...b.unreadEntries]);
  warn(warning);
  const counts = changes.counts();
  // BEFORE's paths that were compared: its missing and modified ones left out above were not.
  const all = changes === found ? counts : found.counts();
  const paths = comparison.beforePaths - (all.missing + all.modified - counts.missing - counts.modified) - (rootBeforeOnly ? 1 : 0);
  await writeReport(changes, counts, sink, options, { paths, capabilitiesKnown: a.capabilitiesKnown, absolutePaths: a.absolutePaths, trouble });
  return { ...counts, paths, common, problems: trouble.problems };
}

/** What the report needs to know of BEFORE. */
interface BeforeFacts {
  paths: number;
  capabilitiesKnown: boolean;
  absolutePaths: boolean;
  trouble: Trouble;
}

async function writeReport(
  changes: DiffChanges, counts: DiffCounts, sink: ByteSink, options: DiffOptions,
  before: BeforeFacts,
): Promise<void> {
  // Written 64 KiB at a time: one write per change was a quarter of a diff that found
  // 132k changes (to a file, each write is a system call).
  let pending = '';
  const flush = async (): Promise<void> => {
    if (pending === '') return;
    const bytes = Buffer.from(pending, 'latin1');
    pending = '';
    await sink.write(bytes);
  };
  const write = async (text: string): Promise<void> => {
    pending += text;
    if (pending.length >= REPORT_CHUNK) await flush();
  };
  await writeChanges(changes, counts, write, options, before);
  await flush();
}

const REPORT_CHUNK = 1 << 16;

async function writeChanges(
  changes: DiffChanges, counts: DiffCounts, write: (text: string) => Promise<void>, options: DiffOptions,
  before: BeforeFacts,
): Promise<void> {
  const format = options.format ?? 'text';
  if (format === 'text') {
    await write(textSummary(counts));
    for (const c of changes) await write(textLine(c, options.colour ?? false));
  } else if (format === 'json') {
    await write(jsonHead(counts));
    let separator = '\n  ';
    for (const c of changes) {
      await write(separator + jsonChange(c));
      separator = ',\n  ';
    }
    await write(changes.length === 0 ? ']}\n' : '\n]}\n');
  } else if (format === 'getfacl') {
    const out = new RestoreFileWriter(write, before.capabilitiesKnown, new Set(options.ignore ?? []));
    // The root itself is compared as ".", and was recorded as "/".
    const recorded = (path: string): string => (!before.absolutePaths ? path : path === '.' ? '/' : `/${path}`);
    for (const c of changes) if (c.kind === 'modified') await out.add(recorded(c.path), c.before);
    await out.finish();
  } else {
    await write(nagiosLine(counts, before.paths, changes.first(NAGIOS_EXAMPLES), before.trouble));
  }
}
