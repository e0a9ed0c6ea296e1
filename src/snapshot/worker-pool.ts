// A fixed set of worker threads that run snapshot jobs, one at a time each.
// Workers are synchronous inside (design.md: sync koffi calls on disjoint subtrees).

import { Worker } from 'node:worker_threads';
import { PermsnapError } from '../errors.js';
import type { JobPart } from './job-part.js';
import type { Job } from './run-job.js';
import type { SnapshotSettings } from './settings.js';
import type { JobRequest } from './worker.js';

interface Reply {
  id: number;
  parts?: JobPart[];
  error?: string;
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (parts: JobPart[]) => void; reject: (err: Error) => void; worker: Worker }>();
  private readonly queue: Array<() => void> = [];
  private nextId = 0;

  constructor(size: number, settings: SnapshotSettings) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: settings });
      worker.on('message', (reply: Reply) => this.settle(reply));
      worker.on('error', (err) => this.failAll(err));
      this.idle.push(worker);
      this.all.push(worker);
    }
  }

  get size(): number {
    return this.all.length;
  }

  get hasIdleWorker(): boolean {
    return this.idle.length > 0;
  }

  run(job: Job, budget: number): Promise<JobPart[]> {
    return new Promise((resolve, reject) => {
      const start = (): void => {
        const worker = this.idle.pop() as Worker;
        const id = this.nextId++;
        this.waiting.set(id, { resolve, reject, worker });
        worker.postMessage({ id, job, budget } satisfies JobRequest);
      };
      if (this.idle.length > 0) start();
      else this.queue.push(start);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }

  private settle(reply: Reply): void {
    const pending = this.waiting.get(reply.id);
    if (!pending) return;
    this.waiting.delete(reply.id);
    this.idle.push(pending.worker);
    this.queue.shift()?.();
    if (reply.error !== undefined) pending.reject(new PermsnapError('INTERNAL', `snapshot worker failed: ${reply.error}`));
    else pending.resolve(reply.parts ?? []);
  }

  private failAll(err: Error): void {
    for (const [id, pending] of this.waiting) {
      this.waiting.delete(id);
      pending.reject(new PermsnapError('INTERNAL', `snapshot worker died: ${err.message}`, { cause: err }));
    }
  }
}
