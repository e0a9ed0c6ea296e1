// Reading snapshots from files and stdin: chunked, streamed, gunzipped by content, with
// read errors as IO errors and parse errors located in the decompressed text.

import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermsnapError } from '../../src/errors.js';
import { parseGetfacl } from '../../src/format/getfacl-parser.js';
import { journalFirstLine, journalRootOf, MAX_FIRST_LINE, readSnapshot, readSnapshotAll, type SnapshotInfo } from '../../src/format/read-snapshot.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const BASE = 'user::rw-\ngroup::r--\nother::r--\n';
/** Where a journal's first words end when its first line starts at the start of the text plus `lead` bytes: MAX_FIRST_LINE at most. */
const JOURNAL_WORDS_END = MAX_FIRST_LINE - '# permsnap undo journal:'.length + 1;

/** A marked snapshot of n blocks, big enough to span several read chunks. */
function snapshotText(n: number): string {
  let text = '';
  for (let i = 0; i < n; i++) {
    const markers = (i === 0 ? '# permsnap: begin\n' : '') + (i === n - 1 ? `# permsnap: end, ${n} entries\n` : '');
    text += `# file: dir/file-${i}\xff\n# owner: user${i % 7}\n# group: ${i}\n${markers}user::rw-\nuser:${i}:r--\ngroup::r--\nmask::r--\nother::---\n\n`;
  }
  return text;
}

/** What this process has open; the fd readdir used for the listing is gone by readlink time. */
function openFiles(): string[] {
  return fs.readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [fs.readlinkSync(`/proc/self/fd/${fd}`)];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  });
}

async function rejection(promise: Promise<unknown>): Promise<PermsnapError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PermsnapError) return err;
    throw err;
  }
  throw new Error('expected a PermsnapError');
}

