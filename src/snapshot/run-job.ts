// One unit of snapshot work, the same on the main thread and in a worker: walk an
// argument (or a directory left over by another job), read each entry, print it, and
// return the output in order. Past its budget of entries it stops entering directories
// and leaves holes for other jobs, which is how the work spreads over threads.

import { printBlock } from '../format/getfacl-printer.js';
import { printJsonLine } from '../format/json-printer.js';
import { compileGlobs, type PathMatcher } from '../glob/path-matcher.js';
import { isBaseAcl } from '../model/acl.js';
import type { Entry } from '../model/entry.js';
import { ByteChunk } from '../output/byte-chunk.js';
import type { FileStat } from '../platform/dir-fd.js';
import type { SystemError } from '../platform/libc.js';
import { walkArgument, walkDirectoryTask, type DirectoryTask, type Location, type WalkOptions } from '../walk/walk-tree.js';
import { closeHeldDirectory, type JobPart, type TextPart } from './job-part.js';
import { printedPath, tidyPath } from '../model/printed-path.js';
import { readEntry } from './read-entry.js';
import type { SnapshotSettings } from './settings.js';

const EMPTY = new Uint8Array(0);
/**
 * One chunk for every job of this thread (jobs run one at a time, synchronously): a new
 * 64 KiB chunk per job, grown by doubling, left that much garbage for the GC behind each
 * job (peak RSS on 1.6M entries: 218 -> 177 MB, with worker-pool.ts's smaller young
 * generation).
 */
const threadChunk = new ByteChunk();

export type Job = { argument: string } | { task: DirectoryTask };

/**
 * Levels a job enters below the one it starts at; a directory deeper than that is a hole,
 * walked by a job of its own from a fresh stack. The walk recurses three calls a level:
 * a chain of 1,800 directories overflowed the main thread's stack (`Maximum call stack
 * size exceeded`, QA helper-131), where getfacl goes on to 2,047 (its FILENAME_MAX).
 */
const MAX_JOB_DEPTH = 256;

