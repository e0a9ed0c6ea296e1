// A growing byte buffer that byte strings (one char per byte) are appended to. Printers
// write into it instead of building and joining strings: less garbage on the hot path,
// and the finished bytes move to the main thread without a copy.

/** Capacity a chunk keeps between uses (a job's text is usually well under 1 MiB). */
const KEPT_CAPACITY = 4 * 1024 * 1024;

export class ByteChunk {
  private bytes: Buffer;
  private used = 0;

  constructor(private readonly initialCapacity = 64 * 1024) {
    this.bytes = Buffer.allocUnsafeSlow(initialCapacity);
  }

  get length(): number {
    return this.used;
  }

  append(byteString: string): void {
    const need = this.used + byteString.length;
    if (need > this.bytes.length) this.grow(need);
    this.used += this.bytes.write(byteString, this.used, 'latin1');
  }

  /** The bytes written so far, in a buffer of their own (transferable); the chunk starts over. */
  take(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.used);
    this.bytes.copy(out, 0, 0, this.used);
    this.clear();
    return out;
  }

  /**
   * Drops what was written. A chunk kept for reuse gives back a buffer grown past
   * KEPT_CAPACITY (one huge directory's text) rather than hold it for the rest of the run.
   */
  clear(): void {
    this.used = 0;
    if (this.bytes.length > KEPT_CAPACITY) this.bytes = Buffer.allocUnsafeSlow(this.initialCapacity);
  }

  private grow(need: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(need, this.bytes.length * 2));
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
  }
}
