// sortForRestore: a directory after everything beneath it at every depth, siblings in byte
// order ("/" below every byte, so a/b < a < a-b), the root itself last, roots grouped,
// stable for repeated targets; checked by hand and against a component-wise statement of
// the order on generated trees. Plus resolveTarget's fast path for plain paths against a
// reference of the general rules.

import { describe, expect, it } from 'vitest';
import { restoreOrder as restoreOrderOf, sortForRestore as sortedForRestore } from '../../src/restore/restore-order.js';
import { lastSlash, resolveTarget, type TargetPath } from '../../src/restore/target-path.js';
import { columnsOf, compareRestoreOrder, isDescendant, picked, randomTree, seededRandom, shuffled } from '../helpers/random-paths.js';

interface Item {
  target: TargetPath;
  id: number;
}

// The items themselves in the order the functions give as positions.
const restoreOrder = <T extends Item>(input: T[]): T[] => picked(input, restoreOrderOf(columnsOf(input)));
const sortForRestore = <T extends Item>(input: T[]): T[] => picked(input, sortedForRestore(columnsOf(input)));
const items = (relatives: string[], root = '/r'): Item[] => relatives.map((relative, id) => ({ target: { root, relative }, id }));
const relativesOf = (sorted: Item[]): string[] => sorted.map((i) => i.target.relative);
const sortedRelatives = (relatives: string[]): string[] => relativesOf(sortForRestore(items(relatives)));

describe('sortForRestore', () => {
  it('puts the contents of a directory before it, at every depth', () => {
    expect(sortedRelatives(['a', 'a/b', 'a/b/c', 'a/b/c/d', 'a/e', 'a/b/f'])).toEqual(['a/b/c/d', 'a/b/c', 'a/b/f', 'a/b', 'a/e', 'a']);
  });

  it('puts siblings in byte order, bytes 0x80-0xff after ASCII', () => {
    expect(sortedRelatives(['b', '\xff', 'a', '\x80', 'B', 'z', '\xe9', '~'])).toEqual(['B', 'a', 'b', 'z', '~', '\x80', '\xe9', '\xff']);
  });

  it('sorts "/" below every byte: a/b, then a, then a-b, a.b and a b after them', () => {
    expect(sortedRelatives(['a-b', 'a0', 'a', 'a.b', 'a b', 'a/b', 'a\x01'])).toEqual(['a/b', 'a', 'a\x01', 'a b', 'a-b', 'a.b', 'a0']);
  });

  it('keeps a directory whose name holds a 0x01 byte after its contents and apart from its prefix sibling', () => {
    expect(sortedRelatives(['a', 'a\x01', 'a\x01/x', 'a/x', 'a\x01\x01'])).toEqual(['a/x', 'a', 'a\x01/x', 'a\x01', 'a\x01\x01']);
  });

  it('puts the root itself last within its root', () => {
    expect(sortedRelatives(['', 'z', 'a/b', '\xff', 'a'])).toEqual(['a/b', 'a', 'z', '\xff', '']);
  });

  it('groups several roots in sorted order, each with its root itself last', () => {
    const mixed: Item[] = [
      { target: { root: '/r2', relative: 'x' }, id: 0 },
      { target: { root: '/', relative: '' }, id: 1 },
      { target: { root: '/r1', relative: '' }, id: 2 },
      { target: { root: '/r2', relative: '' }, id: 3 },
      { target: { root: '/', relative: 'etc/passwd' }, id: 4 },
      { target: { root: '/r1', relative: 'y/z' }, id: 5 },
      { target: { root: '/', relative: 'etc' }, id: 6 },
      { target: { root: '/r1', relative: 'y' }, id: 7 },
      { target: { root: '/r2', relative: 'a' }, id: 8 },
    ];
    expect(sortForRestore(mixed).map((i) => i.id)).toEqual([4, 6, 1, 5, 7, 2, 8, 0, 3]);
  });

  it('keeps 300 roots apart and in order, whatever bytes their names hold', () => {
    const roots = Array.from({ length: 300 }, (_, i) => `/r${String(i).padStart(3, '0')}`);
    const mixed: Item[] = roots.flatMap((root, i) => [
      { target: { root, relative: '' }, id: 2 * i + 1 },
      { target: { root, relative: 'x' }, id: 2 * i },
    ]);
    const sorted = sortForRestore(shuffled(mixed, seededRandom(3)));
    expect(sorted.map((i) => i.id)).toEqual(mixed.map((_, i) => i));
  });

  it('is stable for repeated targets: the one given first stays first', () => {
    const repeated: Item[] = [
      { target: { root: '/r', relative: 'a' }, id: 0 },
      { target: { root: '/r', relative: 'b' }, id: 1 },
      { target: { root: '/r', relative: 'a' }, id: 2 },
      { target: { root: '/r', relative: '' }, id: 3 },
      { target: { root: '/r', relative: 'a/c' }, id: 4 },
      { target: { root: '/r', relative: '' }, id: 5 },
      { target: { root: '/r', relative: 'a' }, id: 6 },
    ];
    expect(sortForRestore(repeated).map((i) => i.id)).toEqual([4, 0, 2, 6, 1, 3, 5]);
  });

  it('returns a new array and leaves its input as it was', () => {
    const input = items(['a', 'a/b']);
    const copy = [...input];
    const sorted = sortForRestore(input);
    expect(sorted).not.toBe(input);
    expect(input).toEqual(copy);
    expect(sortForRestore([])).toEqual([]);
  });

  it('agrees with the component-wise order on generated trees of 500 paths over three roots', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seededRandom(seed);
      const all: Item[] = [];
      for (const root of ['/srv/b', '/', '/srv/a']) {
        for (const relative of randomTree(random, 500)) all.push({ target: { root, relative }, id: all.length });
      }
      const input = shuffled(all, random);
      const expected = [...input].sort((p, q) => compareRestoreOrder(p.target, q.target));
      expect(sortForRestore(input).map((i) => i.id), `seed ${seed}`).toEqual(expected.map((i) => i.id));
    }
  });

  it('puts every directory right after one contiguous run of all its descendants, on generated trees', () => {
    for (const seed of [11, 12, 13]) {
      const random = seededRandom(seed);
      const sorted = sortForRestore(shuffled(items(randomTree(random, 500)), random));
      expect(sorted).toHaveLength(500);
      sorted.forEach((dir, at) => {
        const beneath = sorted.flatMap((item, i) => (isDescendant(item.target, dir.target) ? [i] : []));
        // Contiguous and ending right before the directory: exactly the indexes at-n .. at-1.
        expect(beneath, `seed ${seed}: ${JSON.stringify(dir.target.relative)}`).toEqual(Array.from({ length: beneath.length }, (_, k) => at - beneath.length + k));
      });
      expect(sorted.at(-1)?.target.relative).toBe('');
    }
  });
});

