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
 * Each path after everything beneath it, the others in the order given: positions in the
 * order paths were taken (addNew()), or null from finish() unless every path comes before all
 * that lies beneath it and after nothing it contains (a directory's contents then make one
 * run just before it, as restore-chunks.ts needs). Paths can be added as they come: restore's
 * first pass adds each piece's paths once the pieces before it are in, while the workers go
 * on, so that only the last piece's are left for after it (all 170k paths of a damaged /usr
 * copy at once kept both workers waiting 34 ms).
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
export class PostOrder {
  private readonly out: number[] = [];
  private readonly open: number[] = [];
  private readonly skipped = new SkippedDirectories();
  /** Roots that are paths themselves, and roots some other path of came with nothing open. */
  private readonly rootsThemselves = new Set<number>();
  private readonly rootsUnopened = new Set<number>();
  private wrong = false;
  /** Paths of `paths` taken so far. */
  private taken = 0;
  /** The bytes of the directories gathered as skipped so far, each time one is (see SKIPPED_BUDGET). */
  private skippedBytes = 0;

  /** `paths` may grow (a WorkList a piece at a time): addNew() takes what it has not yet taken. */
  constructor(private readonly paths: PathColumns) {}

  /** Takes, in their order, the paths added to `paths` since it last did. */
  addNew(): void {
    for (; this.taken < this.paths.relatives.length; this.taken++) if (!this.wrong) this.add(this.taken);
  }

  private add(i: number): void {
    const { paths, open, out } = this;
    const root = paths.rootIds[i] as number;
    const relative = paths.relatives[i] as string;
    let top = open.length > 0 ? (open[open.length - 1] as number) : -1;
    while (top >= 0 && !isBeneath(paths, i, top)) {
      out.push(open.pop() as number);
      top = open.length > 0 ? (open[open.length - 1] as number) : -1;
    }
    if (relative === '') {
      this.rootsThemselves.add(root);
      // Something of this root came before it, with nothing open: not beneath it.
      if (this.rootsUnopened.has(root)) this.wrong = true;
    } else {
      // The ancestors deeper than the top, and the root itself ("") when nothing is open.
      const stop = top < 0 ? 0 : (paths.relatives[top] as string).length;
      // The ancestors' ends, last slash first, down to the top's path (nearly always the
      // top is the parent, and there is none).
      for (let end = lastSlash(relative); end > stop; end = lastSlash(relative, end)) {
        // Past the budget the paths are sorted instead (always right: this order only spares the sort).
        this.skippedBytes += end;
        if (this.skippedBytes > SKIPPED_BUDGET + 256 * this.taken) {
          this.wrong = true;
          return;
        }
        this.skipped.add(root, relative.slice(0, end));
      }
      if (top < 0) {
        if (this.rootsThemselves.has(root)) this.wrong = true;
        this.rootsUnopened.add(root);
      }
    }
    open.push(i);
  }

  /** The positions in restore order, or null when the paths added were not in an order it can use. */
  finish(): Int32Array | null {
    const { open, out } = this;
    if (this.wrong) return null;
    while (open.length > 0) out.push(open.pop() as number);
    return this.skipped.anyAmong(this.paths) ? null : Int32Array.from(out);
  }
}

/**
 * The bytes of skipped directories PostOrder gathers (each a slice of a path, hashed into a
 * Set), beyond 256 a path, before it gives up for a sort: a path listed before its
 * directories (the undo journal of a deep chain, deepest first) skips every level above
 * it, and each path of a 1,800-level chain did: its undo took 6.5 s, and 69 s at 4,000
 * levels (QA helper-131's chain). The paths of a /usr copy that need work, directories
 * left out, gather 43 MB (review helper-133): well within.
 */
const SKIPPED_BUDGET = 64 * 1024 * 1024;

/** PostOrder's answer for the paths of `paths`, in their order. */
function inPostOrder(paths: PathColumns): Int32Array | null {
  const order = new PostOrder(paths);
  order.addNew();
  return order.finish();
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