describe('readSnapshot', () => {
  let dir = '';
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTree(dir));

  it('reads a file of many chunks and yields what parseGetfacl finds in it', async () => {
    const text = snapshotText(5000);
    const file = path.join(dir, 'snap.facl');
    fs.writeFileSync(file, b(text));
    expect(text.length).toBeGreaterThan(5 * 65536);
    const entries = await readSnapshotAll(file);
    expect(entries).toEqual(parseGetfacl(b(text), file));
    expect(entries.length).toBe(5000);
    expect(entries[4999]!.entry.path).toBe('dir/file-4999\xff');
  });

  it("tells an undo journal by its first line, blank lines and blanks before it aside, as journalFirstLine() does (restore judges a journal's writer by the one)", async () => {
    const journal = `# permsnap undo journal: root /r, started 2026-12-05T00:00:00Z\n# file: a\n# permsnap: begin\n# permsnap: end, 1 entries\n${BASE}\n`;
    const lead = JOURNAL_WORDS_END - 1; // the journal's words end at the last byte looked at
    const cases: [before: string, isJournal: boolean][] = [
      ['', true], ['\n', true], ['\r\n', true], [' \t\n\n  \r\r\n\t ', true], [`${' '.repeat(lead - 1)}\n`, true],
      [`${' '.repeat(lead)}\n`, false], ['# another comment\n', false], [' \r \n', false],
    ];
    const file = path.join(dir, 'journal.facl');
    for (const [before, expected] of cases) {
      const bytes = b(before + journal);
      fs.writeFileSync(file, bytes);
      const info: SnapshotInfo = { hasMarkers: false };
      const read = readSnapshotAll(file, { info });
      // A CR amid blanks is no blank line (setfacl, and the parser, read an entry there).
      if (before === ' \r \n') await expect(read).rejects.toThrow(PermsnapError);
      else await read;
      expect([before, info.isJournal === true, journalFirstLine(bytes) !== null]).toEqual([before, expected, expected]);
      // The root, when the whole line is looked at (not cut at MAX_FIRST_LINE).
      if (expected && before.length < 1000) expect([info.journalRoot, journalRootOf(bytes)]).toEqual(['/r', '/r']);
    }
  });

  it('gunzips by content, not by name', async () => {
    const text = snapshotText(300);
    const gzipped = path.join(dir, 'snap.facl');
    const plain = path.join(dir, 'plain.facl.gz');
    fs.writeFileSync(gzipped, gzipSync(b(text)));
    fs.writeFileSync(plain, b(text));
    const expected = parseGetfacl(b(text), 'x').map((p) => p.entry);
    expect((await readSnapshotAll(gzipped)).map((p) => p.entry)).toEqual(expected);
    expect((await readSnapshotAll(plain)).map((p) => p.entry)).toEqual(expected);
  });

  it('reads concatenated gzip members as one text, as gzip -d does', async () => {
    const text = snapshotText(4);
    const cut = text.indexOf('# file: dir/file-2');
    const file = path.join(dir, 'two.gz');
    fs.writeFileSync(file, Buffer.concat([gzipSync(b(text.slice(0, cut))), gzipSync(b(text.slice(cut)))]));
    expect((await readSnapshotAll(file)).length).toBe(4);
  });

  it('reads stdin as -, gzip magic split across chunks included', async () => {
    const gz = gzipSync(b(snapshotText(50)));
    const stdin = Readable.from([gz.subarray(0, 1), gz.subarray(1, 2), gz.subarray(2, 100), gz.subarray(100)]);
    expect((await readSnapshotAll('-', { stdin })).length).toBe(50);
    const tiny = Readable.from([b('#'), b(' file: a\n'), b(BASE)]);
    expect((await readSnapshotAll('-', { stdin: tiny })).map((p) => p.entry.path)).toEqual(['a']);
  });

  it('names stdin - in messages and counts lines in the decompressed text', async () => {
    const text = `${snapshotText(3).replace(/# permsnap: .*\n/g, '')}# file: bad\nuser::rwq\n`;
    const err = await rejection(readSnapshotAll('-', { stdin: Readable.from([gzipSync(b(text))]) }));
    expect(err.code).toBe('MALFORMED');
    expect(err.located).toBe(`-:${text.split('\n').length - 1}: invalid permissions "rwq" in "user::rwq", expected [r-][w-][x-] or an octal digit 0-7`);
  });

  it('refuses a file truncated after the begin marker, naming the file and its last line', async () => {
    const text = snapshotText(10);
    const file = path.join(dir, 'cut.facl.gz');
    const cut = text.slice(0, text.indexOf('# file: dir/file-9'));
    fs.writeFileSync(file, gzipSync(b(cut)));
    const err = await rejection(readSnapshotAll(file));
    expect(err.located).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}:${cut.split('\n').length - 1}: the snapshot ends without "# permsnap: end, N entries"`));
  });

  it('refuses corrupt or truncated gzip data as malformed', async () => {
    const gz = gzipSync(b(snapshotText(100)));
    const file = path.join(dir, 'short.gz');
    fs.writeFileSync(file, gz.subarray(0, gz.length - 20));
    const err = await rejection(readSnapshotAll(file));
    expect(err.code).toBe('MALFORMED');
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/^corrupt or truncated gzip data \(.+\), expected a complete gzip stream$/);
    const flipped = Buffer.from(gz);
    flipped[20] ^= 0xff;
    fs.writeFileSync(file, flipped);
    expect((await rejection(readSnapshotAll(file))).code).toBe('MALFORMED');
  });

  it('reports a missing file or a directory as an IO error naming it', async () => {
    const missing = path.join(dir, 'nope.facl');
    const err = await rejection(readSnapshotAll(missing));
    expect(err.code).toBe('IO');
    expect(err.located).toMatch(new RegExp(`^${missing.replaceAll('.', '\\.')}: cannot read the snapshot: no such file or directory$`));
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    const asDir = await rejection(readSnapshotAll(dir));
    expect(asDir).toMatchObject({ code: 'IO', file: dir, message: 'cannot read the snapshot: is a directory' });
  });

  it('yields nothing for an empty file or empty stdin', async () => {
    const file = path.join(dir, 'empty');
    fs.writeFileSync(file, '');
    expect(await readSnapshotAll(file)).toEqual([]);
    expect(await readSnapshotAll('-', { stdin: Readable.from([]) })).toEqual([]);
  });

  it('yields each entry as soon as its block is read, before the input ends', async () => {
    const stdin = new PassThrough();
    const reader = readSnapshot('-', { stdin });
    stdin.write(b(`# file: first\n${BASE}\n# file: sec`));
    const first = await reader.next();
    expect(first.done).toBe(false);
    expect(first.value!.entry.path).toBe('first');
    stdin.end(b(`ond\n${BASE}`));
    const second = await reader.next();
    expect(second.value!.entry.path).toBe('second');
    expect((await reader.next()).done).toBe(true);
  });

  it('closes the file when the consumer stops early, plain or gzipped', async () => {
    const text = b(snapshotText(3000));
    for (const [name, bytes] of [['snap.facl', text], ['snap.facl.gz', gzipSync(text)]] as const) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      for await (const parsed of readSnapshot(file)) {
        expect(parsed.entry.path).toBe('dir/file-0\xff');
        break;
      }
      // The fd is closed asynchronously after destroy().
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(openFiles()).not.toContain(file);
    }
  });
});
