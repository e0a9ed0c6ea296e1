// `permsnap diff` as a library function: reads both sides, compares them in sorted order
// and writes the chosen report to a byte sink. Exit status is the caller's: this returns
// the counts.

import { compileGlobs } from '../glob/path-matcher.js';
import type { ByteSink } from '../output/byte-sink.js';
import { RecordDiff, type DiffChange, type DiffField } from './diff-records.js';
import { jsonChange, jsonHead, nagiosLine, RestoreFileWriter, textLine, textSummary, type DiffCounts } from './diff-report.js';
import { readSide } from './diff-sources.js';

export type DiffFormat = 'text' | 'json' | 'getfacl' | 'nagios';

export interface DiffOptions {
  format?: DiffFormat;
  /** Compare ids instead of names (-n). */
  numeric?: boolean;
  exclude?: string[];
  ignore?: DiffField[];
  colour?: boolean;
  onProblem?: (path: string, message: string) => void;
}

export interface DiffResult extends DiffCounts {
  paths: number;
}

const NAGIOS_EXAMPLES = 5;

export async function diff(before: string, after: string, sink: ByteSink, options: DiffOptions = {}): Promise<DiffResult> {
  const sideOptions = { names: !options.numeric, exclude: compileGlobs(options.exclude ?? []), onProblem: options.onProblem };
  const beforeRecords = new Map<string, string>();
  const a = await readSide(before, sideOptions, (path, record) => beforeRecords.set(path, record));
  const comparison = new RecordDiff(beforeRecords, new Set(options.ignore ?? []));
  const b = await readSide(after, sideOptions, (path, record) => comparison.add(path, record));
  const changes = comparison.finish(a.capabilitiesKnown && b.capabilitiesKnown);
  const counts: DiffCounts = { modified: 0, missing: 0, extra: 0 };
  for (const c of changes) counts[c.kind]++;
  await writeReport(changes, counts, sink, options, { paths: beforeRecords.size, capabilitiesKnown: a.capabilitiesKnown });
  return { ...counts, paths: beforeRecords.size };
}

async function writeReport(
  changes: readonly DiffChange[], counts: DiffCounts, sink: ByteSink, options: DiffOptions,
  before: { paths: number; capabilitiesKnown: boolean },
): Promise<void> {
  const write = (text: string): Promise<void> => sink.write(Buffer.from(text, 'latin1'));
  const format = options.format ?? 'text';
  if (format === 'text') {
    await write(textSummary(counts));
    for (const c of changes) await write(textLine(c, options.colour ?? false));
  } else if (format === 'json') {
    await write(jsonHead(counts));
    for (const [i, c] of changes.entries()) await write((i === 0 ? '\n  ' : ',\n  ') + jsonChange(c));
    await write(changes.length === 0 ? ']}\n' : '\n]}\n');
  } else if (format === 'getfacl') {
    const out = new RestoreFileWriter(write, before.capabilitiesKnown);
    for (const c of changes) if (c.kind === 'modified') await out.add(c.before);
    await out.finish();
  } else {
    await write(nagiosLine(counts, before.paths, changes.slice(0, NAGIOS_EXAMPLES)));
  }
}
