// Where output bytes go: stdout, or a file written atomically (a temp file in the same
// directory, fsync, rename), gzip-compressed when its name ends in .gz. Writes wait for
// the stream to drain, so memory stays bounded however large the output.

import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { PermsnapError } from '../errors.js';

export interface ByteSink {
  write(bytes: Buffer): Promise<void>;
  /** Completes the output (for a file: fsync and rename into place). */
  commit(): Promise<void>;
  /** Gives up: a file sink removes its temp file and leaves any old file untouched. */
  abort(): Promise<void>;
}

async function writeTo(stream: Writable, bytes: Buffer): Promise<void> {
  if (!stream.write(bytes)) await once(stream, 'drain');
}

function drainOrError(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.off('drain', done).off('error', done);
      if (err) reject(err);
      else resolve();
    };
    stream.on('drain', done).on('error', done);
  });
}

export function stdoutSink(stdout: Writable = process.stdout): ByteSink {
  let failure: Error | null = null;
  stdout.once('error', (err) => (failure = err));
  return {
    async write(bytes) {
      // A closed pipe never drains: stop instead of waiting forever.
      if (failure || stdout.destroyed) throw new PermsnapError('IO', `standard output: ${failure?.message ?? 'closed'}`, { cause: failure });
      if (!stdout.write(bytes)) await drainOrError(stdout);
    },
    commit: async () => {},
    abort: async () => {},
  };
}

export function atomicFileSink(target: string): ByteSink {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(temp, 'wx', 0o600);
  } catch (err) {
    throw new PermsnapError('IO', `${target}: cannot create output file: ${(err as Error).message}`, { cause: err });
  }
  const file = fs.createWriteStream('', { fd, autoClose: false });
  const gzip = target.endsWith('.gz') ? zlib.createGzip() : null;
  if (gzip) gzip.pipe(file);
  const head: Writable = gzip ?? file;
  let failure: Error | null = null;
  file.on('error', (err) => (failure = err));
  gzip?.on('error', (err) => (failure = err));

  const check = (): void => {
    if (failure) throw new PermsnapError('IO', `${target}: write failed: ${failure.message}`, { cause: failure });
  };
  return {
    async write(bytes) {
      check();
      await writeTo(head, bytes);
      check();
    },
    async commit() {
      head.end();
      await once(file, 'finish');
      check();
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      // Keep the mode of a file being replaced; a new snapshot is private (it lists every path).
      try {
        fs.chmodSync(temp, fs.statSync(target).mode & 0o7777);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      fs.renameSync(temp, target);
      fsyncDirectory(dir);
    },
    async abort() {
      head.destroy();
      file.destroy();
      try {
        fs.closeSync(fd);
      } catch {
        // already closed by the stream's destroy(): nothing left to release
      }
      fs.rmSync(temp, { force: true });
    },
  };
}

function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
