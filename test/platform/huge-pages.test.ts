// Big shared buffers (restore's snapshot text) ask for transparent huge pages: on the VMs
// measured, a 4 KiB page fault cost 11-12 us, and reading a 27 MB snapshot into fresh memory
// 80-93 ms against 12-40 ms advised.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { koffi } from '../../src/platform/libc.js';
import { sharedBufferForBulk } from '../../src/platform/huge-pages.js';

const thpMode = (): string | null => {
  try {
    return /\[(\w+)\]/.exec(fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'latin1'))?.[1] ?? null;
  } catch {
    return null;
  }
};

/** The VmFlags of the mapping that holds `address`, from /proc/self/smaps. */
function vmFlagsAt(address: bigint): string[] {
  let inside = false;
  for (const line of fs.readFileSync('/proc/self/smaps', 'latin1').split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (range) inside = BigInt(`0x${range[1]}`) <= address && address < BigInt(`0x${range[2]}`);
    else if (inside && line.startsWith('VmFlags:')) return line.slice('VmFlags:'.length).trim().split(' ');
  }
  return [];
}

describe('sharedBufferForBulk', () => {
  it('gives a zero-filled buffer over a SharedArrayBuffer of the size asked', () => {
    const buffer = sharedBufferForBulk(5 << 20);
    expect(buffer.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(buffer.length).toBe(5 << 20);
    expect(buffer.every((b) => b === 0)).toBe(true);
  });

  it.runIf(thpMode() !== null)('advises its whole 2 MiB pages as huge pages (needs a kernel with THP: it has /sys/kernel/mm/transparent_hugepage)', () => {
    const buffer = sharedBufferForBulk(9 << 20);
    const middle = koffi.address(buffer) + BigInt(4 << 20);
    expect(vmFlagsAt(middle)).toContain('hg');
    buffer.fill(1);
    expect(buffer[(9 << 20) - 1]).toBe(1);
  });
});
