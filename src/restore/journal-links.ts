// Hard links in the undo journal: an inode's pre-restore state is journalled once, by the
// first of its names the journal takes. A later name's block, planned after an earlier
// chunk had changed the inode through another name, records the state those steps left:
// undone after the first name's, it gave the file that state, not the one it had before
// the restore (QA helper-134). Chunks are journalled in order, each before any of its steps
// runs, so the first block of an inode was read before anything changed it.

import type { JournalBlocks } from './undo-journal.js';

/** A block of an inode with more than one name, in a chunk's printed text. */
export interface LinkBlock {
  /** The inode (linkKeyOf: dev:ino). */
  key: string;
  start: number;
  end: number;
  /** Where its header ends (the end marker goes there). */
  headerEnd: number;
}

/** The inodes with more than one name that the journal holds a block of. */
export class JournalledLinks {
  private readonly keys = new Set<string>();

  /**
   * A chunk's printed blocks without those of inodes journalled before, in this chunk or an
   * earlier one. They come first in the text (printJournalBlocks): the last block, which the
   * end marker repeats, is one kept whenever the chunk has a block of another kind.
   */
  leaveOutRepeated(blocks: JournalBlocks): JournalBlocks {
    const parts: Uint8Array[] = [];
    let at = 0;
    let lastKept: LinkBlock | null = null;
    for (const link of blocks.links) {
      if (!this.keys.has(link.key)) {
        this.keys.add(link.key);
        lastKept = link;
        continue;
      }
      parts.push(blocks.bytes.subarray(at, link.start));
      at = link.end;
    }
    if (parts.length === 0) return blocks;
    parts.push(blocks.bytes.subarray(at));
    const count = blocks.count - (parts.length - 1);
    const bytes = Buffer.concat(parts);
    // Every block of the chunk an inode's: the last kept one is the last in the text.
    const last = blocks.links.length < blocks.count ? blocks.last
      : lastKept === null ? null : { text: Buffer.from(blocks.bytes.subarray(lastKept.start, lastKept.end)).toString('latin1'), headerEnd: lastKept.headerEnd - lastKept.start };
    return { bytes, count, firstHeaderEnd: blocks.firstHeaderEnd, last, links: [] };
  }
}
