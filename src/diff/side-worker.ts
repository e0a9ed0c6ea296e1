// A worker thread that reads one side of a diff (side-in-worker.ts): its (path, record)
// pairs go to the main thread in batches, each record once (by number after its first time),
// so a million pairs cross as paths and small numbers; each path's hash goes along, worked
// out here rather than on the thread that joins the sides.

import { parentPort, workerData } from 'node:worker_threads';
import { PermsnapError } from '../errors.js';
import { compileGlobs } from '../glob/path-matcher.js';
import { lowerThreadPriority } from '../platform/thread-priority.js';
import { readSide } from './diff-sources.js';
import { pathHash } from './path-table.js';

export interface SideJob {
  operand: string;
  names: boolean;
  exclude: string[];
  /** Yield the CPU to the other side's worker (see joinSides in diff.ts). */
  yieldCpu?: boolean;
}

export type SideMessage =
  | { kind: 'batch'; paths: string[]; hashes: Uint32Array; records: Int32Array; newRecords: string[] }
  | { kind: 'problem'; path: string; message: string }
  | { kind: 'done'; info: Awaited<ReturnType<typeof readSide>> }
  | { kind: 'error'; code: PermsnapError['code'] | null; message: string; file?: string; line?: number };

const BATCH = 16384;
const job = workerData as SideJob;
if (job.yieldCpu) lowerThreadPriority(10);
const port = parentPort!;
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

try {
  const info = await readSide(job.operand, {
    names: job.names,
    exclude: compileGlobs(job.exclude),
    onProblem: (path, message) => port.postMessage({ kind: 'problem', path, message } satisfies SideMessage),
  }, (path, record) => {
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
  const message: SideMessage = err instanceof PermsnapError
    ? { kind: 'error', code: err.code, message: err.message, file: err.file, line: err.line }
    : { kind: 'error', code: null, message: err instanceof Error ? err.message : String(err) };
  port.postMessage(message);
}
