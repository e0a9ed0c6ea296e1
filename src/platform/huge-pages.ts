// Big buffers backed by transparent huge pages where the kernel offers them on request
// (/sys/kernel/mm/transparent_hugepage/enabled: "madvise", Debian's default). A buffer's
// memory is only given to the process when first written, a page fault for every 4 KiB; on
// the VMs this was measured on a fault cost 11-12 us, so reading a 27 MB snapshot into fresh
// memory took 80-93 ms, and 12-40 ms when advised (2 MiB a fault). Best effort: a kernel
// without THP, or a buffer too small to hold a whole huge page, is left as it is.

import { koffi, libc } from './libc.js';

const MADV_HUGEPAGE = 14;
const HUGE_PAGE = 2n << 20n;

type Madvise = (addr: bigint, length: number, advice: number) => number;

/** Bound on first use; null once it could not be (never asked again). */
let madvise: Madvise | null | undefined;

/** A zero-filled buffer of `size` bytes that worker threads can share, its memory advised as huge pages. */
export function sharedBufferForBulk(size: number): Buffer {
  const buffer = Buffer.from(new SharedArrayBuffer(size));
  adviseHugePages(buffer);
  return buffer;
}

/** A zero-filled buffer of `size` bytes for this thread alone, its memory advised as huge pages. */
export function bufferForBulk(size: number): Buffer {
  const buffer = Buffer.alloc(size);
  adviseHugePages(buffer);
  return buffer;
}

/** Asks for huge pages under the whole 2 MiB pages `buffer` spans, before it is written. */
function adviseHugePages(buffer: Buffer): void {
  if (buffer.length < Number(HUGE_PAGE) || madvise === null) return;
  try {
    madvise ??= libc.func('int madvise(uintptr_t addr, size_t length, int advice)') as Madvise;
    const start = koffi.address(buffer);
    const first = (start + HUGE_PAGE - 1n) & ~(HUGE_PAGE - 1n);
    const end = (start + BigInt(buffer.length)) & ~(HUGE_PAGE - 1n);
    // The result is ignored: EINVAL where THP is off or unsupported changes nothing.
    if (end > first) madvise(first, Number(end - first), MADV_HUGEPAGE);
  } catch {
    // No such symbol, or a koffi that cannot give an address: never asked again.
    madvise = null;
  }
}
