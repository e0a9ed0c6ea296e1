// Where output bytes go: stdout, or a file written atomically (a temp file in the same
// directory, fsync, rename), gzip-compressed when its name ends in .gz. Writes wait for
// the stream to drain, so memory stays bounded however large the output.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import zlib from 'node:zlib';
import { PermsnapError, systemReason } from '../errors.js';
import { checkPath } from '../library-options.js';
import { XATTR_ACL_ACCESS } from '../model/acl-xattr.js';
import { toByteString } from '../platform/byte-path.js';

export interface ByteSink {
  /** The file being written, when there is one (a walk of the tree it is in leaves it out). */
  readonly identity?: { dev: number; ino: number };
  /**
   * Resolves when the sink can take more. `released`, when given, is called once the sink
   * no longer reads `bytes` (written out, or failed), so the caller may reuse them; a sink
   * that cannot tell never calls it.
   */
  write(bytes: Buffer, released?: () => void): Promise<void>;
  /** Completes the output (for a file: fsync and rename into place). */
  commit(): Promise<void>;
  /** Gives up: a file sink removes its temp file and leaves any old file untouched. */
  abort(): Promise<void>;
  /** At once, on the way out (a signal): a file sink removes its temp file. */
  discard?(): void;
}

/**
 * Resolves on `event` from `stream`, rejects on the first error from any of `watched`. A
 * stream that fails never drains or finishes: without this, a full disk under a gzip pipe
 * would leave the writer waiting forever.
 */
function eventOrError(stream: Writable, event: 'drain' | 'finish', watched: readonly Writable[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.off(event, onEvent);
      for (const w of watched) w.off('error', onError);
    };
    const onEvent = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    stream.on(event, onEvent);
    for (const w of watched) w.on('error', onError);
  });
}

const failed = (err: Error | null): PermsnapError =>
  new PermsnapError('IO', `standard output: ${err ? systemReason(err) : 'closed'}`, { cause: err });

export function stdoutSink(stdout: Writable = process.stdout): ByteSink {
  let failure: Error | null = null;
  const onError = (err: Error): void => {
    failure = err;
  };
  stdout.once('error', onError);
  // Done with the stream: a program that makes a sink per call must not pile up listeners.
  const release = async (): Promise<void> => void stdout.removeListener('error', onError);
  // The process's stdout (a file, pipe, socket or terminal) calls a write back once the
  // bytes are out. Another stream may call back while it still holds them (a PassThrough
  // passes the chunk itself on, a collector keeps it): its bytes are never released.
  const releases = stdout === process.stdout;
  return {
    async write(bytes, released) {
      // A closed pipe never drains: stop instead of waiting forever.
      if (failure || stdout.destroyed) throw failed(failure);
      try {
        if (!stdout.write(bytes, releases ? released : undefined)) await eventOrError(stdout, 'drain', [stdout]);
      } catch (err) {
        throw failed(err as Error);
      }
    },
    commit: release,
    abort: release,
  };
}

/**
 * Writes a file atomically: a temp file beside it, fsynced, renamed over it. A symlink is
 * followed to the file it names (the link stays). Something that is not a regular file
 * (`-o /dev/null`, a FIFO) is written directly: a rename would replace the device itself.
 */
