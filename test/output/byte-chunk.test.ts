// ByteChunk: byte strings in, transferable buffers out; a chunk reused across jobs starts
// each one empty and gives back a buffer grown by one huge job.

import { describe, expect, it } from 'vitest';
import { ByteChunk } from '../../src/output/byte-chunk.js';

describe('ByteChunk', () => {
  it('hands over exactly the bytes appended, each char as one byte, and starts over', () => {
    const chunk = new ByteChunk(4);
    chunk.append('# file: a\n');
    chunk.append('\xff\x00b');
    const first = chunk.take();
    expect([...first]).toEqual([...Buffer.from('# file: a\n', 'latin1'), 0xff, 0x00, 0x62]);
    expect(chunk.length).toBe(0);
    chunk.append('c');
    expect(chunk.take().toString('latin1')).toBe('c');
    expect(first.toString('latin1', 0, 9)).toBe('# file: a'); // not overwritten by later use
  });

  it('drops unfinished text on clear(), so a reused chunk never leaks one job into the next', () => {
    const chunk = new ByteChunk();
    chunk.append('left behind by a job that threw');
    chunk.clear();
    chunk.append('next');
    expect(chunk.take().toString('latin1')).toBe('next');
  });

  it('keeps working after a huge text (its grown buffer given back)', () => {
    const chunk = new ByteChunk(16);
    const big = 'x'.repeat(5 * 1024 * 1024);
    chunk.append(big);
    expect(chunk.take().length).toBe(big.length);
    chunk.append('small');
    expect(chunk.take().toString('latin1')).toBe('small');
  });
});
