// The wide hashes of a snapshot's paths (piece-look.ts), gathered piece by piece to find a
// path given twice: an open-addressing table of doubles, which holds 170k keys in 4 MB
// where a Set of them would box each one.

import { bufferForBulk } from '../platform/huge-pages.js';

/** Marks an empty slot: no key is NaN. */
const EMPTY = NaN;
const FIRST_SIZE = 1 << 14;

export class KeySet {
  private slots = emptySlots(FIRST_SIZE);
  private count = 0;
  /** A key was added twice. */
  repeated = false;

  /**
   * Makes room for `total` keys at once, when there is not room enough (the caller's guess
   * of how many will come). Grown a step at a time, the table was made five times over for
   * the 170k paths of a /usr copy, each time in fresh memory, at a page fault for every 4 KiB
   * (13 us each on the VM measured): 33-41 ms of the main thread, 12 ms made once.
   */
  expect(total: number): void {
    if (2 * total > this.slots.length) this.resize(2 ** Math.ceil(Math.log2(2 * total)));
  }

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
    this.resize(this.slots.length * 2);
  }

  private resize(size: number): void {
    const old = this.slots;
    this.slots = emptySlots(size);
    for (let i = 0; i < old.length; i++) {
      const key = old[i] as number;
      if (key === key) place(this.slots, key);
    }
  }
}

/** A table of `size` empty slots, advised as huge pages when it is big enough to hold one. */
function emptySlots(size: number): Float64Array {
  const bytes = bufferForBulk(size * Float64Array.BYTES_PER_ELEMENT);
  return new Float64Array(bytes.buffer, bytes.byteOffset, size).fill(EMPTY);
}

/** Puts `key` in the first empty slot from its own (false when it is there already). */
function place(slots: Float64Array, key: number): boolean {
  const mask = slots.length - 1;
  // The keys are hashes already: their low 31 bits pick the slot. Taken as a remainder first,
  // as `key & mask` on a key past 2^31 took V8's slow truncation: 0.06 us a key.
  for (let at = (key % 2 ** 31) & mask; ; at = (at + 1) & mask) {
    const slot = slots[at] as number;
    if (slot !== slot) {
      slots[at] = key;
      return true;
    }
    if (slot === key) return false;
  }
}
