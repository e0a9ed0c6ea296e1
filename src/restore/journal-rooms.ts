// Where a restore thread prints a chunk's undo-journal text: shared memory the main thread
// writes to the journal from, lent to the chunk until it is applied or let go (by then its
// text is on disk, or will never be), then lent again. A fresh buffer for every chunk, handed
// over to the main thread, cost a first touch of each of its pages: 6,000 page faults in
// each worker on a damaged /usr copy (170k paths), 5-11 us each in a VM here, and the
// main thread gave each buffer back to the kernel only when it collected its garbage.

/** Room is made a quarter bigger than asked: the next chunk's text is rarely much longer. */
const HEADROOM = 1.25;
/** Rooms kept for lending again: more than the chunks a thread has planned at once. */
const KEPT = 8;

export class JournalRooms {
  private readonly free: SharedArrayBuffer[] = [];
  private readonly lent = new Map<number, SharedArrayBuffer>();

  /** Room for `size` bytes, lent to `chunk` until giveBack(chunk). */
  lend(chunk: number, size: number): Buffer {
    // The smallest that fits: the bigger ones stay for longer texts.
    let fits = -1;
    this.free.forEach((room, i) => {
      if (room.byteLength >= size && (fits < 0 || room.byteLength < (this.free[fits] as SharedArrayBuffer).byteLength)) fits = i;
    });
    const room = fits >= 0 ? (this.free.splice(fits, 1)[0] as SharedArrayBuffer) : new SharedArrayBuffer(Math.ceil(size * HEADROOM));
    this.lent.set(chunk, room);
    return Buffer.from(room, 0, size);
  }

  /** `chunk`'s journal text is written (or never will be): its room may be lent again. */
  giveBack(chunk: number): void {
    const room = this.lent.get(chunk);
    if (room === undefined) return;
    this.lent.delete(chunk);
    // The smallest goes when too many are kept: it is the one that fits the fewest chunks.
    this.free.push(room);
    if (this.free.length > KEPT) this.free.sort((a, b) => b.byteLength - a.byteLength).pop();
  }
}
