// The order restore acts in: grouped by root, and within a tree every directory after
// everything beneath it (a restrictive directory mode set last cannot lock a non-root
// restore out of its contents). Siblings in byte order.

import { sortedOrder } from '../model/path-order.js';
import type { TargetPath } from './target-path.js';

/** The items in restore order: by root, then directories last (path-order.ts); items with the same path in the order given. */
export function sortForRestore<T extends { target: TargetPath }>(items: T[]): T[] {
  const byRoot = new Map<string, number[]>();
  items.forEach((item, i) => {
    const group = byRoot.get(item.target.root);
    if (group) group.push(i);
    else byRoot.set(item.target.root, [i]);
  });
  const sorted: T[] = [];
  for (const root of [...byRoot.keys()].sort()) {
    const group = byRoot.get(root) as number[];
    const order = sortedOrder(group.map((i) => (items[i] as T).target.relative), 'last');
    for (const k of order) sorted.push(items[group[k] as number] as T);
  }
  return sorted;
}
