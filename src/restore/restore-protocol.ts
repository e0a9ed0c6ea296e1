// What the main thread and a restore worker (restore-worker.ts) say to each other, and the
// Buffers that structured cloning turns into plain Uint8Arrays on the way.

import type { ChunkPlan, ChunkSettings, Counts, Problem, SparedFile } from './chunk-work.js';
import type { Change } from './reconcile.js';
import type { PackedItems } from './packed-items.js';
import type { PieceAnswer, PieceRequest } from './piece-look.js';

/** A worker's ChunkSettings as they cross (the pseudo filesystems' devices as an array). */
export interface WorkerSetup extends Omit<ChunkSettings, 'pseudo'> {
  pseudo: number[];
  /** --force-fallbacks: the system calls older kernels lack are not used. */
  fallbacks: boolean;
}

/** The first look at paths: each path's Outcome, and the problems found, by index. */
export interface LookBatch {
  outcomes: Uint8Array;
  problems: [index: number, message: string][];
}

export interface Applied {
  counts: Counts;
  problems: Problem[];
}

export type RestoreRequest =
  | { id: number; kind: 'look'; items: PackedItems }
  | { id: number; kind: 'lookPiece'; piece: PieceRequest }
  | { id: number; kind: 'plan'; chunk: number; items: PackedItems }
  | { id: number; kind: 'apply'; chunk: number; spared: readonly SparedFile[] }
  | { id: number; kind: 'release'; chunk: number };

/** To a worker: its setup (it may be started before the command line is parsed), a request, or quit. */
export type RestoreOrder = { setup: WorkerSetup } | RestoreRequest | { quit: true };

/** From a worker: it has loaded (first), then one reply per request, and its goodbye when told to quit. */
export type RestoreReply =
  | { ready: true }
  /** It has closed its descriptors and ends: nothing it held is left. */
  | { bye: true }
  | { id: number; look?: LookBatch; piece?: PieceAnswer; plan?: ChunkPlan; applied?: Applied; error?: string };

/** A Buffer again (what Buffer methods need), from what crossed a thread as a Uint8Array. */
export function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** The capabilities of planned changes as Buffers again, in place. */
export function reviveChanges(changes: Change[]): void {
  for (const { before, after } of changes) {
    if (before.capability) before.capability = asBuffer(before.capability);
    if (after.capability) after.capability = asBuffer(after.capability);
  }
}
