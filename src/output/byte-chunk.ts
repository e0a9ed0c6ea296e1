// A growing byte buffer that byte strings (one char per byte) are appended to. Printers
// write into it instead of building and joining strings: less garbage on the hot path,
// and the finished bytes move to the main thread without a copy.

export class ByteChunk {
  private bytes: Buffer;
  private used = 0;

  constructor(capacity = 64 * 1024) {
    this.bytes = Buffer.allocUnsafeSlow(capacity);
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
    this.used = 0;
    return out;
  }

  private grow(need: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(need, this.bytes.length * 2));
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
  }
}
