// Gathers printed blocks into TextParts of about 64 KiB for the MarkerWriter (which puts
// permsnap's begin and end markers into the first and last block's headers): one sink
// write per batch instead of one per file.

import { ByteChunk } from '../output/byte-chunk.js';
import type { TextPart } from '../snapshot/job-part.js';
import type { MarkerWriter } from '../snapshot/marker-writer.js';

const BATCH_BYTES = 64 * 1024;

export class BlockBatch {
  private readonly chunk = new ByteChunk(2 * BATCH_BYTES);
  private part: TextPart | null = null;

  constructor(private readonly writer: MarkerWriter) {}

  /** One printed block; headerEnd is where its header ends, -1 when it has none. */
  async add(text: string, headerEnd: number, path: string): Promise<void> {
    const part = (this.part ??= { kind: 'text', bytes: new Uint8Array(0), count: 0, firstHeaderEnd: -1, lastHeaderEnd: -1, lastPath: '' });
    const at = headerEnd < 0 ? -1 : this.chunk.length + headerEnd;
    if (part.count === 0) part.firstHeaderEnd = at;
    part.lastHeaderEnd = at;
    part.lastPath = path;
    part.count++;
    this.chunk.append(text);
    if (this.chunk.length >= BATCH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.part) return;
    this.part.bytes = this.chunk.take();
    const part = this.part;
    this.part = null;
    await this.writer.write(part);
  }
}
