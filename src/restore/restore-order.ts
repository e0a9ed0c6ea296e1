// The order restore acts in: grouped by root, and within a tree every directory after
// everything beneath it (a restrictive directory mode set last cannot lock a non-root
// restore out of its contents). Siblings in byte order.

import type { TargetPath } from './target-path.js';

/**
 * Sorts by root, then by one string per path whose plain order is the restore order: the
 * relative path with "/" as \0, which sorts below every byte a name can hold, ending with
 * \x01, so "a/b" (a\0b\x01) comes before "a" (a\x01); the root itself comes last. The "/"
 * are replaced in one buffer for all paths: per string, replaceAll() took most of the
 * sort's time.
 */
export function sortForRestore<T extends { target: TargetPath }>(items: T[]): T[] {
  const roots = [...new Set(items.map((i) => i.target.root))].sort();
  const rankOf = new Map(roots.map((root, i) => [root, i]));
  const ranks = Uint32Array.from(items, (item) => rankOf.get(item.target.root) as number);
  const ends = new Uint32Array(items.length);
  let length = 0;
  items.forEach((item, i) => (ends[i] = length += item.target.relative.length + 1));
  const bytes = Buffer.allocUnsafe(length);
  items.forEach((item, i) => {
    const start = (ends[i] as number) - item.target.relative.length - 1;
    bytes.write(item.target.relative, start, 'latin1');
    bytes[start + item.target.relative.length] = 1;
  });
  for (let at = bytes.indexOf(0x2f); at >= 0; at = bytes.indexOf(0x2f, at + 1)) bytes[at] = 0;
  const all = bytes.toString('latin1');
  // The root itself (no relative path) after all beneath it: above every byte.
  const keys = items.map((item, i) => (item.target.relative === '' ? '\u0100' : all.slice(i === 0 ? 0 : ends[i - 1], ends[i])));
  const order = Array.from(items.keys()).sort((p, q) => {
    const a = keys[p] as string;
    const b = keys[q] as string;
    return (ranks[p] as number) - (ranks[q] as number) || (a < b ? -1 : a > b ? 1 : p - q);
  });
  return order.map((i) => items[i] as T);
}
