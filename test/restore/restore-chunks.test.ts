// chunkForRestore cuts the restore order into chunks that run side by side: nothing lost or
// repeated, each chunk in input order, and a directory whose contents begin in an earlier
// chunk deferred to after all chunks, so that no directory changes while another chunk may
// still be working beneath it. Small chunk sizes on hand-made and generated trees; plus
// isBeneath.

import { describe, expect, it } from 'vitest';
import { chunkForRestore as chunkPositions, isBeneath as isBeneathIn } from '../../src/restore/restore-chunks.js';
import { sortForRestore as sortedForRestore } from '../../src/restore/restore-order.js';
import type { TargetPath } from '../../src/restore/target-path.js';
import { columnsOf, isDescendant, picked, randomTree, seededRandom, shuffled } from '../helpers/random-paths.js';

interface Item {
  target: TargetPath;
  /** Position in the (sorted) input. */
  id: number;
}

// The functions take and give positions in the paths' columns: here, the items themselves.
const sortForRestore = <T extends { target: TargetPath }>(input: T[]): T[] => picked(input, sortedForRestore(columnsOf(input)));
function chunkForRestore<T extends { target: TargetPath }>(items: T[], size?: number): { chunks: T[][]; deferred: T[][] } {
  const { chunks, deferred } = chunkPositions(Int32Array.from(items.keys()), columnsOf(items), size);
  return { chunks: chunks.map((c) => picked(items, c)), deferred: deferred.map((c) => picked(items, c)) };
}
const isBeneath = (path: TargetPath, dir: TargetPath): boolean => isBeneathIn(columnsOf([{ target: path }, { target: dir }]), 0, 1);

/** Items in restore order, numbered by their position in it. */
function sortedItems(relatives: string[], root = '/r'): Item[] {
  return sortForRestore(relatives.map((relative) => ({ target: { root, relative }, id: -1 }))).map((item, id) => ({ ...item, id }));
}

const names = (chunks: Item[][]): string[][] => chunks.map((c) => c.map((i) => i.target.relative));

/** Every property the restore's second pass relies on, for one input and size. */
function expectSoundChunks(items: Item[], size: number, label: string): number {
  const { chunks, deferred } = chunkForRestore(items, size);
  const ids = (list: Item[][]): number[] => list.flat().map((i) => i.id);

  // Nothing lost or repeated; each chunk, and the deferred list, in input order.
  expect([...ids(chunks), ...ids(deferred)].sort((a, b) => a - b), label).toEqual(items.map((i) => i.id));
  for (const chunk of chunks) {
    expect(chunk.length, label).toBeGreaterThan(0);
    expect(chunk.length, label).toBeLessThanOrEqual(size);
    const slice = Math.floor((chunk[0] as Item).id / size);
    // A chunk is what is left of one cut of `size` consecutive items.
    for (const item of chunk) expect(Math.floor(item.id / size), label).toBe(slice);
  }
  const chunkIds = ids(chunks);
  expect(chunkIds, label).toEqual([...chunkIds].sort((a, b) => a - b));
  const deferredIds = ids(deferred);
  expect(deferredIds, `${label}: deferred in restore order`).toEqual([...deferredIds].sort((a, b) => a - b));
  deferred.forEach((chunk, k) => expect(chunk.length, label).toBe(k < deferred.length - 1 ? size : deferredIds.length - size * k));

  const chunkOf = new Map<number, number>();
  chunks.forEach((chunk, k) => chunk.forEach((item) => chunkOf.set(item.id, k)));
  const deferredAt = new Map<number, number>(deferredIds.map((id, p) => [id, p]));
  for (const dir of items) {
    const beneath = items.filter((item) => isDescendant(item.target, dir.target));
    const startsEarlier = beneath.some((item) => Math.floor(item.id / size) < Math.floor(dir.id / size));
    const what = `${label}: ${JSON.stringify(dir.target.relative)}#${dir.id}`;
    // Deferred exactly when its contents begin in an earlier cut.
    expect(deferredAt.has(dir.id), what).toBe(startsEarlier);
    if (chunkOf.has(dir.id)) {
      // Runs side by side with other chunks: all its contents are in its own chunk.
      for (const item of beneath) expect(chunkOf.get(item.id), `${what} holds ${JSON.stringify(item.target.relative)}`).toBe(chunkOf.get(dir.id));
    } else {
      // Runs after all chunks, one deferred chunk at a time: its contents are done before it.
      const at = deferredAt.get(dir.id) as number;
      for (const item of beneath) {
        if (deferredAt.has(item.id)) expect(deferredAt.get(item.id) as number, `${what} holds ${JSON.stringify(item.target.relative)}`).toBeLessThan(at);
        else expect(chunkOf.has(item.id), what).toBe(true);
      }
    }
  }
  return deferredIds.length;
}

