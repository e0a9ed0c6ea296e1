// contracts.md's sorted order for many paths at once: component by component as byte
// strings ("a", "a/b", "a-b"), "." (the root) first. Paths are byte strings (one char per
// byte) and never hold NUL.
//
// A multikey quicksort (Bentley and Sedgewick) of indices: it looks at each character once
// per partition step instead of comparing whole paths, which share long prefixes. Measured on
// the 110k changed paths of a 1M-entry diff: 100-150 ms, where sorting sort keys ("/" mapped
// to NUL) with a comparator took 450-600 ms and allocated a key per path.

/** Below this many paths a partition is finished by insertion sort. */
const SMALL = 16;
/** The end of a path: below every character, as a shorter path sorts first. */
const END = -1;

/** The character at `depth` as the order sees it: "/" below every byte a name can hold. */
function rank(path: string, depth: number): number {
  if (depth >= path.length) return END;
  const c = path.charCodeAt(depth);
  return c === 47 ? 0 : c;
}

/** Compares two paths whose first `depth` characters are equal. */
function compareFrom(x: string, y: string, depth: number): number {
  const n = Math.min(x.length, y.length);
  for (let d = depth; d < n; d++) {
    const a = x.charCodeAt(d);
    const b = y.charCodeAt(d);
    if (a !== b) return (a === 47 ? 0 : a) - (b === 47 ? 0 : b);
  }
  return x.length - y.length;
}

function insertionSort(order: Int32Array, keys: readonly string[], lo: number, hi: number, depth: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const v = order[i] as number;
    const key = keys[v] as string;
    let j = i - 1;
    for (; j >= lo && compareFrom(keys[order[j] as number] as string, key, depth) > 0; j--) order[j + 1] = order[j] as number;
    order[j + 1] = v;
  }
}

const medianOf3 = (a: number, b: number, c: number): number => (a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b);

/** The indices of `paths` in sorted order. Equal paths keep no particular order. */
export function sortedOrder(paths: readonly string[]): Int32Array {
  const keys = paths.map((p) => (p === '.' ? '' : p));
  const order = new Int32Array(keys.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // Partitions still to sort, as (lo, hi, depth) triples: a stack, not recursion, so no
  // input can overflow the call stack.
  const pending: number[] = [0, order.length, 0];
  while (pending.length > 0) {
    const depth = pending.pop() as number;
    const hi = pending.pop() as number;
    const lo = pending.pop() as number;
    if (hi - lo < SMALL) {
      insertionSort(order, keys, lo, hi, depth);
      continue;
    }
    const at = (i: number): number => rank(keys[order[i] as number] as string, depth);
    const pivot = medianOf3(at(lo), at(lo + ((hi - lo) >> 1)), at(hi - 1));
    // Three-way partition on the character at `depth`: [lo, lt) below the pivot, [lt, gt]
    // equal to it, (gt, hi) above.
    let lt = lo;
    let gt = hi - 1;
    for (let i = lo; i <= gt; ) {
      const v = order[i] as number;
      const c = rank(keys[v] as string, depth);
      if (c < pivot) {
        order[i++] = order[lt] as number;
        order[lt++] = v;
      } else if (c > pivot) {
        order[i] = order[gt] as number;
        order[gt--] = v;
      } else i++;
    }
    pending.push(lo, lt, depth, gt + 1, hi, depth);
    // Equal at `depth`: sorted by what follows, unless they all ended there (equal paths).
    if (pivot !== END) pending.push(lt, gt + 1, depth + 1);
  }
  return order;
}
