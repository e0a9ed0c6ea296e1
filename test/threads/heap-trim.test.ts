// collectIfGrown(): a full collection once the heap has grown past its threshold, then not
// again until the heap has doubled what survived. Run here with V8's real gc(), which
// exposeGcToNewWorkers() makes available to contexts made after it (a worker's, or a vm's).

import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { collectIfGrown, exposeGcToNewWorkers } from '../../src/threads/heap-trim.js';

const holder = globalThis as { gc?: () => void };
const hadGc = holder.gc;
afterEach(() => {
  holder.gc = hadGc;
});

const used = (): number => v8.getHeapStatistics().used_heap_size;

/** Leaves at least `mb` MB of dead strings in the old generation (they survive two scavenges first). */
function leaveGarbage(mb: number): void {
  let kept: string[] = [];
  for (let round = 0; round < 4; round++) {
    const more: string[] = [];
    for (let i = 0; i < mb * 1024; i++) more.push(`${round}:${i}:${'x'.repeat(1000)}`.slice(1));
    kept = kept.concat(more);
  }
  kept.length = 0;
}

describe('collectIfGrown', () => {
  it('collects a grown heap once, then waits for it to double', () => {
    exposeGcToNewWorkers();
    const realGc = vm.runInNewContext('gc') as () => void;
    let calls = 0;
    holder.gc = () => {
      calls++;
      realGc();
    };
    leaveGarbage(32);
    const before = used();
    expect(before).toBeGreaterThan(28 * 1024 * 1024);
    collectIfGrown();
    expect(calls).toBe(1);
    expect(used()).toBeLessThan(before - 24 * 1024 * 1024);
    collectIfGrown(); // nothing grew since
    expect(calls).toBe(1);
  });

  it('does nothing where gc() is not exposed', () => {
    holder.gc = undefined;
    leaveGarbage(16);
    expect(() => collectIfGrown()).not.toThrow();
  });
});