describe('chunkForRestore', () => {
  it('cuts into chunks of the given size and defers each directory whose contents begin in an earlier chunk', () => {
    const items = sortedItems(['a', 'a/1', 'a/2', 'a/3', 'a/4', 'b', 'b/1', 'c', '']);
    expect(names([items])).toEqual([['a/1', 'a/2', 'a/3', 'a/4', 'a', 'b/1', 'b', 'c', '']]);
    const { chunks, deferred } = chunkForRestore(items, 3);
    expect(names(chunks)).toEqual([['a/1', 'a/2', 'a/3'], ['a/4', 'b/1'], ['c']]);
    expect(names(deferred)).toEqual([['a', 'b', '']]);
  });

  it('keeps a directory whose contents are all in its own chunk in that chunk', () => {
    const { chunks, deferred } = chunkForRestore(sortedItems(['x', 'x/1', 'x/2', 'y', 'y/1', 'y/2']), 3);
    expect(names(chunks)).toEqual([['x/1', 'x/2', 'x'], ['y/1', 'y/2', 'y']]);
    expect(deferred).toEqual([]);
  });

  it('defers a directory that starts a chunk right after its contents, and leaves no empty chunk', () => {
    const { chunks, deferred } = chunkForRestore(sortedItems(['a', 'a/1', 'a/2', 'a/3']), 3);
    expect(names(chunks)).toEqual([['a/1', 'a/2', 'a/3']]);
    expect(names(deferred)).toEqual([['a']]);
  });

  it('defers every ancestor of a deep path cut from its contents, deepest first, in chunks of the size', () => {
    const chain = ['d', 'd/e', 'd/e/f', 'd/e/f/g', 'd/e/f/g/h'];
    const { chunks, deferred } = chunkForRestore(sortedItems([...chain, 'd/e/f/g/h/1', 'd/e/f/g/h/2']), 2);
    expect(names(chunks)).toEqual([['d/e/f/g/h/1', 'd/e/f/g/h/2']]);
    expect(names(deferred)).toEqual([['d/e/f/g/h', 'd/e/f/g'], ['d/e/f', 'd/e'], ['d']]);
  });

  it('does not defer a directory whose earlier neighbour is a sibling with a longer name', () => {
    // 'a-b' follows 'a' in byte order, and 'a' is no ancestor of 'a-b/x'.
    const { chunks, deferred } = chunkForRestore(sortedItems(['a', 'a/1', 'a-b', 'a-b/x']), 2);
    expect(names(chunks)).toEqual([['a/1', 'a'], ['a-b/x', 'a-b']]);
    expect(deferred).toEqual([]);
  });

  it('defers a root itself for contents of its own root only, never for those of another root', () => {
    const items = sortForRestore([
      { target: { root: '/q', relative: '' }, id: -1 },
      { target: { root: '/p', relative: '' }, id: -1 },
      { target: { root: '/p', relative: 'x' }, id: -1 },
    ]).map((item, id) => ({ ...item, id }));
    const shown = (list: Item[][]): string[][] => list.map((c) => c.map((i) => `${i.target.root}:${i.target.relative}`));
    const { chunks, deferred } = chunkForRestore(items, 1);
    expect(shown(chunks)).toEqual([['/p:x'], ['/q:']]);
    expect(shown(deferred)).toEqual([['/p:']]);
  });

  it('gives no chunk for no items, and one chunk when everything fits', () => {
    expect(chunkForRestore([], 3)).toEqual({ chunks: [], deferred: [] });
    const items = sortedItems(['a', 'a/b', 'c']);
    expect(chunkForRestore(items, 3)).toEqual({ chunks: [items], deferred: [] });
    expect(chunkForRestore(items)).toEqual({ chunks: [items], deferred: [] });
  });

  it('holds its invariants on generated whole trees for chunk sizes 1 to 7', () => {
    for (const seed of [21, 22, 23]) {
      const items = sortedItems(randomTree(seededRandom(seed), 300));
      let deferred = 0;
      for (const size of [1, 2, 3, 4, 7]) deferred += expectSoundChunks(items, size, `seed ${seed}, size ${size}`);
      expect(deferred, `seed ${seed}: some directory was deferred`).toBeGreaterThan(0);
    }
  });

  it('holds its invariants when only some paths need work (ancestors missing from the list)', () => {
    for (const seed of [31, 32, 33]) {
      const random = seededRandom(seed);
      const kept = randomTree(random, 400).filter(() => random() < 0.5);
      const items = sortedItems(kept);
      let deferred = 0;
      for (const size of [2, 3, 4, 16]) deferred += expectSoundChunks(items, size, `seed ${seed}, size ${size}`);
      expect(deferred, `seed ${seed}: some directory was deferred`).toBeGreaterThan(0);
    }
  });

  it('holds its invariants over several roots at once', () => {
    const random = seededRandom(41);
    const mixed = ['/a', '/b', '/'].flatMap((root) => randomTree(random, 150).map((relative) => ({ target: { root, relative }, id: -1 })));
    const items = sortForRestore(shuffled(mixed, random)).map((item, id) => ({ ...item, id }));
    for (const size of [3, 4, 10]) expect(expectSoundChunks(items, size, `size ${size}`)).toBeGreaterThan(0);
  });
});

