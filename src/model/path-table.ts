// Paths, each numbered in the order it was added: a diff side's join index, restore's index
// of the paths of a snapshot. A JS Map of a million paths costs about a microsecond a
// lookup here; this table takes a hash the caller computed (a diff's reading workers do),
// keeps it with its slots in one typed array, and compares strings only when hashes agree.

const EMPTY = -1;

/** FNV-1a over the string's code units (paths are byte strings: one unit per byte). */
export function pathHash(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class PathTable {
  private readonly paths: string[] = [];
  // Slot k is entries[2k] (the path's number, EMPTY when free) and entries[2k + 1] (its hash,
  // so a probe reads one cache line, not two).
  private entries = new Int32Array(1 << 18).fill(EMPTY);
  private mask = (1 << 17) - 1;

  get size(): number {
    return this.paths.length;
  }

  path(index: number): string {
    return this.paths[index] as string;
  }

  /** The number of a path (hash: its pathHash()), or -1 when it was never added. */
  find(path: string, hash: number): number {
    const h = hash | 0;
    for (let s = hash & this.mask; ; s = (s + 1) & this.mask) {
      const index = this.entries[2 * s] as number;
      if (index === EMPTY) return -1;
      if (this.entries[2 * s + 1] === h && this.paths[index] === path) return index;
    }
  }

  /** Adds a path if new; its number either way, as -1 - number when it was there already. */
  add(path: string, hash: number): number {
    const h = hash | 0;
    let s = hash & this.mask;
    for (; ; s = (s + 1) & this.mask) {
      const index = this.entries[2 * s] as number;
      if (index === EMPTY) break;
      if (this.entries[2 * s + 1] === h && this.paths[index] === path) return -1 - index;
    }
    const index = this.paths.length;
    this.paths.push(path);
    this.entries[2 * s] = index;
    this.entries[2 * s + 1] = h;
    // At most half full, so probes stay short.
    if (this.paths.length * 4 > this.entries.length) this.grow();
    return index;
  }

  private grow(): void {
    const old = this.entries;
    const entries = new Int32Array(old.length * 2).fill(EMPTY);
    const mask = entries.length / 2 - 1;
    for (let k = 0; k < old.length; k += 2) {
      if (old[k] === EMPTY) continue;
      const hash = old[k + 1] as number;
      let s = hash & mask;
      while (entries[2 * s] !== EMPTY) s = (s + 1) & mask;
      entries[2 * s] = old[k] as number;
      entries[2 * s + 1] = hash;
    }
    this.entries = entries;
    this.mask = mask;
  }
}
