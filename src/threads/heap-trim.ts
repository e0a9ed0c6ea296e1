// Keeps a long-running worker's V8 heap near what is live. V8 puts a worker's first full
// collection off until its old generation has grown far past what is live, and sets each
// later limit some 16 MB above what survived: on a snapshot of 2.2M entries each worker
// held about 20 MB of dead objects (peak RSS with both workers and written buffers freed
// at once: 163-165 MB on 2.2M and 4.4M entries; 142-145 MB with this). A forced full
// collection is dear, though: each took 11-18 ms, and a walk of /usr (130k entries) that
// had one or two per worker (at 8 MB) took 10% longer in all, so the threshold (20 MB)
// lies above what such a walk ever reaches: only long walks pay, a few times per million
// entries.

import v8 from 'node:v8';

/**
 * On the main thread, before starting workers: V8 gives the contexts made from now on
 * (theirs) a global gc(). A V8 flag is the process's: a vm context made later has one too.
 */
export function exposeGcToNewWorkers(): void {
  v8.setFlagsFromString('--expose-gc');
}

const FLOOR = 20 * 1024 * 1024;
let threshold = FLOOR;

/** In a worker, between two pieces of work: a full collection, when the heap has grown enough. */
export function collectIfGrown(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined || v8.getHeapStatistics().used_heap_size < threshold) return;
  gc();
  // Twice what survived: the collections' cost stays in proportion to the work between them.
  threshold = Math.max(FLOOR, 2 * v8.getHeapStatistics().used_heap_size);
}