export function atomicFileSink(named: string): ByteSink {
  checkPath('file', named);
  const target = followedTarget(named);
  const existing = fs.statSync(target, { throwIfNoEntry: false });
  const direct = existing !== undefined && !existing.isFile();
  const dir = path.dirname(target);
  // Random, not the time alone: two sinks for one file made in the same millisecond (two
  // calls of a library caller's) each need their own temp file.
  const temp = direct ? target : path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // A device or FIFO written directly is not ours to remove.
  const removeTemp = (): void => {
    if (!direct) fs.rmSync(temp, { force: true });
  };
  let fd: number;
  try {
    fd = fs.openSync(temp, direct ? 'w' : 'wx', 0o600);
  } catch (err) {
    throw new PermsnapError('IO', `${named}: cannot create output file: ${systemReason(err)}`, { cause: err });
  }
  // The descriptor is this sink's, closed here once. A stream's destroy() closes its fd,
  // autoClose or not, later on the thread pool: closed here as well, the number could by
  // then be a file the program opened since (a library caller's, after abort()).
  let open = true;
  const closeFd = (): void => {
    if (!open) return;
    open = false;
    fs.closeSync(fd);
  };
  const file = fs.createWriteStream('', { fd, autoClose: false, fs: { write: fs.write, writev: fs.writev, close: (_fd: number, done: (err: null) => void) => done(null) } });
  const gzip = target.endsWith('.gz') ? zlib.createGzip() : null;
  if (gzip) gzip.pipe(file);
  const head: Writable = gzip ?? file;
  const streams: Writable[] = gzip ? [gzip, file] : [file];
  let failure: Error | null = null;
  for (const s of streams) s.on('error', (err) => (failure ??= err));

  const check = (): void => {
    if (failure) throw new PermsnapError('IO', `${target}: write failed: ${systemReason(failure)}`, { cause: failure });
  };
  const settle = async (wait: Promise<void>): Promise<void> => {
    await wait.catch(() => {});
    check();
  };
  const { dev, ino } = fs.fstatSync(fd);
  let committed: Promise<void> | undefined;
  let aborted = false;
  return {
    identity: { dev, ino },
    async write(bytes, released) {
      check();
      if (!head.write(bytes, released)) await settle(eventOrError(head, 'drain', streams));
      check();
    },
    commit() {
      // Once: a second commit() gets the first one's outcome, and one after abort() a refusal
      // (it waited forever for a stream already destroyed).
      if (aborted) return Promise.reject(new PermsnapError('IO', `${named}: not written: the output was aborted`));
      return (committed ??= commitOnce());
    },
    async abort() {
      aborted = true;
      head.destroy();
      // A write still on the thread pool finishes before its descriptor is let go.
      if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()).destroy());
      closeFd();
      removeTemp();
    },
    discard: removeTemp,
  };

  async function commitOnce(): Promise<void> {
    check();
    const finished = eventOrError(file, 'finish', streams);
    head.end();
    await settle(finished);
    if (direct) {
      closeFd();
      return;
    }
    fs.fsyncSync(fd);
    closeFd();
    await keepAccess(temp, target, named);
    try {
      fs.renameSync(temp, target);
    } catch (err) {
      // The caller's abort() removes the temp file.
      throw new PermsnapError('IO', `${named}: cannot replace output file: ${systemReason(err)}`, { cause: err });
    }
    fsyncDirectory(dir);
  }
}

/**
 * The file being replaced keeps who may read it: its mode, and as far as this user may set
 * them its owner and group, and its access ACL (a baseline handed to a monitoring group with
 * chgrp or setfacl stays readable to it). A new snapshot stays private: it lists every path.
 */
async function keepAccess(temp: string, target: string, named: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.statSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    fs.chownSync(temp, st.uid, st.gid);
  } catch {
    try {
      fs.chownSync(temp, -1, st.gid);
    } catch {
      // Not a group of this user's: the new file is in this user's group.
    }
  }
  try {
    fs.chmodSync(temp, st.mode & 0o7777);
  } catch (err) {
    // The temp file is this user's own: only a filesystem that keeps no modes refuses it
    // (vfat, FUSE and network ones), and there every file has the mode it gives.
    if (!KEEPS_NO_MODES.has((err as NodeJS.ErrnoException).code ?? '')) {
      throw new PermsnapError('IO', `${named}: cannot give the new file the mode of the one it replaces: ${systemReason(err)}`, { cause: err });
    }
  }
  const { getXattr, setXattr } = await import('../platform/xattr.js');
  let acl: Buffer | null;
  try {
    acl = getXattr(toByteString(target), XATTR_ACL_ACCESS, true);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTSUP') throw err;
    acl = null; // a filesystem without ACLs
  }
  // The temp file is beside the target: the same filesystem, which took that ACL.
  if (acl !== null) setXattr(toByteString(temp), XATTR_ACL_ACCESS, acl);
}

const KEEPS_NO_MODES = new Set(['EPERM', 'ENOSYS', 'ENOTSUP']);

/**
 * The file a path names, its symlinks followed; the path itself when it names nothing yet,
 * or when what it leads to has no name (`/dev/stdout` on a pipe leads to
 * "/proc/PID/fd/pipe:[N]", which Node gives back as though it were a path).
 */
function followedTarget(named: string): string {
  try {
    const real = fs.realpathSync(named);
    return fs.existsSync(real) ? real : named;
  } catch {
    return named;
  }
}

/** fsyncs the directory `dir`, so that a name just made in it outlasts a power loss. */
export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
