import { describe, expect, it } from 'vitest';
import { sortedOrder, type DirectoryPlace } from '../../src/model/path-order.js';
import { seededRandom } from '../helpers/seeded-random.js';

/**
 * The orders written the plain way: component by component, as bytes, a directory before
 * (contracts.md) or after (restore) all beneath it; "." and "" are the root.
 */
const byComponents = (directories: DirectoryPlace) => (x: string, y: string): number => {
  const parts = (p: string): Buffer[] => (p === '.' || p === '' ? [] : p.split('/').map((c) => Buffer.from(c, 'latin1')));
  const a = parts(x);
  const b = parts(y);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = Buffer.compare(a[i] as Buffer, b[i] as Buffer);
    if (c !== 0) return c;
  }
  return (a.length - b.length) * (directories === 'first' ? 1 : -1);
};

const sortedBy = (paths: string[], directories: DirectoryPlace = 'first'): string[] =>
  Array.from(sortedOrder(paths, directories), (i) => paths[i] as string);

describe('sortedOrder', () => {
  it('puts a directory before its contents and its contents before names that sort below "/"', () => {
    const paths = ['a-b', 'a/b', 'a.b', 'a', '.', 'a\x01', 'a/b/c', 'ab', '-', '\xff', 'a/\xff', 'a/-', 'a b'];
    expect(sortedBy(paths)).toEqual(['.', '-', 'a', 'a/-', 'a/b', 'a/b/c', 'a/\xff', 'a\x01', 'a b', 'a-b', 'a.b', 'ab', '\xff']);
  });

  it('sorts thousands of paths with long shared prefixes as the component-by-component comparison does', () => {
    const next = seededRandom(7);
    const alphabet = ['a', 'b', '-', '.', '/', '\x01', '\xe9', ' ', 'z'];
    const paths = new Set<string>(['.']);
    for (let i = 0; i < 5000; i++) {
      let p = `root/dir${Math.floor(next() * 3)}/`;
      const n = 1 + Math.floor(next() * 12);
      for (let k = 0; k < n; k++) p += alphabet[Math.floor(next() * alphabet.length)];
      // Keep the path well formed: no empty component, no trailing "/".
      paths.add(p.replace(/\/{2,}/g, '/').replace(/\/$/, ''));
    }
    const list = [...paths];
    for (const directories of ['first', 'last'] as const) {
      const sorted = [...list].sort(byComponents(directories));
      expect(sortedBy(list, directories)).toEqual(sorted);
      // Already sorted and reversed inputs, the usual worst cases of a quicksort.
      expect(sortedBy(sorted, directories)).toEqual(sorted);
      expect(sortedBy([...sorted].reverse(), directories)).toEqual(sorted);
    }
  });

  it('puts each directory after all beneath it, and the root last, for restore', () => {
    const paths = ['a-b', 'a/b', 'a', '', 'a\x01', 'a/b/c', 'ab', 'a/\xff', '-'];
    expect(sortedBy(paths, 'last')).toEqual(['-', 'a/b/c', 'a/b', 'a/\xff', 'a', 'a\x01', 'a-b', 'ab', '']);
  });

  it('keeps equal paths in the order given', () => {
    const paths = Array.from({ length: 200 }, (_, i) => ['x/y', 'x', 'z'][i % 3] as string);
    for (const directories of ['first', 'last'] as const) {
      const order = Array.from(sortedOrder(paths, directories));
      const sameAsBefore = order.every((i, k) => k === 0 || paths[order[k - 1] as number] !== paths[i] || (order[k - 1] as number) < i);
      expect(sameAsBefore).toBe(true);
    }
  });

  it('sorts equal paths together and an empty list to nothing', () => {
    expect(sortedBy(['b', 'a', 'b', 'a/x', 'a'])).toEqual(['a', 'a', 'a/x', 'b', 'b']);
    expect(sortedBy(['b', 'a', 'b', 'a/x', 'a'], 'last')).toEqual(['a/x', 'a', 'a', 'b', 'b']);
    expect(sortedOrder([])).toEqual(new Int32Array(0));
  });
});
