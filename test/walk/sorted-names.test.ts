// sortedNames sorts NUL-joined byte-string names in byte order without splitting them: it
// must give exactly what splitting, sorting and joining gives.

import { describe, expect, it } from 'vitest';
import { sortedNames } from '../../src/walk/sorted-names.js';

const bySplitting = (names: string): string => (names === '' ? '' : names.split('\0').sort().join('\0'));

describe('sortedNames', () => {
  it('sorts in byte order, a name before the longer ones it starts', () => {
    const names = ['b', 'a\xff', 'ab', 'a', 'a\x01', 'A', ' x', 'aa'].join('\0');
    expect(sortedNames(names)).toBe(['A', ' x', 'a', 'a\x01', 'aa', 'ab', 'a\xff', 'b'].sort().join('\0'));
    expect(sortedNames(names)).toBe(bySplitting(names));
  });

  it('keeps one name, and no names, as they are', () => {
    expect(sortedNames('only')).toBe('only');
    expect(sortedNames('')).toBe('');
  });

  it('agrees with splitting and sorting on many random byte names, over several pieces', () => {
    let seed = 7;
    const random = (n: number): number => {
      // xorshift32: 32-bit steps, exact in a double
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const names = new Set<string>();
    // Bytes 1-255 (never NUL, never "/"), lengths 1-12, many sharing prefixes.
    while (names.size < 10_000) {
      const length = 1 + random(12);
      let name = random(2) === 0 ? 'file-' : '';
      for (let i = 0; i < length; i++) {
        const byte = 1 + random(255);
        name += String.fromCharCode(byte === 0x2f ? 0x2e : byte);
      }
      names.add(name);
    }
    const joined = [...names].join('\0');
    expect(sortedNames(joined)).toBe(bySplitting(joined));
  });
});