/** Each directory right after one contiguous run of all its descendants (restore-chunks.ts relies on it). */
function expectContentsRightBefore(ordered: Item[], label: string): void {
  ordered.forEach((dir, at) => {
    const beneath = ordered.flatMap((item, i) => (isDescendant(item.target, dir.target) ? [i] : []));
    expect(beneath, `${label}: ${JSON.stringify(dir.target.relative)}`).toEqual(Array.from({ length: beneath.length }, (_, k) => at - beneath.length + k));
  });
}

/**
 * The expected order for an input where each item comes before all beneath it, stated apart:
 * the forest whose parent links go to the nearest ancestor among the items, children in
 * input order, walked children first.
 */
function postOrderReference(input: Item[]): Item[] {
  const children = new Map<Item | null, Item[]>();
  for (const item of input) {
    const parents = input.filter((p) => isDescendant(item.target, p.target));
    const parent = parents.sort((p, q) => q.target.relative.length - p.target.relative.length)[0] ?? null;
    children.set(parent, [...(children.get(parent) ?? []), item]);
  }
  const out: Item[] = [];
  const walk = (item: Item): void => {
    for (const child of children.get(item) ?? []) walk(child);
    out.push(item);
  };
  for (const top of children.get(null) ?? []) walk(top);
  return out;
}

/** A depth-first walk of the tree, siblings in random order, every directory before its contents. */
function preOrder(relatives: string[], random: () => number): string[] {
  const kids = new Map<string, string[]>();
  for (const r of relatives) {
    if (r === '') continue;
    const parent = r.includes('/') ? r.slice(0, r.lastIndexOf('/')) : '';
    kids.set(parent, [...(kids.get(parent) ?? []), r]);
  }
  const out: string[] = [];
  const walk = (r: string): void => {
    out.push(r);
    for (const k of shuffled(kids.get(r) ?? [], random)) walk(k);
  };
  walk('');
  return out;
}

