// `permsnap snapshot` as a library function: walks the arguments, in parallel when asked,
// and writes getfacl text (or JSON Lines) to a byte sink. Per-path problems are reported
// as they happen and counted; they never stop the walk.

import { PermsnapError } from '../errors.js';
import { GETFACL_DEFAULTS } from '../format/getfacl-printer.js';
import type { ByteSink } from '../output/byte-sink.js';
import { pseudoFilesystemDevices } from '../platform/mounts.js';
import type { ErrorPart } from './job-part.js';
import { MarkerWriter } from './marker-writer.js';
import { Scheduler } from './scheduler.js';
import { freeNow } from '../output/free-buffer.js';
import type { SnapshotSettings } from './settings.js';
import { WorkerPool } from './worker-pool.js';
import { defaultJobs, jobsWithinDescriptors, workersCanStart } from '../threads/default-jobs.js';
import { checkBooleans, checkChoice, checkGlobs, checkJobsOption, checkOptionsObject, checkPathList, checkSink } from '../library-options.js';

/** Settings worked out from `compat` and `format` (resolveSettings), not given. */
type DerivedSettings = 'print' | 'doNotEnter' | 'quietReadErrors' | 'digitNames' | 'digitQualifiers' | 'tidyPaths';

export interface SnapshotOptions extends Partial<Omit<SnapshotSettings, DerivedSettings>> {
  print?: Partial<SnapshotSettings['print']>;
  /** Print exactly what getfacl prints: no permsnap comment lines, walk every filesystem. */
  compat?: boolean;
  /** Enter pseudo filesystems (/proc, /sys, ...) too. */
  allFilesystems?: boolean;
  /** Worker threads; 1 walks on the calling thread. Default: one per core, at most 8. */
  jobs?: number;
  /** Called for each path that could not be read. */
  onProblem?: (problem: ErrorPart) => void;
  /** Called once when a leading "/" was removed from a printed path. */
  onAbsolute?: () => void;
  /** Called before each argument is walked, once all before it are written (its index); and once more after the last, with paths.length. */
  beforeArgument?: (index: number) => void;
  /** Called after each written part with the running count of entries (progress). */
  onProgress?: (entries: number, path: string) => void;
}

export interface SnapshotResult {
  entries: number;
  problems: number;
  /** exclude left out every path given, or a directory above it: why none was recorded. */
  allExcluded: boolean;
}

export function resolveSettings(options: SnapshotOptions): SnapshotSettings {
  const compat = options.compat ?? false;
  const walkEverything = compat || (options.allFilesystems ?? false);
  const format = options.format ?? 'getfacl';
  return {
    symlinks: options.symlinks ?? 'toplevel',
    oneFileSystem: options.oneFileSystem ?? false,
    sorted: options.sorted ?? false,
    doNotEnter: walkEverything ? [] : [...pseudoFilesystemDevices()],
    leaveOut: options.leaveOut ?? [],
    exclude: options.exclude ?? [],
    stripLeadingSlash: options.stripLeadingSlash ?? true,
    skipBase: options.skipBase ?? false,
    format,
    print: { ...GETFACL_DEFAULTS, ...options.print, ...(compat ? { capability: false } : {}) },
    quietReadErrors: compat,
    digitNames: compat || format === 'json',
    digitQualifiers: compat,
    tidyPaths: !compat,
  };
}

/**
 * `print` as PrintOptions says, and only what the format uses: JSON holds both ACLs and no
 * comments, so a print option that shapes the text (or compat) is refused with it, as the
 * CLI refuses `--format json -e`: ignored, the output was not what was asked.
 */
function checkPrintOptions(options: SnapshotOptions): void {
  const { print } = options;
  if (print !== undefined && (typeof print !== 'object' || print === null || Array.isArray(print))) {
    throw new PermsnapError('USAGE', `print: expected an object of PrintOptions, got ${JSON.stringify(print)}`);
  }
  checkBooleans((print ?? {}) as Record<string, unknown>, ['access', 'default', 'comments', 'smartIndent', 'names', 'capability'], 'print.');
  checkChoice('print.effective', print?.effective, ['some', 'all', 'none']);
  if (options.format !== 'json') return;
  if (options.compat) throw new PermsnapError('USAGE', "compat prints getfacl's text, not format 'json': give one of them");
  const textOnly = (['access', 'default', 'comments'] as const).find((key) => print?.[key] === false) ?? (print?.effective !== undefined && print.effective !== 'some' ? 'effective' : undefined);
  if (textOnly !== undefined) throw new PermsnapError('USAGE', `print.${textOnly} shapes getfacl's text, not format 'json' (JSON holds both ACLs, no comments)`);
}

export async function snapshot(paths: readonly string[], sink: ByteSink, options: SnapshotOptions = {}): Promise<SnapshotResult> {
  checkPathList('paths', paths);
  checkSink(sink);
  checkOptionsObject(options, []);
  checkJobsOption(options.jobs);
  checkChoice('format', options.format, ['getfacl', 'json']);
  checkChoice('symlinks', options.symlinks, ['toplevel', 'logical', 'physical']);
  checkGlobs('exclude', options.exclude);
  checkBooleans(options as Record<string, unknown>, ['compat', 'allFilesystems', 'sorted', 'oneFileSystem', 'stripLeadingSlash', 'skipBase']);
  checkPrintOptions(options);
  // A snapshot written into the tree it walks must not record its own temp file: the
  // next diff against the live tree would report it missing.
  const settings = resolveSettings({ ...options, leaveOut: [...(options.leaveOut ?? []), ...(sink.identity ? [sink.identity] : [])] });
  // Each worker loads its code and walks with directories open: EMFILE cut the walk short otherwise.
  const jobs = jobsWithinDescriptors(options.jobs ?? defaultJobs());
  const markers = !options.compat && settings.format === 'getfacl' && settings.print.comments;
  const writer = new MarkerWriter(sink, markers);
  const pool = jobs > 1 && workersCanStart() ? new WorkerPool(jobs, settings) : null;
  let problems = 0;
  let noticedAbsolute = false;
  let excludedArguments = 0;
  const scheduler = new Scheduler(settings, pool, async (part) => {
    if (part.kind === 'text') {
      // The part's bytes are a buffer of their own (ByteChunk.take), freed once written.
      const buffer = part.bytes.buffer as ArrayBuffer;
      await writer.write(part, () => freeNow(buffer));
      options.onProgress?.(writer.count, part.lastPath);
    } else if (part.kind === 'error') {
      problems++;
      options.onProblem?.(part);
    } else if (part.kind === 'excluded') {
      excludedArguments++;
    } else if (part.kind === 'absolute' && !noticedAbsolute) {
      noticedAbsolute = true;
      options.onAbsolute?.();
    }
  });
  try {
    for (const [i, path] of paths.entries()) {
      options.beforeArgument?.(i);
      await scheduler.runArgument(path, i);
    }
    options.beforeArgument?.(paths.length);
    await writer.finish();
  } finally {
    scheduler.close();
    await pool?.close();
  }
  return { entries: writer.count, problems, allExcluded: paths.length > 0 && excludedArguments === paths.length };
}
