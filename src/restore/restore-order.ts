// The order restore acts in: grouped by root, and within a tree every directory after
// everything beneath it (a restrictive directory mode set last cannot lock a non-root
// restore out of its contents). Siblings in byte order.

import { sortedOrder } from '../model/path-order.js';
import { isBeneath } from './restore-chunks.js';
import type { TargetPath } from './target-path.js';

/**
 * The items in restore order: the snapshot's own order with each directory moved after
 * everything beneath it, when that order has each directory before its contents (getfacl -R,
 * permsnap snapshot, with or without --sort); otherwise sorted (sortForRestore). Sorting
 * 132k paths kept both worker threads idle for 150-200 ms.
 */
export function restoreOrder<T extends { target: TargetPath }>(items: T[]): T[] {
  return inPostOrder(items) ?? sortForRestore(items);
}

/**
 * Each item after everything beneath it, the others in the order given; null unless every
 * item comes before all that lies beneath it and after nothing it contains (a directory's
 * contents then make one run just before it, as restore-chunks.ts needs).
 *
 * A stack holds the chain of open items; one leaves it when an item not beneath it comes,
 * after which the top (if any) is the new item's nearest open ancestor. The order is right
 * exactly when no directory between that top and the new item is an item itself: given
 * before, it was left too early (something came back beneath it); given after, it comes
 * after something it contains. In a whole tree each item's parent is that top; the
 * directories a path skips are gathered, and looked for among the items once, at the end
 * (a Set of every item's path cost 90-140 ms for the 170k paths of a damaged /usr copy,
 * which skip a level beneath each directory that was already right).
 */
function inPostOrder<T extends { target: TargetPath }>(items: readonly T[]): T[] | null {
  const out: T[] = [];
  const open: T[] = [];
  const skipped = new SkippedDirectories();
  const rootsThemselves = new Set<string>();
  for (const { target } of items) if (target.relative === '') rootsThemselves.add(target.root);
  for (const item of items) {
    let top = open.length > 0 ? (open[open.length - 1] as T).target : undefined;
    while (top !== undefined && !isBeneath(item.target, top)) {
      out.push(open.pop() as T);
      top = open.length > 0 ? (open[open.length - 1] as T).target : undefined;
    }
    const { root, relative } = item.target;
    if (relative !== '') {
      // The ancestors deeper than the top, and the root itself ("") when no item is open.
      const stop = top === undefined ? 0 : top.relative.length;
      for (let end = relative.lastIndexOf('/'); end > stop; end = relative.lastIndexOf('/', end - 1)) skipped.add(root, relative.slice(0, end));
      if (top === undefined && rootsThemselves.has(root)) return null;
    }
    open.push(item);
  }
  while (open.length > 0) out.push(open.pop() as T);
  return skipped.anyAmong(items) ? null : out;
}

/** Directories some path skipped, by root, to look for among the items. */
class SkippedDirectories {
  private readonly byRoot = new Map<string, Set<string>>();
  /** The lengths of their relative paths: most items are told apart by length alone. */
  private readonly lengths = new Set<number>();

  add(root: string, relative: string): void {
    let set = this.byRoot.get(root);
    if (set === undefined) this.byRoot.set(root, (set = new Set()));
    set.add(relative);
    this.lengths.add(relative.length);
  }

  anyAmong(items: readonly { target: TargetPath }[]): boolean {
    if (this.byRoot.size === 0) return false;
    for (const { target } of items) {
      if (this.lengths.has(target.relative.length) && this.byRoot.get(target.root)?.has(target.relative) === true) return true;
    }
    return false;
  }
}

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
