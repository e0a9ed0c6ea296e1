// The undo journal keeps one block of an inode with more than one name: the first it is
// given, read before any chunk changed the inode. Pure logic: printed blocks in, what the
// journal writes out.

import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/model/entry.js';
import { JournalledLinks } from '../../src/restore/journal-links.js';
import { printJournalBlocks, type JournalBlocks } from '../../src/restore/undo-journal.js';

const entry = (path: string, mode: number, uid = 0): Entry => ({ path, type: 'file', mode, uid, gid: 0 });
const room = (size: number): Buffer => Buffer.alloc(size);
const text = (blocks: JournalBlocks): string => Buffer.from(blocks.bytes).toString('latin1');
const paths = (blocks: JournalBlocks): string[] => [...text(blocks).matchAll(/^# file: (.*)$/gm)].map((m) => m[1] as string);

describe('JournalledLinks', () => {
  it('passes a chunk without hard links as it is', () => {
    const printed = printJournalBlocks([entry('a', 0o644), entry('b', 0o600)], room);
    expect(new JournalledLinks().leaveOutRepeated(printed)).toBe(printed);
    expect(printed.links).toEqual([]);
  });

  it("leaves out another name of an inode it kept, in the same chunk or a later one (such blocks come first)", () => {
    const links = new JournalledLinks();
    const first = links.leaveOutRepeated(printJournalBlocks([entry('x', 0o777, 3), entry('y', 0o700, 1), entry('a', 0o644), entry('b', 0o600)], room, ['1:5', '1:5']));
    expect([paths(first), first.count]).toEqual([['x', 'a', 'b'], 3]);
    expect(text(first)).toContain('# file: x\n# owner: 3\n');
    // The end marker goes on a copy of the last block written.
    expect(first.last?.text.startsWith('# file: b\n')).toBe(true);
    const later = links.leaveOutRepeated(printJournalBlocks([entry('z', 0o600, 2), entry('w', 0o640, 4), entry('c', 0o644)], room, ['1:5', '1:6']));
    expect([paths(later), later.count]).toEqual([['w', 'c'], 2]);
    expect(later.last?.text.startsWith('# file: c\n')).toBe(true);
  });

  it("takes the last block kept for the end marker's copy when every block of the chunk is an inode's, and writes nothing when it keeps none", () => {
    const links = new JournalledLinks();
    links.leaveOutRepeated(printJournalBlocks([entry('x', 0o777)], room, ['1:5']));
    const chunk = links.leaveOutRepeated(printJournalBlocks([entry('p', 0o600), entry('q', 0o644), entry('y', 0o700)], room, ['1:7', '1:8', '1:5']));
    expect([paths(chunk), chunk.count]).toEqual([['p', 'q'], 2]);
    expect(chunk.last).toEqual({ text: text(chunk).slice(text(chunk).indexOf('# file: q')), headerEnd: expect.any(Number) });
    const { text: lastText, headerEnd } = chunk.last as { text: string; headerEnd: number };
    expect(lastText.slice(0, headerEnd).endsWith('# group: 0\n')).toBe(true);
    const none = links.leaveOutRepeated(printJournalBlocks([entry('r', 0o600), entry('s', 0o600)], room, ['1:7', '1:8']));
    expect([none.count, none.bytes.length, none.last]).toEqual([0, 0, null]);
  });
});
