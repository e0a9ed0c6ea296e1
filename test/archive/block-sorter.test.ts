// --sort's external merge sort: the same order as an in-memory stable sort whether it holds
// everything, spills runs to temp files, or merges more runs than it keeps open; equal keys
// keep their order; the temp files go away.

import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { BlockSorter, type SortableBlock } from '../../src/archive/block-sorter.js';

function blocks(n: number): SortableBlock[] {
  let seed = 42;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: n }, (_, i) => ({
    key: `k${random() % 300}`.replaceAll('1', '\0'),
    text: `# file: ${i}\n${'\xff'.repeat(random() % 50)}\n\n`,
    headerEnd: i % 7 === 0 ? -1 : i,
  }));
}

const sortTempDirs = (): string[] => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('permsnap-sort-'));

describe('BlockSorter', () => {
  for (const [label, budget] of [['in memory', 1 << 30], ['spilling runs', 4000], ['merging runs into one', 200]] as const) {
    it(`sorts stably ${label}`, () => {
      const input = blocks(2000);
      const before = sortTempDirs();
      const sorter = new BlockSorter(budget);
      for (const b of input) sorter.add(b);
      const spilled = sortTempDirs().length > before.length;
      expect(spilled).toBe(budget < 1 << 30);
      const expected = [...input].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      expect([...sorter.sorted()]).toEqual(expected);
      sorter.dispose();
      expect(sortTempDirs()).toEqual(before);
    });
  }
});
