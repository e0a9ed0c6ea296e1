// atomicFileSink as a library caller may use it: several sinks for one file at once (each
// its own temp file: the temp name was the pid and the millisecond, and the second sink of
// a millisecond failed with "file already exists"), commit() called twice (once is done),
// and commit() after abort() (refused; it waited forever for a stream already destroyed).

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicFileSink } from '../../src/output/byte-sink.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-sink-life-');
});
afterEach(() => removeTree(dir));

describe('atomicFileSink', () => {
  it('makes each of many sinks for one file, at once, its own temp file; the last commit wins', async () => {
    const target = path.join(dir, 'out.facl');
    const sinks = Array.from({ length: 200 }, () => atomicFileSink(target));
    expect(fs.readdirSync(dir)).toHaveLength(200);
    for (const [i, sink] of sinks.entries()) await sink.write(Buffer.from(`sink ${i}\n`));
    for (const sink of sinks) await sink.commit();
    expect(fs.readdirSync(dir)).toEqual(['out.facl']);
    expect(fs.readFileSync(target, 'utf8')).toBe('sink 199\n');
  });

  it('takes commit() twice as once, and refuses commit() after abort() instead of never settling', async () => {
    const target = path.join(dir, 'out.facl');
    const sink = atomicFileSink(target);
    await sink.write(Buffer.from('x\n'));
    await Promise.all([sink.commit(), sink.commit()]);
    await sink.commit();
    expect(fs.readFileSync(target, 'utf8')).toBe('x\n');

    const aborted = atomicFileSink(target);
    await aborted.write(Buffer.from('y\n'));
    await aborted.abort();
    await expect(aborted.commit()).rejects.toThrow(/out\.facl: not written: the output was aborted/);
    expect(fs.readFileSync(target, 'utf8')).toBe('x\n');
    expect(fs.readdirSync(dir)).toEqual(['out.facl']);
  });
});
