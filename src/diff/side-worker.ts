// A worker thread that reads one side of a diff (side-in-worker.ts): its (path, record)
// pairs go to the main thread in batches, each record once (by number after its first time),
// so a million pairs cross as paths and small numbers; each path's hash goes along, worked
// out here rather than on the thread that joins the sides.

import { parentPort } from 'node:worker_threads';
import { PermsnapError } from '../errors.js';
import { compileGlobs } from '../glob/path-matcher.js';
import { setThreadNice, threadNice } from '../platform/thread-priority.js';
import { readSide } from './diff-sources.js';
import { pathHash } from '../model/path-table.js';
import { CANCEL, FULL_SPEED, type SideJob, type SideMessage, type SideOrder } from './side-protocol.js';

/** How much nicer than the process the yielding side's thread is (never less nice than it was). */
const YIELDING_NICENESS = 10;
const MAX_NICE = 19;
/** The nice value this thread began with, which it goes back to. */
let ownNice = 0;

const BATCH = 16384;
const port = parentPort!;
let yielding = false;
let cancelled = false;
/** Thrown from the pairs' sink to end a cancelled read where it is. */
class Cancelled extends Error {}

port.on('message', (order: SideOrder) => {
  if (order === FULL_SPEED) {
    if (yielding) setThreadNice(ownNice);
  } else if (order === CANCEL) cancelled = true;
  else if ('quit' in order) port.close();
  else {
    // Reading keeps this worker alive; once it is done, the port must not.
    port.unref();
    void read(order.job);
  }
});
// Loaded (koffi and all): from now on the pool may end this worker at any time.
port.postMessage({ kind: 'ready' } satisfies SideMessage);

const ids = new Map<string, number>();
let paths: string[] = [];
let hashes: number[] = [];
let records: number[] = [];
let newRecords: string[] = [];

function flush(): void {
  if (paths.length === 0) return;
  const message: SideMessage = { kind: 'batch', paths, hashes: Uint32Array.from(hashes), records: Int32Array.from(records), newRecords };
  port.postMessage(message, [message.hashes.buffer as ArrayBuffer, message.records.buffer as ArrayBuffer]);
  paths = [];
  hashes = [];
  records = [];
  newRecords = [];
}

async function read(job: SideJob): Promise<void> {
  // Yield the CPU only where it can be taken back: lower priority cannot be undone without
  // root, and a worker left at nice 10 would crawl on a busy machine once it is all the
  // diff waits for.
  ownNice = threadNice();
  yielding = job.yieldCpu === true && process.geteuid?.() === 0 && ownNice < MAX_NICE && setThreadNice(Math.min(MAX_NICE, ownNice + YIELDING_NICENESS));
  try {
    const info = await readSide(job.operand, {
      names: job.names,
      exclude: compileGlobs(job.exclude),
      capability: job.capability,
      onProblem: (path, message) => port.postMessage({ kind: 'problem', path, message } satisfies SideMessage),
    }, (path, record) => {
      if (cancelled) throw new Cancelled();
      let id = ids.get(record);
      if (id === undefined) {
        id = ids.size;
        ids.set(record, id);
        newRecords.push(record);
      }
      paths.push(path);
      hashes.push(pathHash(path));
      records.push(id);
      if (paths.length === BATCH) flush();
    });
    flush();
    port.postMessage({ kind: 'done', info } satisfies SideMessage);
  } catch (err) {
    // Cancelled: nobody waits for this side; the worker ends once read() returns.
    if (err instanceof Cancelled) return;
    const message: SideMessage = err instanceof PermsnapError
      ? { kind: 'error', code: err.code, message: err.message, file: err.file, line: err.line }
      : { kind: 'error', code: null, message: err instanceof Error ? err.message : String(err) };
    port.postMessage(message);
  }
}
