// Writes the text parts of a snapshot to a byte sink, adding permsnap's truncation markers
// (contracts.md): `# permsnap: begin` in the first block's header and
// `# permsnap: end, N entries` in the last one's. It holds one text part back to know
// which block is last.

import type { ByteSink } from '../output/byte-sink.js';
import type { TextPart } from './job-part.js';

export const BEGIN_MARKER = '# permsnap: begin\n';
export const endMarker = (entries: number): string => `# permsnap: end, ${entries} entries\n`;
/** After the begin marker, in a snapshot that cannot say which files have no capability. */
export const CAPABILITIES_UNKNOWN = '# permsnap: capabilities unknown\n';

export class MarkerWriter {
  private held: { part: TextPart; released?: () => void } | null = null;
  private wroteFirst = false;
  private entries = 0;

  constructor(
    private readonly sink: ByteSink,
    private readonly markers: boolean,
    /** What goes into the first block's header: the begin marker, and any comment that belongs with it. */
    private readonly begin: string = BEGIN_MARKER,
  ) {}

  get count(): number {
    return this.entries;
  }

  /** `released` is called once the part's bytes are no longer read (ByteSink.write). */
  async write(part: TextPart, released?: () => void): Promise<void> {
    if (part.count === 0) return released?.();
    this.entries += part.count;
    if (!this.markers) {
      await this.sink.write(asBuffer(part.bytes), released);
      return;
    }
    const previous = this.held;
    this.held = { part, released };
    if (previous) await this.flush(previous, false);
  }

  async finish(): Promise<void> {
    if (this.held) await this.flush(this.held, true);
    this.held = null;
  }

  private async flush({ part, released }: { part: TextPart; released?: () => void }, last: boolean): Promise<void> {
    const original = asBuffer(part.bytes);
    let bytes = original;
    // Insert at the later offset first so the earlier one stays valid.
    if (last && part.lastHeaderEnd >= 0) bytes = insertAt(bytes, part.lastHeaderEnd, endMarker(this.entries));
    if (!this.wroteFirst && part.firstHeaderEnd >= 0) bytes = insertAt(bytes, part.firstHeaderEnd, this.begin);
    this.wroteFirst = true;
    if (bytes === original) return this.sink.write(bytes, released);
    // A marker went into a copy: the part's own bytes are done with.
    released?.();
    await this.sink.write(bytes);
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function insertAt(bytes: Buffer, offset: number, insertion: string): Buffer {
  return Buffer.concat([bytes.subarray(0, offset), Buffer.from(insertion, 'latin1'), bytes.subarray(offset)]);
}
