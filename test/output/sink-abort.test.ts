// atomicFileSink's abort() (the library's README: call it when the call throws) lets go of
// its own descriptor once, and of nothing else: a stream's destroy() closes its fd later on
// the thread pool, so a descriptor also closed at once could be, by then, the next file the
// program opened (its writes then failed with EBADF, or went nowhere).

import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicFileSink } from '../../src/output/byte-sink.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-sink-abort-');
});
afterEach(() => removeTree(dir));

/** The next file opened (it may get the number the sink had) is still written to after a while. */
async function expectNextFileKept(): Promise<void> {
  const next = fs.openSync(path.join(dir, 'next.log'), 'w');
  await sleep(50);
  fs.writeSync(next, 'still mine\n');
  fs.closeSync(next);
  expect(fs.readFileSync(path.join(dir, 'next.log'), 'utf8')).toBe('still mine\n');
}

describe('atomicFileSink abort()', () => {
  for (const name of ['out.facl', 'out.facl.gz']) {
    it(`closes only its own descriptor (${name}), written to or not, and leaves no file`, async () => {
      for (const written of [false, true]) {
        const sink = atomicFileSink(path.join(dir, name));
        if (written) await sink.write(Buffer.from('# file: x\n'.repeat(10000)));
        await sink.abort();
        await expectNextFileKept();
        expect(fs.readdirSync(dir)).toEqual(['next.log']);
      }
    });
  }

  it('after a commit that failed, closes nothing twice', async () => {
    // A directory takes the target's name meanwhile: the rename fails once the temp file is
    // written and its descriptor closed.
    const sink = atomicFileSink(path.join(dir, 'taken'));
    await sink.write(Buffer.from('# file: x\n'));
    fs.mkdirSync(path.join(dir, 'taken'));
    fs.writeFileSync(path.join(dir, 'taken', 'f'), '');
    await expect(sink.commit()).rejects.toThrow(/cannot replace output file/);
    await sink.abort();
    await expectNextFileKept();
  });
});