export function runJob(job: Job, settings: SnapshotSettings, budget: number): JobPart[] {
  const parts: JobPart[] = [];
  let text: TextPart | null = null;
  const chunk = threadChunk;
  chunk.clear(); // a job that threw left its text behind
  let seen = 0;
  let noticedAbsolute = false;
  const startDepth = 'argument' in job ? 0 : job.task.depth;

  const flush = (): void => {
    if (text) {
      text.bytes = chunk.take();
      parts.push(text);
    }
    text = null;
  };
  const emit = (block: string, headerEnd: number, path: string): void => {
    if (!text) text = { kind: 'text', bytes: EMPTY, count: 0, firstHeaderEnd: -1, lastHeaderEnd: -1, lastPath: '' };
    text.lastPath = path;
    if (text.count === 0) text.firstHeaderEnd = headerEnd < 0 ? -1 : chunk.length + headerEnd;
    text.lastHeaderEnd = headerEnd < 0 ? -1 : chunk.length + headerEnd;
    text.count++;
    chunk.append(block);
  };

  const walkOptions = toWalkOptions(settings);
  const readOptions = { names: settings.print.names, capability: settings.format === 'json' || settings.print.capability, digitNames: settings.digitNames, digitQualifiers: settings.digitQualifiers };
  walkOptions.isExcluded = excludeMatcher(settings);
  const isLeftOut = (st: FileStat): boolean => settings.leaveOut.some((f) => f.ino === st.ino && f.dev === st.dev);

  const visitor = {
    visit(path: string, st: FileStat, followed: boolean, at: Location): void {
      seen++;
      if (settings.leaveOut.length > 0 && isLeftOut(st)) return;
      let entry: Entry;
      try {
        entry = readEntry(path, st, followed, at, readOptions);
      } catch (err) {
        visitor.error(path, err as SystemError);
        return;
      }
      if (settings.skipBase && isSkippedAsBase(entry, settings)) return;
      const printed = printedPath(path, settings.stripLeadingSlash);
      if (printed.strippedAbsolute && !noticedAbsolute) {
        noticedAbsolute = true;
        flush();
        parts.push({ kind: 'absolute' });
      }
      entry.path = settings.tidyPaths ? tidyPath(printed.path) : printed.path;
      if (settings.format === 'json') emit(printJsonLine(entry, settings.print.names), -1, path);
      else {
        const block = printBlock(entry, settings.print);
        emit(block.text, settings.print.comments ? block.headerEnd : -1, path);
      }
    },
    excluded(): void {
      parts.push({ kind: 'excluded' });
    },
    error(path: string, err: SystemError): void {
      flush();
      parts.push({ kind: 'error', path, errno: err.errno === undefined ? 0 : Math.abs(err.errno), message: err.message });
    },
    deferDirectory(task: DirectoryTask): boolean {
      if (seen < budget && task.depth - startDepth < MAX_JOB_DEPTH) return false;
      flush();
      parts.push({ kind: 'hole', task });
      return true;
    },
    deferRest(task: DirectoryTask, names: string, at: number, more: number | null): boolean {
      if (seen < budget) return false;
      flush();
      // The names read and not walked in two halves, each halved again by the job that walks
      // it: a directory of many entries spreads over every worker in a few jobs each. A job
      // per subdirectory (all there was before) made 20,000 subdirectories of a few files
      // each 1.5x slower than getfacl; and a job for a whole directory of a million files
      // held all its text. Then the names not read yet, in the open directory.
      const { names: _read, openFd: _open, ...directory } = task;
      const middle = names.indexOf('\0', at + ((names.length - at) >> 1));
      if (at < names.length && middle < 0) parts.push({ kind: 'hole', task: { ...directory, names: names.slice(at) } });
      else if (at < names.length) {
        parts.push({ kind: 'hole', task: { ...directory, names: names.slice(at, middle) } });
        parts.push({ kind: 'hole', task: { ...directory, names: names.slice(middle + 1) } });
      }
      if (more !== null) parts.push({ kind: 'hole', task: { ...directory, openFd: more } });
      return true;
    },
  };

  try {
    if ('argument' in job) walkArgument(job.argument, walkOptions, visitor);
    else walkDirectoryTask(job.task, walkOptions, visitor);
  } catch (err) {
    // The directories this job left open to later jobs: there will be none.
    for (const part of parts) if (part.kind === 'hole') closeHeldDirectory(part);
    throw err;
  }
  flush();
  return parts;
}

// Compiled once per thread's settings, not per job: a list of 20,000 paths on stdin is
// 20,000 jobs, and compiling every job's globs again made three --exclude globs cost 0.5 s
// (and the walk's beneath-verdicts, kept per matcher, were never shared).
const excludeMatchers = new WeakMap<SnapshotSettings, PathMatcher | undefined>();

function excludeMatcher(settings: SnapshotSettings): PathMatcher | undefined {
  if (!excludeMatchers.has(settings)) excludeMatchers.set(settings, compileGlobs(settings.exclude));
  return excludeMatchers.get(settings);
}

/** getfacl -s: no extended access ACL (only looked at when printed) and no default ACL. */
function isSkippedAsBase(entry: Entry, settings: SnapshotSettings): boolean {
  const extendedAccess = settings.print.access && entry.acl !== undefined && !isBaseAcl(entry.acl);
  const withDefault = settings.print.default && entry.defaultAcl !== undefined;
  return !extendedAccess && !withDefault;
}

function toWalkOptions(settings: SnapshotSettings): WalkOptions {
  return {
    symlinks: settings.symlinks,
    oneFileSystem: settings.oneFileSystem,
    sorted: settings.sorted,
    doNotEnter: new Set(settings.doNotEnter),
    quietReadErrors: settings.quietReadErrors,
  };
}
