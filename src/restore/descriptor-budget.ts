// How restore shares the process's descriptors (ulimit -n): Node's own with the snapshot's
// and the journal's; each thread's own and the directories it keeps open; and the paths the
// chunks in flight have pinned (one O_PATH descriptor a path, from its plan to its change).
// With a fixed 256 spared for all but the pins, --jobs 32 under ulimit -n 1024 left 22k of
// 100k paths unrestored ("Too many open files"), --jobs 64 under 20000 up to 976, and
// --jobs 8 under 2048 some in one run of four: each thread keeps up to 32 directories.

import { openFileLimit } from '../platform/open-files.js';
import { jobsWithinDescriptors } from '../threads/default-jobs.js';
import { CHUNK } from './restore-chunks.js';

/** The main thread's: Node's (19-23 measured, workers idle), the snapshot's, the journal's. */
const PROCESS_DESCRIPTORS = 24;
/** A worker's own: its event loop's (4 measured), and the files NSS lookups open while they run. */
const THREAD_DESCRIPTORS = 6;
/** Below the chunks' share of the limit, as the chunk size has always been worked out: the restore order depends on it. */
const ORDER_SPARE = 256;
/** The smallest chunk. */
const MIN_CHUNK = 16;

/** Directories a thread keeps open: 32, fewer under a low limit (ulimit -n 64: a tree deeper than a dozen levels failed with 32). */
export const keptDirectories = (limit = openFileLimit()): number => Math.max(4, Math.min(32, Math.floor(limit / 32)));

/**
 * Paths a chunk holds: CHUNK, fewer under a low limit. It decides the restore order (which
 * directories wait for the end), so it depends on the limit only, never on --jobs: every
 * --jobs gives the same order.
 */
export const chunkSize = (limit = openFileLimit()): number => Math.max(MIN_CHUNK, Math.min(CHUNK, Math.floor(Math.max(0, limit - ORDER_SPARE) / 3)));

const perThread = (limit: number): number => THREAD_DESCRIPTORS + keptDirectories(limit);

/** The fewest descriptors a restore can run in: one thread and one chunk (below it, it is refused). */
export const minimumLimit = (limit = openFileLimit()): number => PROCESS_DESCRIPTORS + perThread(limit) + chunkSize(limit);

/**
 * `jobs` lowered, when need be, so that every thread fits with a chunk of its own in flight:
 * a chunk is planned and changed on one thread, so threads beyond the chunks in flight would
 * only look (the first pass) and then wait, each holding its own heap.
 */
export function restoreJobs(jobs: number, limit = openFileLimit()): number {
  const room = Math.floor((limit - PROCESS_DESCRIPTORS) / (perThread(limit) + chunkSize(limit)));
  return Math.max(1, Math.min(jobsWithinDescriptors(jobs, limit), room));
}

/** Chunks in flight for `jobs` threads: two a thread (one queued behind the one it runs), as many as the pins fit. */
export function chunksInFlight(jobs: number, limit = openFileLimit()): number {
  const forPins = limit - PROCESS_DESCRIPTORS - jobs * perThread(limit);
  return Math.max(1, Math.min(jobs > 1 ? 2 * jobs + 1 : 1, Math.floor(forPins / chunkSize(limit))));
}