describe('restoreOrder', () => {
  it('keeps a snapshot\'s own order, each directory moved after its contents, when directories come before their contents', () => {
    const order = (relatives: string[]): string[] => relativesOf(restoreOrder(items(relatives)));
    expect(order(['', 'z', 'z/y', 'z/y/x', 'z/b', 'a', 'm'])).toEqual(['z/y/x', 'z/y', 'z/b', 'z', 'a', 'm', '']);
    // Only some paths need work: their directories need not be among them.
    expect(order(['z/y/x', 'z/b', 'a', 'a/c'])).toEqual(['z/y/x', 'z/b', 'a/c', 'a']);
  });

  it('sorts a deep chain listed deepest first (an undo journal) as it sorts any order it cannot keep, and keeps a deep one listed top down', () => {
    // 3,000 levels: past the skipped directories PostOrder gathers before it gives up for
    // the sort (gathering each level again for every path took a 4,000-level undo 69 s).
    const chain = Array.from({ length: 3000 }, (_, i) => Array.from({ length: i + 1 }, () => 'd').join('/'));
    const bottomUp = chain.flatMap((d) => [`${d}/x`, d]).reverse();
    expect(relativesOf(restoreOrder(items(bottomUp)))).toEqual(sortedRelatives(bottomUp));
    const topDown = chain.flatMap((d) => [d, `${d}/x`]);
    // Kept: each file as listed, each directory after its contents.
    expect(relativesOf(restoreOrder(items(topDown)))).toEqual([...chain.map((d) => `${d}/x`), ...[...chain].reverse()]);
  });

  it('sorts instead when a directory comes after something beneath it, or something comes back beneath a directory left', () => {
    for (const relatives of [['a', 'b', 'a/c'], ['a/b', 'a'], ['a/b', 'x', 'a'], ['', 'z', 'z/y', 'a', 'z/b'], ['a/b/c', 'a'], ['a/c/d', 'x', 'a/c']]) {
      expect(relativesOf(restoreOrder(items(relatives))), JSON.stringify(relatives)).toEqual(sortedRelatives(relatives));
    }
  });

  it('keeps the order when a directory a path skips is an item only beneath another root', () => {
    const input = [...items(['c', 'a/b'], '/r'), ...items(['x', 'a'], '/s')];
    const shown = (ordered: Item[]): string[] => ordered.map((i) => `${i.target.root}:${i.target.relative}`);
    expect(shown(restoreOrder(input))).toEqual(['/r:c', '/r:a/b', '/s:x', '/s:a']);
    // Beneath its own root it is found ("a" comes after "a/b", which skipped it): sorted instead.
    expect(shown(restoreOrder([...items(['c', 'a/b', 'a'], '/r'), ...items(['x'], '/s')]))).toEqual(['/r:a/b', '/r:a', '/r:c', '/s:x']);
  });

  it('matches a walk of the tree, children first, on generated trees in depth-first order, whole or in part', () => {
    for (const seed of [21, 22, 23, 24]) {
      const random = seededRandom(seed);
      const walked = preOrder(randomTree(random, 400), random);
      for (const keep of [1, 0.5, 0.1]) {
        const input = items(walked.filter(() => random() < keep));
        const ordered = restoreOrder(input);
        expect(ordered.map((i) => i.id), `seed ${seed}, keep ${keep}`).toEqual(postOrderReference(input).map((i) => i.id));
        expectContentsRightBefore(ordered, `seed ${seed}, keep ${keep}`);
      }
    }
  });

  it('gives a valid restore order for any input order (shuffled, reversed, over two roots)', () => {
    for (const seed of [31, 32, 33]) {
      const random = seededRandom(seed);
      const tree = randomTree(random, 300);
      const twoRoots = [...items(preOrder(tree, random), '/r'), ...items(preOrder(tree, random), '/s')].map((item, id) => ({ ...item, id }));
      for (const input of [shuffled(items(tree), random), items([...tree].reverse()), twoRoots]) {
        const ordered = restoreOrder(input);
        expect(ordered.map((i) => i.id).sort((a, b) => a - b)).toEqual(input.map((i) => i.id).sort((a, b) => a - b));
        expectContentsRightBefore(ordered, `seed ${seed}`);
      }
    }
  });
});

/** The general rules, stated apart from target-path.ts: split on "/", drop "" and ".", refuse "..". */
function referenceTarget(recorded: string, root: string | undefined, cwd: string): { ok: true; target: TargetPath } | { ok: false } {
  const parts = recorded.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..') || recorded.includes('\0')) return { ok: false };
  const target: TargetPath = { root: root ?? (recorded.startsWith('/') ? '/' : cwd), relative: parts.join('/') };
  // "d/" and "d/." name a directory only (as the kernel takes them); "/" and "." are the root.
  if (parts.length > 0 && /\/\.?$/.test(recorded)) target.directory = true;
  return { ok: true, target };
}

