// Generated trees of restore targets for the property-style tests of restore order and
// chunks: a seeded generator (reruns see the same tree), names with the bytes that trip
// byte-order sorts ('-', '.', ' ', \x01, 0x80-0xff), every ancestor of every path present.
// Plus an independent statement of restore order to check sortForRestore against, and
// items with a target seen as the PathColumns restore orders and chunks.

import type { PathColumns, TargetPath } from '../../src/restore/target-path.js';

export { seededRandom } from './seeded-random.js';

// '-', '.' and ' ' sort below '/' in plain byte order; \x01 is the byte restore-order's keys end with.
const NAME_CHARS = ['a', 'b', 'c', '-', '.', ' ', '0', 'A', '\x01', '\n', '\\', '\x80', '\xe9', '\xff'];

function randomName(random: () => number): string {
  const length = 1 + Math.floor(random() * 3);
  let name = '';
  for (let i = 0; i < length; i++) name += NAME_CHARS[Math.floor(random() * NAME_CHARS.length)];
  return name === '.' || name === '..' ? `${name}x` : name;
}

/**
 * `count` relative paths beneath one root, the root itself ('') included when `withRoot`:
 * each new path is a fresh name in a random directory already present, so every ancestor
 * is present. Returned in creation order (parents before children).
 */
export function randomTree(random: () => number, count: number, withRoot = true): string[] {
  const paths: string[] = withRoot ? [''] : [];
  const directories: string[] = [''];
  const taken = new Set<string>(['']);
  while (paths.length < count) {
    const parent = directories[Math.floor(random() * directories.length)] as string;
    const relative = parent === '' ? randomName(random) : `${parent}/${randomName(random)}`;
    if (taken.has(relative)) continue;
    taken.add(relative);
    paths.push(relative);
    if (random() < 0.35) directories.push(relative);
  }
  return paths;
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Restore order stated component by component: roots in sorted order; within a root a path
 * after everything beneath it, the root itself last; otherwise the first differing
 * component decides, in byte order (latin1 strings: one char per byte).
 */
export function compareRestoreOrder(a: TargetPath, b: TargetPath): number {
  if (a.root !== b.root) return a.root < b.root ? -1 : 1;
  if (a.relative === b.relative) return 0;
  if (a.relative === '') return 1;
  if (b.relative === '') return -1;
  const x = a.relative.split('/');
  const y = b.relative.split('/');
  for (let i = 0; ; i++) {
    if (i === x.length) return 1;
    if (i === y.length) return -1;
    const p = x[i] as string;
    const q = y[i] as string;
    if (p !== q) return p < q ? -1 : 1;
  }
}

/** Whether `path` is strictly beneath `dir`, stated on components. */
export function isDescendant(path: TargetPath, dir: TargetPath): boolean {
  if (path.root !== dir.root || path.relative === dir.relative) return false;
  if (dir.relative === '') return true;
  const x = path.relative.split('/');
  const y = dir.relative.split('/');
  return x.length > y.length && y.every((c, i) => x[i] === c);
}

/** Items' targets as PathColumns, roots numbered as they first come. */
export function columnsOf(items: readonly { target: TargetPath }[]): PathColumns {
  const roots: string[] = [];
  const rootIds = items.map(({ target }) => {
    const at = roots.indexOf(target.root);
    return at >= 0 ? at : roots.push(target.root) - 1;
  });
  return { roots, rootIds, relatives: items.map(({ target }) => target.relative) };
}

/** The items at the positions given, in that order. */
export function picked<T>(items: readonly T[], positions: ArrayLike<number>): T[] {
  return Array.from(positions, (i) => items[i] as T);
}
