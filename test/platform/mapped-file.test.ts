// A snapshot mapped into memory (restore's first pass) is the file's bytes, seen alike by
// every thread of the process, without being read or copied.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { mapFile, mappedView } from '../../src/platform/mapped-file.js';
import { makeTempDir, REPO, removeTree } from '../helpers/tree.js';

const dir = makeTempDir('mapped-file-');
afterAll(() => removeTree(dir));

/** A file of `size` bytes that are not all alike, and its descriptor. */
function fileOf(size: number): { fd: number; content: Buffer } {
  const content = Buffer.alloc(size);
  for (let i = 0; i < size; i++) content[i] = (i * 7 + (i >> 12)) & 0xff;
  const file = path.join(dir, `f${size}`);
  fs.writeFileSync(file, content);
  return { fd: fs.openSync(file, 'r'), content };
}

/** What a worker thread of this process reads at the mapping's address: the bytes' sum and length. */
function readInWorker(address: bigint, length: number): Promise<{ sum: number; length: number }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const koffi = require('koffi');
    const bytes = Buffer.from(koffi.view(workerData.address, workerData.length));
    let sum = 0;
    for (const b of bytes) sum = (sum + b) % 1000003;
    parentPort.postMessage({ sum, length: bytes.length });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { address, length } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const sumOf = (bytes: Buffer): number => bytes.reduce((sum, b) => (sum + b) % 1000003, 0);

describe('mapFile', () => {
  it('gives the file\'s bytes, not a copy read into a buffer of its own', () => {
    const { fd, content } = fileOf((3 << 20) + 123);
    const map = mapFile(fd, content.length);
    fs.closeSync(fd);
    expect(map).not.toBeNull();
    expect(map?.bytes.equals(content)).toBe(true);
    expect(map?.mapped.length).toBe(content.length);
    // A read-only mapping: not memory of the heap's, nor shared memory made by V8.
    expect(map?.bytes.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const maps = fs.readFileSync('/proc/self/maps', 'latin1');
    const hex = (map?.mapped.address ?? 0n).toString(16);
    expect(maps.split('\n').find((line) => line.startsWith(hex))).toMatch(/ r--p .*\/f3145851$/);
  });

  it('is seen by another thread of the process, by its address', async () => {
    const { fd, content } = fileOf(1 << 20);
    const map = mapFile(fd, content.length);
    fs.closeSync(fd);
    expect(map).not.toBeNull();
    const seen = await readInWorker(map?.mapped.address ?? 0n, content.length);
    expect(seen).toEqual({ sum: sumOf(content), length: content.length });
    // Held until here: the mapping goes once this thread's Buffer is collected.
    expect(map?.bytes.length).toBe(content.length);
  });

  it('is unmapped once the Buffer it gave is collected (a library caller restoring again and again keeps no old snapshot mapped)', () => {
    const { fd, content } = fileOf(2 << 20);
    fs.closeSync(fd);
    const code = `
      import fs from 'node:fs';
      const { mapFile } = await import(${JSON.stringify(path.join(REPO, 'dist/platform/mapped-file.js'))});
      const fd = fs.openSync(${JSON.stringify(path.join(dir, `f${2 << 20}`))}, 'r');
      let map = mapFile(fd, ${content.length});
      fs.closeSync(fd);
      const start = map.mapped.address.toString(16);
      const mapped = () => fs.readFileSync('/proc/self/maps', 'latin1').split('\\n').some((line) => line.startsWith(start + '-'));
      const before = mapped();
      map = null;
      for (let i = 0; i < 5 && mapped(); i++) { globalThis.gc(); await new Promise((resolve) => setTimeout(resolve, 10)); }
      console.log(JSON.stringify({ before, after: mapped() }));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ before: true, after: false });
  });

  it('gives null for an empty file (nothing to map: it is read as usual)', () => {
    const { fd } = fileOf(0);
    expect(mapFile(fd, 0)).toBeNull();
    fs.closeSync(fd);
  });
});

describe('mappedView', () => {
  it('gives one view for as long as the mapping is the same (V8 counts each view\'s length against its heap)', () => {
    const { fd, content } = fileOf(2 << 20);
    const map = mapFile(fd, content.length);
    fs.closeSync(fd);
    if (map === null) throw new Error('not mapped');
    const view = mappedView(map.mapped);
    expect(mappedView(map.mapped)).toBe(view);
    expect(Buffer.from(view).equals(content)).toBe(true);
    const other = fileOf(1 << 20);
    const second = mapFile(other.fd, other.content.length);
    fs.closeSync(other.fd);
    if (second === null) throw new Error('not mapped');
    expect(Buffer.from(mappedView(second.mapped)).equals(other.content)).toBe(true);
    expect(map.bytes.length + second.bytes.length).toBe(3 << 20);
  });
});
