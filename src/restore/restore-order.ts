// The order restore acts in: grouped by root, and within a tree every directory after
// everything beneath it (a restrictive directory mode set last cannot lock a non-root
// restore out of its contents). Siblings in byte order.

import type { TargetPath } from './target-path.js';

/**
 * One string per path whose plain order is the restore order: "/" becomes \0, which sorts
 * below every byte a name can hold, and the path ends with \x01, so "a/b" (a\0b\x01) comes
 * before "a" (a\x01). The root comes first, closed by \0\0, which no root contains.
 */
function orderKey(target: TargetPath): string {
  return `${target.root}\0\0${target.relative.replaceAll('/', '\0')}\x01`;
}

export function sortForRestore<T extends { target: TargetPath }>(items: T[]): T[] {
  const keyed = items.map((item) => ({ item, key: orderKey(item.target) }));
  keyed.sort((p, q) => (p.key < q.key ? -1 : p.key > q.key ? 1 : 0));
  return keyed.map((k) => k.item);
}
