// A file's bytes mapped into memory, read-only, instead of read into a buffer: the pages are
// the page cache's own, so nothing is copied and no fresh memory is cleared. Restore's
// snapshot (28 MB for the /usr copy) was read on the main thread while its workers started:
// 8-40 ms alone, 14-89 ms beside them, most of it clearing fresh pages (clear_page_erms:
// the main thread's top symbol under perf); mapped with MAP_POPULATE, 1-2 ms alone and
// 2-11 ms beside them.
// The mapping is process-wide, so a worker thread views the same bytes by their address.
// A file cut shorter while it is mapped makes a read of the lost pages fatal (SIGBUS):
// restore reads the snapshot only in its first pass, before anything changes.

import { koffi, libc } from './libc.js';

const PROT_READ = 0x1;
const MAP_PRIVATE = 0x2;
const MAP_POPULATE = 0x8000;
const MAP_FAILED = 0xffffffffffffffffn;

type Mmap = (addr: null, length: number, prot: number, flags: number, fd: number, offset: number) => bigint;
type Munmap = (addr: bigint, length: number) => number;

/** Bound on first use; null once they could not be, or koffi could not view what they map (never asked again). */
let calls: { mmap: Mmap; munmap: Munmap } | null | undefined;

/** A mapping, as it crosses to another thread of the process. */
export interface MappedBytes {
  address: bigint;
  length: number;
}

/** Unmaps what the thread that mapped it no longer holds (its viewers are done by then: see mapFile). */
const unmapWhenCollected = new FinalizationRegistry<MappedBytes & { munmap: Munmap }>(({ address, length, munmap }) => {
  munmap(address, length);
});

/**
 * The first `length` bytes of the file open on `fd`, mapped read-only: a Buffer over them,
 * and the mapping for other threads to view (mappedView). Unmapped once the Buffer's memory
 * is collected: whoever gives `mapped` to another thread keeps the Buffer until that thread
 * is done with it. Null when the file cannot be mapped (a filesystem without mmap, no such
 * call): read it instead.
 */
export function mapFile(fd: number, length: number): { bytes: Buffer; mapped: MappedBytes } | null {
  if (length === 0 || calls === null) return null;
  try {
    calls ??= {
      mmap: libc.func('uintptr_t mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)') as Mmap,
      munmap: libc.func('int munmap(uintptr_t addr, size_t length)') as Munmap,
    };
  } catch {
    calls = null;
    return null;
  }
  const address = BigInt(calls.mmap(null, length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0));
  if (address === MAP_FAILED) return null;
  const mapped = { address, length };
  let bytes: Buffer;
  try {
    // A view of its own, not mappedView's: that one is kept, and this one must be collectable.
    bytes = Buffer.from(koffi.view(address, length));
  } catch {
    // A runtime without external ArrayBuffers (koffi says so).
    calls.munmap(address, length);
    calls = null;
    return null;
  }
  unmapWhenCollected.register(bytes.buffer, { ...mapped, munmap: calls.munmap });
  return { bytes, mapped };
}

/**
 * The mapped bytes seen from this thread (the mapping must still be held by the thread that
 * made it). The same view while the mapping is the same: V8 counts each view's length as
 * memory its thread holds, and collects garbage sooner for it. A view made for each piece
 * of a restore's snapshot (10 of them, 28 MB each) made a healthy restore of the /usr copy
 * 0.78-0.99 s long, against 0.55-0.65 s read into shared memory.
 */
export function mappedView({ address, length }: MappedBytes): ArrayBuffer {
  if (lastView?.address !== address || lastView.view.byteLength !== length) lastView = { address, view: koffi.view(address, length) };
  return lastView.view;
}

let lastView: { address: bigint; view: ArrayBuffer } | undefined;
