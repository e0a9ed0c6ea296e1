// Runs restore's per-path work on worker threads (restore-worker.ts), one per --jobs: looks
// and plans go to the least busy worker; a chunk is applied or released by the worker that
// planned it (its pins are that worker's).

import { Worker } from 'node:worker_threads';
import { PermsnapError } from '../errors.js';
import { endOnceLoaded, PrestartedWorkers } from '../threads/prestarted-workers.js';
import { workerScript } from '../threads/worker-script.js';
import type { ChunkPlan, SparedFile } from './chunk-work.js';
import { packItems, type PackedItems } from './packed-items.js';
import type { PieceExecutor } from './look-pieces.js';
import type { PieceAnswer, PieceRequest } from './piece-look.js';
import type { RestoreExecutor } from './restore-executor.js';
import { reviveChanges, type Applied, type LookBatch, type RestoreOrder, type RestoreReply, type RestoreRequest, type WorkerSetup } from './restore-protocol.js';
import type { WorkItem } from './work-item.js';

const QUIT: RestoreOrder = { quit: true };

function startWorker(): Worker {
  return new Worker(workerScript(new URL('./restore-worker.js', import.meta.url)), { resourceLimits: { maxYoungGenerationSizeMb: 32 } });
}

/** Restore workers the CLI starts before it parses the command line; a WorkerExecutor takes them. */
export const earlyRestoreWorkers = new PrestartedWorkers(startWorker, QUIT);

interface Slot {
  worker: Worker;
  loaded: boolean;
  pending: number;
  /** This executor's 'exit' listener, taken off at close (the pool's own stays). */
  exitedEarly: () => void;
}

type Answer = Exclude<RestoreReply, { ready: true } | { bye: true }>;
type Waiter = { resolve: (reply: Answer) => void; reject: (err: Error) => void; slot: Slot };

export class WorkerExecutor implements RestoreExecutor, PieceExecutor {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, Waiter>();
  private readonly chunkSlot = new Map<number, Slot>();
  private nextId = 0;
  private failure: Error | null = null;

  constructor(size: number, setup: WorkerSetup) {
    for (let i = 0; i < size; i++) {
      const { worker, loaded } = earlyRestoreWorkers.take();
      const exitedEarly = (): void => this.failAll(new PermsnapError('INTERNAL', 'a restore worker exited early'));
      const slot: Slot = { worker, loaded, pending: 0, exitedEarly };
      worker.postMessage({ setup } satisfies RestoreOrder);
      worker.on('message', (reply: RestoreReply) => {
        if ('ready' in reply) slot.loaded = true;
        else if (!('bye' in reply)) this.settle(reply);
      });
      worker.on('error', (err) => this.failAll(err));
      worker.on('exit', exitedEarly);
      this.slots.push(slot);
    }
  }

  async look(items: WorkItem[]): Promise<LookBatch> {
    return (await this.request(this.leastBusy(), { kind: 'look', items: packItems(items) })).look as LookBatch;
  }

  get jobs(): number {
    return this.slots.length;
  }

  async lookPiece(request: PieceRequest): Promise<PieceAnswer> {
    return (await this.request(this.leastBusy(), { kind: 'lookPiece', piece: request })).piece as PieceAnswer;
  }

  async plan(chunk: number, items: PackedItems): Promise<ChunkPlan> {
    const slot = this.leastBusy();
    this.chunkSlot.set(chunk, slot);
    const plan = (await this.request(slot, { kind: 'plan', chunk, items })).plan as ChunkPlan;
    for (const [, changes] of plan.plans) reviveChanges(changes);
    return plan;
  }

  async apply(chunk: number, spared: readonly SparedFile[]): Promise<Applied> {
    return (await this.request(this.slotOf(chunk), { kind: 'apply', chunk, spared })).applied as Applied;
  }

  async release(chunk: number): Promise<void> {
    await this.request(this.slotOf(chunk), { kind: 'release', chunk });
  }

  /**
   * Ends the workers; with `threadsMayEnd`, done once each has said goodbye (its descriptors
   * closed), not once its thread has ended (V8 giving back its heap: 70-110 ms here).
   */
  async close(threadsMayEnd = false): Promise<void> {
    const slots = this.slots.splice(0);
    for (const { worker, exitedEarly } of slots) worker.off('exit', exitedEarly);
    await Promise.all(slots.map(({ worker, loaded }) => endOnceLoaded(worker, loaded, QUIT, threadsMayEnd ? isGoodbye : undefined)));
  }

  private slotOf(chunk: number): Slot {
    const slot = this.chunkSlot.get(chunk);
    if (slot === undefined) throw new PermsnapError('INTERNAL', `restore chunk ${chunk} was never planned`);
    this.chunkSlot.delete(chunk);
    return slot;
  }

  private leastBusy(): Slot {
    return this.slots.reduce((best, s) => (s.pending < best.pending ? s : best));
  }

  private request(slot: Slot, body: DistributiveOmit<RestoreRequest, 'id'>): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    slot.pending++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, slot });
      slot.worker.postMessage({ ...body, id } as RestoreRequest);
    });
  }

  private settle(reply: Answer): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    waiter.slot.pending--;
    if (reply.error !== undefined) waiter.reject(new PermsnapError('INTERNAL', reply.error));
    else waiter.resolve(reply);
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}

function isGoodbye(reply: unknown): boolean {
  return typeof reply === 'object' && reply !== null && 'bye' in reply;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
