// Empty arrays made to hold objects (strings, records) from the start. An empty literal `[]`
// holds small integers until its first push; V8's optimized code that had seen such a list
// filled threw itself away at a fresh one ("not a Smi", "wrong map" in --trace-deopt) and
// was compiled again: in restore, once a piece or a chunk in every thread.

/** An empty array whose elements are objects (of the kind split() and map() give). */
export function objectList<T>(): T[] {
  const list: unknown[] = [null];
  list.pop();
  return list as T[];
}
