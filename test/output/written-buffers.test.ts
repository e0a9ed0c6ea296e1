// A snapshot frees each text buffer as soon as the sink says it is written (free-buffer.ts):
// freeNow() must really release the memory, and no sink may say "released" while anything
// still reads the bytes, or the output would hold freed memory. Each sink is written here
// with its buffers freed on release, and its output checked.

import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ByteChunk } from '../../src/output/byte-chunk.js';
import { atomicFileSink, stdoutSink, type ByteSink } from '../../src/output/byte-sink.js';
import { freeNow } from '../../src/output/free-buffer.js';
import { MarkerWriter } from '../../src/snapshot/marker-writer.js';
import { snapshot } from '../../src/snapshot/snapshot.js';
import type { TextPart } from '../../src/snapshot/job-part.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-buffers-');
});
afterEach(() => removeTree(dir));

/** A text part as a worker makes it: its own buffer, from a ByteChunk. */
function part(text: string): TextPart {
  const chunk = new ByteChunk();
  chunk.append(text);
  return { kind: 'text', bytes: chunk.take(), count: 1, firstHeaderEnd: -1, lastHeaderEnd: -1, lastPath: '' };
}

const texts = Array.from({ length: 200 }, (_, i) => `# file: f${i}\n${'x'.repeat(1000 + i)}\n\n`);

/** Writes every text as a part of its own, freeing its buffer when the sink releases it; counts the releases (some come later). */
async function writeFreeingEach(sink: ByteSink): Promise<{ released: number }> {
  const count = { released: 0 };
  for (const text of texts) {
    const { bytes } = part(text);
    await sink.write(bytes as Buffer, () => {
      count.released++;
      freeNow(bytes.buffer as ArrayBuffer);
    });
  }
  return count;
}

describe('freeNow', () => {
  it('releases the memory there and then, and leaves the buffer detached', () => {
    const bytes = Buffer.allocUnsafeSlow(64 * 1024 * 1024).fill(1);
    const before = process.memoryUsage().arrayBuffers;
    freeNow(bytes.buffer as ArrayBuffer);
    expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(bytes.buffer.byteLength).toBe(0);
  });

  it('gets from ByteChunk.take() a buffer of its own, never a slice of a shared pool', () => {
    const taken = part('small').bytes;
    expect(taken.byteOffset).toBe(0);
    expect(taken.buffer.byteLength).toBe(taken.byteLength);
  });
});

describe('ByteSink.write(bytes, released)', () => {
  it('stdoutSink of a stream other than stdout never releases: a PassThrough or a collector keeps the chunk itself', async () => {
    const kept: Buffer[] = [];
    const collector = new Writable({
      write(chunk: Buffer, _encoding, done) {
        kept.push(chunk);
        done();
      },
    });
    const sink = stdoutSink(collector);
    const count = await writeFreeingEach(sink);
    await new Promise<void>((resolve) => collector.end(resolve));
    await sink.commit();
    expect(count.released).toBe(0);
    expect(Buffer.concat(kept).toString('latin1')).toBe(texts.join(''));
  });

  it('snapshot() into stdoutSink(a PassThrough): every byte comes out (its buffers are not freed)', async () => {
    // Past a job's budget (4000 entries) each directory is a part of its own: the middle
    // ones go to the sink as they are, not copied to take a marker.
    for (let d = 0; d < 10; d++) {
      fs.mkdirSync(path.join(dir, `t/d${d}`), { recursive: true });
      for (let i = 0; i < 1000; i++) fs.writeFileSync(path.join(dir, `t/d${d}`, `f${i}`), '');
    }
    // Piped on to a slow file-like stream, a PassThrough holds the chunks a while.
    const through = new PassThrough();
    const out: Buffer[] = [];
    const slow = new Writable({
      write(chunk: Buffer, _encoding, done) {
        setTimeout(() => {
          out.push(Buffer.from(chunk));
          done();
        }, 1);
      },
    });
    through.pipe(slow);
    const finished = new Promise<void>((resolve) => slow.on('finish', () => resolve()));
    const copied: Buffer[] = [];
    const copying: ByteSink = { write: async (bytes) => void copied.push(Buffer.from(bytes)), commit: async () => {}, abort: async () => {} };
    await snapshot([path.join(dir, 't')], copying, { jobs: 1, sorted: true });
    await snapshot([path.join(dir, 't')], stdoutSink(through), { jobs: 1, sorted: true });
    through.end();
    await finished;
    expect(Buffer.concat(out).toString('latin1')).toBe(Buffer.concat(copied).toString('latin1'));
    expect(Buffer.concat(copied).toString('latin1')).toContain('# file: ');
  });

  it('a .gz file: every byte arrives, though each buffer is freed on release', async () => {
    const file = path.join(dir, 'out.facl.gz');
    const sink = atomicFileSink(file);
    const count = await writeFreeingEach(sink);
    await sink.commit();
    expect(count.released).toBe(texts.length);
    expect(zlib.gunzipSync(fs.readFileSync(file)).toString('latin1')).toBe(texts.join(''));
  });
});

describe('MarkerWriter', () => {
  it('releases each part once, the first and last after their markers went into a copy', async () => {
    const file = path.join(dir, 'out.facl');
    const sink = atomicFileSink(file);
    const writer = new MarkerWriter(sink, true);
    const releasedParts: number[] = [];
    const header = (p: TextPart, at: number): TextPart => ({ ...p, firstHeaderEnd: at, lastHeaderEnd: at });
    for (const [i, text] of texts.entries()) {
      const p = header(part(text), text.indexOf('\n') + 1);
      await writer.write(p, () => {
        releasedParts.push(i);
        freeNow(p.bytes.buffer as ArrayBuffer);
      });
    }
    await writer.finish();
    await sink.commit();
    expect(releasedParts.sort((a, b) => a - b)).toEqual(texts.map((_, i) => i));
    const out = fs.readFileSync(file, 'latin1');
    expect(out.startsWith('# file: f0\n# permsnap: begin\nx')).toBe(true);
    expect(out.endsWith(`# file: f199\n# permsnap: end, 200 entries\n${'x'.repeat(1199)}\n\n`)).toBe(true);
    expect(out.replace('# permsnap: begin\n', '').replace('# permsnap: end, 200 entries\n', '')).toBe(texts.join(''));
  });
});
