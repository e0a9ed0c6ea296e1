// Member names as getfacl -R would have walked them, and --sort's key, which must order
// paths as contracts.md says: component by component, as byte strings.

import { describe, expect, it } from 'vitest';
import { normalizeMemberPath, sortKey } from '../../src/archive/archive-path.js';
import { printedPath } from '../../src/model/printed-path.js';

const printed = (name: string): string => {
  const n = normalizeMemberPath(name);
  if ('problem' in n) throw new Error(n.problem);
  return printedPath(n.path, true).path;
};

describe('normalizeMemberPath', () => {
  it('prints what getfacl -R . prints in the archive\'s root', () => {
    expect(printed('./')).toBe('.');
    expect(printed('.')).toBe('.');
    expect(printed('./a/b/')).toBe('a/b');
    expect(printed('a//b/./c/')).toBe('a/b/c');
    expect(printed('/usr/bin/')).toBe('usr/bin');
    expect(printed('tree/new\nline')).toBe('tree/new\nline');
  });

  it('keeps the leading "./" or "/" for -p', () => {
    expect(normalizeMemberPath('./a//b/')).toEqual({ path: './a/b' });
    expect(normalizeMemberPath('//usr/./bin')).toEqual({ path: '/usr/bin' });
  });

  it('refuses ".." components and empty names', () => {
    expect(normalizeMemberPath('a/../../etc/shadow')).toEqual({ problem: 'member name with a ".." component' });
    expect(normalizeMemberPath('')).toEqual({ problem: 'member with an empty name' });
  });

  it('refuses a NUL byte anywhere in a name, which would end it early in every system call', () => {
    for (const name of ['..\0', 'a\0../outside', 'q\0', '\0']) {
      expect(normalizeMemberPath(name)).toEqual({ problem: 'member name with a NUL byte' });
    }
  });
});

describe('sortKey', () => {
  it('orders the root first, a directory before its contents, siblings by bytes', () => {
    const paths = ['a-b', 'a/b', '.', 'a', '-x', 'A', 'a/b/c', 'a.b', '\xff', 'a b', 'a/a'];
    const sorted = [...paths].sort((x, y) => (sortKey(x) < sortKey(y) ? -1 : sortKey(x) > sortKey(y) ? 1 : 0));
    expect(sorted).toEqual(['.', '-x', 'A', 'a', 'a/a', 'a/b', 'a/b/c', 'a b', 'a-b', 'a.b', '\xff']);
  });
});