const TRICKY = [
  'a', '/a', 'a/b', '/a/b/c', 'a//b', './a', 'a/', '/', '', '.', '..', 'a/..', 'a/./b', '...', '.a', '..a', 'a..', 'a/.b',
  '//a', 'x/../y', 'a/b/.', 'a/./', '/./a', '/..', '../a', 'a/...', '.../a', '///', 'a b/c d', ' ', 'new\nline', '\n',
  'back\\slash', '\\', 'x/\n/y', '\x80', '\xff\xfe/\xe9', 'a/\xff', '\x01', 'trailing space ', 'tab\there/', './', '/.',
  // A NUL would end the path early in every system call: "..\0x" would be "..".
  '..\0', 'a\0../b', '\0', 'a/b\0', 'a/\0/b',
];

describe('resolveTarget', () => {
  for (const root of [undefined, '/mnt/root']) {
    it(`gives on every tricky path what the general rules give${root ? ' with --root' : ' without --root'}`, () => {
      for (const recorded of TRICKY) {
        const got = resolveTarget(recorded, root, '/home/cwd');
        const want = referenceTarget(recorded, root, '/home/cwd');
        expect(got.ok, JSON.stringify(recorded)).toBe(want.ok);
        if (got.ok && want.ok) expect(got.target, JSON.stringify(recorded)).toEqual(want.target);
        if (!got.ok) expect(got.problem).toMatch(recorded.includes('\0') ? /NUL byte/ : /"\.\." component/);
      }
    });
  }

  it('gives on generated paths with doubled, leading and trailing slashes what the general rules give', () => {
    const random = seededRandom(7);
    const pieces = ['a', '.', '..', '', '...', '.x', 'x.', '\xff', ' ', '\n', 'b c'];
    for (let n = 0; n < 3000; n++) {
      const length = Math.floor(random() * 5);
      const recorded = Array.from({ length }, () => pieces[Math.floor(random() * pieces.length)]).join('/');
      const got = resolveTarget(recorded, undefined, '/cwd');
      const want = referenceTarget(recorded, undefined, '/cwd');
      expect(got.ok, JSON.stringify(recorded)).toBe(want.ok);
      if (got.ok && want.ok) expect(got.target, JSON.stringify(recorded)).toEqual(want.target);
    }
  });

  it('gives on every path of up to 7 chars from "a", ".", "/" and NUL what the general rules give', () => {
    // Every arrangement of components, slashes and dots a short path can have: the plain
    // paths resolveTarget takes as they are must be exactly those the rules leave unchanged.
    const chars = ['a', '.', '/', '\0'];
    let level = [''];
    for (let length = 1; length <= 7; length++) {
      level = level.flatMap((p) => chars.map((c) => p + c));
      for (const recorded of level) {
        const got = resolveTarget(recorded, undefined, '/cwd');
        const want = referenceTarget(recorded, undefined, '/cwd');
        expect(got.ok, JSON.stringify(recorded)).toBe(want.ok);
        if (got.ok && want.ok) expect(got.target, JSON.stringify(recorded)).toEqual(want.target);
      }
    }
  });

  it('never leaves a ".." or an empty component in a relative path it accepts', () => {
    for (const recorded of TRICKY) {
      const got = resolveTarget(recorded, undefined, '/cwd');
      if (!got.ok || got.target.relative === '') continue;
      const parts = got.target.relative.split('/');
      expect(parts, JSON.stringify(recorded)).not.toContain('..');
      expect(parts, JSON.stringify(recorded)).not.toContain('.');
      expect(parts, JSON.stringify(recorded)).not.toContain('');
    }
  });
});

describe('lastSlash', () => {
  it('finds the last "/" before every position of every tricky path, as lastIndexOf does', () => {
    for (const text of TRICKY) {
      expect(lastSlash(text), JSON.stringify(text)).toBe(text.lastIndexOf('/'));
      for (let before = 0; before <= text.length; before++) {
        // lastIndexOf(s, p) looks at p too; lastSlash(s, before) stops short of `before`.
        const want = before === 0 ? -1 : text.lastIndexOf('/', before - 1);
        expect(lastSlash(text, before), `${JSON.stringify(text)} before ${before}`).toBe(want);
      }
    }
  });
});
