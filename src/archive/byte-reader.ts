// Pulls exact byte counts out of a stream of chunks: what a container format (ar) needs to
// read fixed-size headers and hand out its members' bodies as streams of their own, one at a
// time, without holding any member in memory.

export class ByteReader {
  private readonly chunks: AsyncIterator<Uint8Array>;
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;
  /** Bytes handed out so far (offsets in messages). */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** Exactly `n` bytes, or fewer at the end of the input. */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const chunk = await this.next(n - got);
      if (chunk === null) break;
      parts.push(chunk);
      got += chunk.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** The next `n` bytes as chunks; throws `onShort()` when the input ends first. */
  async *take(n: number, onShort: () => Error): AsyncGenerator<Buffer> {
    let got = 0;
    while (got < n) {
      const chunk = await this.next(n - got);
      if (chunk === null) throw onShort();
      got += chunk.length;
      yield chunk;
    }
  }

  /** Stops reading the input (closes a file). */
  async close(): Promise<void> {
    await this.chunks.return?.(undefined);
  }

  /** Up to `max` bytes (never 0), or null at the end of the input. */
  private async next(max: number): Promise<Buffer | null> {
    if (this.pending.length === 0) {
      if (this.ended) return null;
      const next = await this.chunks.next();
      if (next.done) {
        this.ended = true;
        return null;
      }
      this.pending = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      if (this.pending.length === 0) return this.next(max);
    }
    const chunk = this.pending.subarray(0, max);
    this.pending = this.pending.subarray(chunk.length);
    this.offset += chunk.length;
    return chunk;
  }
}
