// What the main thread and a diff side's worker (side-worker.ts) say to each other.

import type { PermsnapError } from '../errors.js';
import type { SideInfo } from './diff-sources.js';

export interface SideJob {
  operand: string;
  names: boolean;
  exclude: readonly string[];
  /** Read a live side's capabilities (not under --ignore capability). */
  capability: boolean;
  /** Yield the CPU to the other side's worker until told FULL_SPEED (see diff.ts). */
  yieldCpu?: boolean;
}

/** To the worker: stop yielding the CPU, the main thread now waits for this side. */
export const FULL_SPEED = 'full-speed';

/**
 * To the worker: stop reading and end (the other side failed). A worker is never
 * terminate()d: one stopped inside a koffi call aborts the whole process.
 */
export const CANCEL = 'cancel';

/**
 * To the worker: the side to read (a worker can be started before the command line is
 * parsed, so the job comes as a message), or quit (started early, not needed).
 */
export type SideOrder = { job: SideJob } | { quit: true } | typeof FULL_SPEED | typeof CANCEL;

/** From the worker: it has loaded (first), then batches and problems, then done or error. */
export type SideMessage =
  | { kind: 'ready' }
  | { kind: 'batch'; paths: string[]; hashes: Uint32Array; records: Int32Array; newRecords: string[] }
  | { kind: 'problem'; path: string; message: string }
  | { kind: 'done'; info: SideInfo }
  | { kind: 'error'; code: PermsnapError['code'] | null; message: string; file?: string; line?: number };
