// collectIfGrown(): a full collection once the heap has grown past its threshold (V8's
// gc(), exposed on first use), then not again until the heap has doubled what survived.
// Full collections are counted through Node's 'gc' performance entries.

import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { collectIfGrown } from '../../src/threads/heap-trim.js';

/** Strings of about `mb` MB in all. */
const strings = (mb: number): string[] => Array.from({ length: mb * 1024 }, (_, i) => `${i}:${'x'.repeat(1000)}`.slice(1));

/** How many full (major) collections happen while `run` runs. */
async function fullCollections(run: () => void): Promise<number> {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (((entry as PerformanceEntry & { detail?: unknown }).detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) count++;
  });
  observer.observe({ entryTypes: ['gc'] });
  run();
  await new Promise((resolve) => setTimeout(resolve, 100)); // the entries come asynchronously
  observer.disconnect();
  return count;
}

describe('collectIfGrown', () => {
  it('collects a heap grown past 20 MB, then waits for it to double what survived', async () => {
    const live = strings(16); // what survives: the next threshold is twice it, past 20 MB
    strings(32); // dropped at once: garbage
    expect(await fullCollections(() => collectIfGrown())).toBe(1);
    expect(await fullCollections(() => collectIfGrown())).toBe(0);
    expect(live).toHaveLength(16 * 1024); // kept alive until here
  });
});
