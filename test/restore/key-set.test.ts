// KeySet: the table look-pieces.ts finds a path given twice with, across pieces that come in
// any order.

import { describe, expect, it } from 'vitest';
import { KeySet } from '../../src/restore/key-set.js';
import { wideHash } from '../../src/restore/piece-look.js';

function repeatedAfter(...pieces: number[][]): boolean {
  const keys = new KeySet();
  for (const piece of pieces) keys.addAll(Float64Array.from(piece));
  return keys.repeated;
}

describe('KeySet', () => {
  it('finds a key added twice, in one piece or in two, and nothing in distinct keys', () => {
    expect(repeatedAfter([1, 2, 3], [4, 5])).toBe(false);
    expect(repeatedAfter([1, 2, 3], [4, 2])).toBe(true);
    expect(repeatedAfter([7, 7])).toBe(true);
    expect(repeatedAfter([], [])).toBe(false);
  });

  it('takes 0, fractions and keys above 2^32 as keys like any other', () => {
    expect(repeatedAfter([0], [1])).toBe(false);
    expect(repeatedAfter([0], [0])).toBe(true);
    expect(repeatedAfter([0.5, 1], [1.5])).toBe(false);
    // Equal in their low 32 bits (the slot they start from), different keys.
    expect(repeatedAfter([5, 5 + 2 ** 32, 5 + 2 ** 40])).toBe(false);
    expect(repeatedAfter([5 + 2 ** 32, 5, 5 + 2 ** 32])).toBe(true);
  });

  it('keeps the keys it holds when made room for more at once, and still grows past a guess too small', () => {
    const keys = new KeySet();
    keys.addAll(Float64Array.from([1, 2, 3]));
    keys.expect(100_000);
    keys.addAll(Float64Array.from([4, 5]));
    expect(keys.repeated).toBe(false);
    keys.addAll(Float64Array.from([2]));
    expect(keys.repeated).toBe(true);
    const small = new KeySet();
    small.expect(10);
    small.addAll(Float64Array.from({ length: 50_000 }, (_, i) => i * 7.5));
    expect(small.repeated).toBe(false);
    small.addAll(Float64Array.from([49_999 * 7.5]));
    expect(small.repeated).toBe(true);
  });

  it('answers as a Set does for 200k path hashes, as it grows, wherever the repeat is', () => {
    const hashes = Array.from({ length: 200_000 }, (_, i) => wideHash(`usr/share/doc/package-${i}/file`));
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(repeatedAfter(hashes)).toBe(false);
    for (const at of [0, 1, 99_999, 199_999]) {
      expect(repeatedAfter(hashes.slice(0, 100_000), hashes.slice(100_000), [hashes[at] as number])).toBe(true);
    }
  });
});
