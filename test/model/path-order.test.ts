import { describe, expect, it } from 'vitest';
import { sortedOrder } from '../../src/model/path-order.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** contracts.md's order, written the plain way: component by component, as bytes; "." is the root. */
function byComponents(x: string, y: string): number {
  const parts = (p: string): Buffer[] => (p === '.' ? [] : p.split('/').map((c) => Buffer.from(c, 'latin1')));
  const a = parts(x);
  const b = parts(y);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = Buffer.compare(a[i] as Buffer, b[i] as Buffer);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

const sortedBy = (paths: string[]): string[] => Array.from(sortedOrder(paths), (i) => paths[i] as string);

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
    expect(sortedBy(list)).toEqual([...list].sort(byComponents));
    // Already sorted and reversed inputs, the usual worst cases of a quicksort.
    const sorted = [...list].sort(byComponents);
    expect(sortedBy(sorted)).toEqual(sorted);
    expect(sortedBy([...sorted].reverse())).toEqual(sorted);
  });

  it('sorts equal paths together and an empty list to nothing', () => {
    expect(sortedBy(['b', 'a', 'b', 'a/x', 'a'])).toEqual(['a', 'a', 'a/x', 'b', 'b']);
    expect(sortedOrder([])).toEqual(new Int32Array(0));
  });
});
