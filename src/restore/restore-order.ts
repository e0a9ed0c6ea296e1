// The order restore acts in: grouped by root, and within a tree every directory after
// everything beneath it (a restrictive directory mode set last cannot lock a non-root
// restore out of its contents). Siblings in byte order.

import type { TargetPath } from './target-path.js';

function compareComponents(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return b.length - a.length; // the deeper path (contents) first
}

export function sortForRestore<T extends { target: TargetPath }>(items: T[]): T[] {
  const keyed = items.map((item) => ({ item, parts: item.target.relative === '' ? [] : item.target.relative.split('/') }));
  keyed.sort((p, q) => {
    if (p.item.target.root !== q.item.target.root) return p.item.target.root < q.item.target.root ? -1 : 1;
    return compareComponents(p.parts, q.parts);
  });
  return keyed.map((k) => k.item);
}
