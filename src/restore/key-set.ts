// The wide hashes of a snapshot's paths (piece-look.ts), gathered piece by piece to find a
// path given twice: an open-addressing table of doubles, which holds 170k keys in 4 MB
// where a Set of them would box each one.

/** Marks an empty slot: no key is NaN. */
const EMPTY = NaN;
const FIRST_SIZE = 1 << 14;

export class KeySet {
  private slots = new Float64Array(FIRST_SIZE).fill(EMPTY);
  private count = 0;
  /** A key was added twice. */
  repeated = false;

  addAll(keys: Float64Array): void {
    for (let i = 0; i < keys.length; i++) this.add(keys[i] as number);
  }

  add(key: number): void {
    // Half full at most, so that a probe ends soon.
    if (2 * (this.count + 1) > this.slots.length) this.grow();
    if (!place(this.slots, key)) this.repeated = true;
    else this.count++;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2).fill(EMPTY);
    for (let i = 0; i < old.length; i++) {
      const key = old[i] as number;
      if (key === key) place(this.slots, key);
    }
  }
}

/** Puts `key` in the first empty slot from its own (false when it is there already). */
function place(slots: Float64Array, key: number): boolean {
  const mask = slots.length - 1;
  // The keys are hashes already: their low 32 bits (ToInt32) pick the slot.
  for (let at = key & mask; ; at = (at + 1) & mask) {
    const slot = slots[at] as number;
    if (slot !== slot) {
      slots[at] = key;
      return true;
    }
    if (slot === key) return false;
  }
}
