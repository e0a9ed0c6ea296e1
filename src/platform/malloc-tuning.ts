// glibc's malloc, told to keep the memory it is given back. By default it returns freed
// memory to the kernel (heap trimming, and a fresh mmap for each block past a threshold
// that starts at 128 KiB), and the next use of that memory is a page fault for every 4 KiB,
// the page zeroed. On the VMs measured a fault cost 11-13 us, and a damaged restore of a
// /usr copy (170k paths, 2 workers) touched 64k pages: buffers of journal text, decoded
// paths, pieces, compiler zones, much of it freed and taken again. Kept, the freed memory
// is used again without faults (64k faults became 59k): in paired runs a damaged restore
// took 68 ms less of 3.16 s (5 of 6 faster), a healthy one 72 ms less of 1.54 s (7 of 8).
// Set before anything big is allocated: set when the restore began, the workers' startup
// had gone by, and 5k of those faults stayed. The process holds what it freed until it
// ends, which for a command that ends when its work does costs nothing: its peak is the same.
// bin/permsnap.js sets the same as glibc tunables, which glibc reads as the process starts,
// with huge pages (glibc.malloc.hugetlb, which has no mallopt): this is for a CLI started
// some other way (node dist/cli/entry.js).

import { libc } from './libc.js';

const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
/** Never trim: a heap's free top stays. */
const NEVER_TRIM = 1 << 30;
/** Blocks up to this size come from the heap (reused), not from an mmap each (glibc's own limit for the threshold it adjusts). */
const HEAP_UP_TO = 32 << 20;

/** Best effort: a libc without mallopt (musl has none) is left as it is. Process-wide: only the CLI asks. */
export function keepFreedMemory(): void {
  try {
    const mallopt = libc.func('int mallopt(int param, int value)') as (param: number, value: number) => number;
    mallopt(M_TRIM_THRESHOLD, NEVER_TRIM);
    mallopt(M_MMAP_THRESHOLD, HEAP_UP_TO);
  } catch {
    // no such symbol
  }
}
