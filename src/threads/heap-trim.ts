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
import vm from 'node:vm';

const FLOOR = 20 * 1024 * 1024;
let threshold = FLOOR;
let fullCollection: (() => void) | undefined;

/**
 * V8's gc(), made on first use: V8 gives it to the contexts made once --expose-gc is set.
 * The flag is set only then, in a long walk, because a V8 flag changed at run time makes
 * every worker started afterwards in the process about 15 ms slower to start (measured on
 * Node 20). It is the process's: a vm context made later by a program that called
 * snapshot() has a gc() too.
 */
function collector(): () => void {
  if (fullCollection === undefined) {
    v8.setFlagsFromString('--expose-gc');
    fullCollection = vm.runInNewContext('gc') as () => void;
  }
  return fullCollection;
}

/** In a worker, between two pieces of work: a full collection, when the heap has grown enough. */
export function collectIfGrown(): void {
  if (v8.getHeapStatistics().used_heap_size < threshold) return;
  collector()();
  // Twice what survived: the collections' cost stays in proportion to the work between them.
  threshold = Math.max(FLOOR, 2 * v8.getHeapStatistics().used_heap_size);
}