describe('isBeneath', () => {
  const at = (relative: string, root = '/r'): TargetPath => ({ root, relative });

  it('is true for a path strictly beneath a directory of the same root', () => {
    expect(isBeneath(at('a/b'), at('a'))).toBe(true);
    expect(isBeneath(at('a/b/c'), at('a'))).toBe(true);
    expect(isBeneath(at('a/b/c'), at('a/b'))).toBe(true);
  });

  it('is false for the directory itself, its ancestors and siblings sharing a prefix', () => {
    expect(isBeneath(at('a/b'), at('a/b'))).toBe(false);
    expect(isBeneath(at('a'), at('a/b'))).toBe(false);
    expect(isBeneath(at('a/bc'), at('a/b'))).toBe(false);
    expect(isBeneath(at('a-b/c'), at('a'))).toBe(false);
    expect(isBeneath(at('ab'), at('a'))).toBe(false);
  });

  it('is false across roots, even for the same relative path', () => {
    expect(isBeneath(at('a/b', '/r1'), at('a', '/r2'))).toBe(false);
    expect(isBeneath(at('a', '/r1'), at('', '/r2'))).toBe(false);
  });

  it('puts everything of a root, and nothing else, beneath the root itself', () => {
    expect(isBeneath(at('a'), at(''))).toBe(true);
    expect(isBeneath(at('a/b/c'), at(''))).toBe(true);
    expect(isBeneath(at(''), at(''))).toBe(false);
    expect(isBeneath(at(''), at('a'))).toBe(false);
  });

  it('agrees with a component-wise test on generated paths', () => {
    const relatives = randomTree(seededRandom(51), 120);
    for (const p of relatives) {
      for (const d of relatives) expect(isBeneath(at(p), at(d)), `${JSON.stringify(p)} beneath ${JSON.stringify(d)}`).toBe(isDescendant(at(p), at(d)));
    }
  });
});
