// The order restore acts in: grouped by root, and within a tree every directory after
// everything beneath it (a restrictive directory mode set last cannot lock a non-root
// restore out of its contents). Siblings in byte order.

import { sortedOrder } from '../model/path-order.js';
import { isBeneath } from './restore-chunks.js';
import { lastSlash, type PathColumns } from './target-path.js';

/**
 * The paths' positions in restore order: the given order with each directory moved after
 * everything beneath it, when that order has each directory before its contents (getfacl
 * -R, permsnap snapshot, with or without --sort); otherwise sorted (sortForRestore).
 * Sorting 132k paths kept both worker threads idle for 150-200 ms.
 */
export function restoreOrder(paths: PathColumns): Int32Array {
  return inPostOrder(paths) ?? sortForRestore(paths);
}

/**
 * Each path after everything beneath it, the others in the order given; null unless every
 * path comes before all that lies beneath it and after nothing it contains (a directory's
 * contents then make one run just before it, as restore-chunks.ts needs).
 *
 * A stack holds the chain of open paths; one leaves it when a path not beneath it comes,
 * after which the top (if any) is the new path's nearest open ancestor. The order is right
 * exactly when no directory between that top and the new path is a path given itself:
 * given before, it was left too early (something came back beneath it); given after, it
 * comes after something it contains. In a whole tree each path's parent is that top; the
 * directories a path skips are gathered, and looked for among the paths once, at the end
 * (a Set of every path cost 90-140 ms for the 170k paths of a damaged /usr copy, which
 * skip a level beneath each directory that was already right).
 */
function inPostOrder(paths: PathColumns): Int32Array | null {
  const { rootIds, relatives } = paths;
  const count = relatives.length;
  const out = new Int32Array(count);
  let done = 0;
  const open: number[] = [];
  const skipped = new SkippedDirectories();
  const rootsThemselves = new Set<number>();
  for (let i = 0; i < count; i++) if (relatives[i] === '') rootsThemselves.add(rootIds[i] as number);
  for (let i = 0; i < count; i++) {
    let top = open.length > 0 ? (open[open.length - 1] as number) : -1;
    while (top >= 0 && !isBeneath(paths, i, top)) {
      out[done++] = open.pop() as number;
      top = open.length > 0 ? (open[open.length - 1] as number) : -1;
    }
    const root = rootIds[i] as number;
    const relative = relatives[i] as string;
    if (relative !== '') {
      // The ancestors deeper than the top, and the root itself ("") when nothing is open.
      const stop = top < 0 ? 0 : (relatives[top] as string).length;
      // The ancestors' ends, last slash first, down to the top's path (nearly always the
      // top is the parent, and there is none).
      for (let end = lastSlash(relative); end > stop; end = lastSlash(relative, end)) skipped.add(root, relative.slice(0, end));
      if (top < 0 && rootsThemselves.has(root)) return null;
    }
    open.push(i);
  }
  while (open.length > 0) out[done++] = open.pop() as number;
  return skipped.anyAmong(paths) ? null : out;
}

/** Directories some path skipped, by root, to look for among the paths. */
class SkippedDirectories {
  private readonly byRoot = new Map<number, Set<string>>();
  /** The lengths of their relative paths: most paths are told apart by length alone. */
  private readonly lengths = new Set<number>();

  add(root: number, relative: string): void {
    let set = this.byRoot.get(root);
    if (set === undefined) this.byRoot.set(root, (set = new Set()));
    set.add(relative);
    this.lengths.add(relative.length);
  }

  anyAmong({ rootIds, relatives }: PathColumns): boolean {
    if (this.byRoot.size === 0) return false;
    for (let i = 0; i < relatives.length; i++) {
      const relative = relatives[i] as string;
      if (this.lengths.has(relative.length) && this.byRoot.get(rootIds[i] as number)?.has(relative) === true) return true;
    }
    return false;
  }
}

/** The paths' positions in restore order: by root, then directories last (path-order.ts); the same path in the order given. */
export function sortForRestore({ rootIds, roots, relatives }: PathColumns): Int32Array {
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < relatives.length; i++) {
    const root = rootIds[i] as number;
    const group = byRoot.get(root);
    if (group) group.push(i);
    else byRoot.set(root, [i]);
  }
  const sorted = new Int32Array(relatives.length);
  let done = 0;
  const rootOrder = [...byRoot.keys()].sort((a, b) => ((roots[a] as string) < (roots[b] as string) ? -1 : (roots[a] as string) > (roots[b] as string) ? 1 : 0));
  for (const root of rootOrder) {
    const group = byRoot.get(root) as number[];
    const order = sortedOrder(group.map((i) => relatives[i] as string), 'last');
    for (const k of order) sorted[done++] = group[k] as number;
  }
  return sorted;
}
