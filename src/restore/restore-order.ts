// The order restore acts in: grouped by root, and within a tree every directory after
// everything beneath it (a restrictive directory mode set last cannot lock a non-root
// restore out of its contents). Siblings in byte order.

import type { TargetPath } from './target-path.js';

/**
 * Sorts by one string per path whose plain order is the restore order: the root's rank,
 * then the relative path with "/" as \0, which sorts below every byte a name can hold,
 * ending with \x01, so "a/b" (a\0b\x01) comes before "a" (a\x01); the root itself comes
 * last. The "/" are replaced in one buffer for all paths: per string, replaceAll() took
 * most of the sort's time.
 */
export function sortForRestore<T extends { target: TargetPath }>(items: T[]): T[] {
  const roots = [...new Set(items.map((i) => i.target.root))].sort();
  const rank = new Map(roots.map((root, i) => [root, String.fromCharCode(i)]));
  const ends = new Uint32Array(items.length);
  let length = 0;
  items.forEach((item, i) => (ends[i] = length += item.target.relative.length + 2));
  const bytes = Buffer.allocUnsafe(length);
  items.forEach((item, i) => {
    const start = (ends[i] as number) - item.target.relative.length - 2;
    bytes.write(rank.get(item.target.root) as string, start, 'latin1');
    bytes.write(item.target.relative, start + 1, 'latin1');
    bytes[start + 1 + item.target.relative.length] = 1;
  });
  for (let at = bytes.indexOf(0x2f); at >= 0; at = bytes.indexOf(0x2f, at + 1)) bytes[at] = 0;
  const all = bytes.toString('latin1');
  // The root itself (no relative path) after all beneath it: above every byte.
  const keys = items.map((item, i) => (item.target.relative === '' ? `${rank.get(item.target.root)}\u0100` : all.slice(i === 0 ? 0 : ends[i - 1], ends[i])));
  const order = Array.from(items.keys()).sort((p, q) => {
    const a = keys[p] as string;
    const b = keys[q] as string;
    return a < b ? -1 : a > b ? 1 : p - q;
  });
  return order.map((i) => items[i] as T);
}
