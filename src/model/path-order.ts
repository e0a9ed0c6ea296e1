// contracts.md's sorted order for many paths at once: component by component as byte
// strings ("a", "a/b", "a-b"), "." (the root) first; or restore's order, each directory
// after all beneath it ("a/b", "a", "a-b"), the root last. Paths are byte strings (one char
// per byte) and never hold NUL.
//
// A multikey quicksort (Bentley and Sedgewick) of indices: it looks at each character once
// per partition step instead of comparing whole paths, which share long prefixes. Measured on
// the 110k changed paths of a 1M-entry diff: 100-150 ms, where sorting sort keys ("/" mapped
// to NUL) with a comparator took 450-600 ms and allocated a key per path.

/** Below this many paths a partition is finished by insertion sort. */
const SMALL = 16;

/** A directory before all beneath it (contracts.md), or after (restore). */
export type DirectoryPlace = 'first' | 'last';

/**
 * How the order sees a path's characters: "/" below every byte a name can hold, and the
 * end of a path below every byte too (the directory first: "a" before "a/b" and "a-b") or
 * between "/" and the bytes (last: "a/b" before "a", "a" before "a-b"); bytes are shifted
 * up one for that. The root (the empty path) ends at once: first, or above everything.
 */
interface Ranks {
  end: number;
  root: number;
  shift: number;
}

const RANKS: Record<DirectoryPlace, Ranks> = {
  first: { end: -1, root: -1, shift: 0 },
  last: { end: 1, root: 257, shift: 1 },
};

/**
 * The paths as one string (joined: charCodeAt on the sliced strings a parser makes was half
 * the speed, measured) with each path's start and length, ranked as the order sees them.
 */
class RankedPaths {
  private readonly all: string;
  private readonly starts: Int32Array;
  private readonly lengths: Int32Array;

  constructor(paths: readonly string[], private readonly ranks: Ranks) {
    const keys = paths.map((p) => (p === '.' ? '' : p));
    this.all = keys.join('/');
    this.starts = new Int32Array(keys.length);
    this.lengths = new Int32Array(keys.length);
    let at = 0;
    keys.forEach((key, i) => {
      this.starts[i] = at;
      this.lengths[i] = key.length;
      at += key.length + 1;
    });
  }

  /** Path i's character at `depth`, ranked. */
  rank(i: number, depth: number): number {
    if (depth >= (this.lengths[i] as number)) return depth === 0 ? this.ranks.root : this.ranks.end;
    const c = this.all.charCodeAt((this.starts[i] as number) + depth);
    return c === 47 ? 0 : c + this.ranks.shift;
  }

  /** Compares paths i and j, whose first `depth` characters are equal; equal paths by index (a stable sort). */
  compareFrom(i: number, j: number, depth: number): number {
    const n = Math.min(this.lengths[i] as number, this.lengths[j] as number);
    const x = this.starts[i] as number;
    const y = this.starts[j] as number;
    let d = depth;
    while (d < n && this.all.charCodeAt(x + d) === this.all.charCodeAt(y + d)) d++;
    return this.rank(i, d) - this.rank(j, d) || i - j;
  }

  /** Whether a partition whose paths all have `rank` at some depth holds equal paths (they all ended there). */
  ended(rank: number): boolean {
    return rank === this.ranks.end || rank === this.ranks.root;
  }
}

function insertionSort(order: Int32Array, paths: RankedPaths, lo: number, hi: number, depth: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const v = order[i] as number;
    let j = i - 1;
    for (; j >= lo && paths.compareFrom(order[j] as number, v, depth) > 0; j--) order[j + 1] = order[j] as number;
    order[j + 1] = v;
  }
}

const medianOf3 = (a: number, b: number, c: number): number => (a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b);

/** The indices of `paths` in sorted order; equal paths in the order given. */
export function sortedOrder(list: readonly string[], directories: DirectoryPlace = 'first'): Int32Array {
  const paths = new RankedPaths(list, RANKS[directories]);
  const order = new Int32Array(list.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // Partitions still to sort, as (lo, hi, depth) triples: a stack, not recursion, so no
  // input can overflow the call stack.
  const pending: number[] = [0, order.length, 0];
  while (pending.length > 0) {
    const depth = pending.pop() as number;
    const hi = pending.pop() as number;
    const lo = pending.pop() as number;
    if (hi - lo < SMALL) {
      insertionSort(order, paths, lo, hi, depth);
      continue;
    }
    const pivot = medianOf3(paths.rank(order[lo] as number, depth), paths.rank(order[lo + ((hi - lo) >> 1)] as number, depth), paths.rank(order[hi - 1] as number, depth));
    // Three-way partition on the character at `depth`: [lo, lt) below the pivot, [lt, gt]
    // equal to it, (gt, hi) above.
    let lt = lo;
    let gt = hi - 1;
    for (let i = lo; i <= gt; ) {
      const v = order[i] as number;
      const c = paths.rank(v, depth);
      if (c < pivot) {
        order[i++] = order[lt] as number;
        order[lt++] = v;
      } else if (c > pivot) {
        order[i] = order[gt] as number;
        order[gt--] = v;
      } else i++;
    }
    pending.push(lo, lt, depth, gt + 1, hi, depth);
    // Equal at `depth`: sorted by what follows, unless they all ended there (equal paths,
    // kept in the order given: the partition moved them about).
    if (paths.ended(pivot)) order.subarray(lt, gt + 1).sort();
    else pending.push(lt, gt + 1, depth + 1);
  }
  return order;
}
