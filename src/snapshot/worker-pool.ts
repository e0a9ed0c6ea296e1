// A fixed set of worker threads that run snapshot jobs, one at a time each.
// Workers are synchronous inside (design.md: sync koffi calls on disjoint subtrees).

import { Worker } from 'node:worker_threads';
import { PermsnapError } from '../errors.js';
import type { JobPart } from './job-part.js';
import type { Job } from './run-job.js';
import type { SnapshotSettings } from './settings.js';
import type { JobRequest } from './worker.js';

interface Reply {
  ready?: boolean;
  id: number;
  parts?: JobPart[];
  error?: string;
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (parts: JobPart[]) => void; reject: (err: Error) => void; worker: Worker }>();
  private nextId = 0;
  private ready = 0;
  private readonly loaded = new Set<Worker>();

  constructor(size: number, settings: SnapshotSettings) {
    for (let i = 0; i < size; i++) {
      // A larger young generation than a worker's default: the walk makes many short-lived strings.
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: settings, resourceLimits: { maxYoungGenerationSizeMb: 32 } });
      worker.on('message', (reply: Reply) => {
        if (!reply.ready) this.settle(reply);
        else {
          this.ready++;
          this.loaded.add(worker);
          this.makeIdle(worker);
        }
      });
      worker.on('error', (err) => this.failAll(err));
      this.all.push(worker);
    }
  }

  get size(): number {
    return this.all.length;
  }

  /** Workers that have loaded and taken work at least once (a busy pool is better than inline work). */
  get started(): number {
    return this.ready;
  }

  get hasIdleWorker(): boolean {
    return this.idle.length > 0;
  }

  /** Called when a worker is free again. */
  onIdle: () => void = () => {};

  /** Runs a job on an idle worker; call only when hasIdleWorker. */
  run(job: Job, budget: number): Promise<JobPart[]> {
    return new Promise((resolve, reject) => {
      const worker = this.idle.pop();
      if (!worker) throw new PermsnapError('INTERNAL', 'no idle snapshot worker');
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject, worker });
      worker.postMessage({ id, job, budget } satisfies JobRequest);
    });
  }

  /**
   * Lets every worker end on its own: a worker terminated while it is still loading koffi
   * (a small tree is done before that) can abort the whole process (koffi issue #190:
   * "FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw"). A loaded worker is asked
   * to quit; one still loading quits once it says it is ready.
   */
  async close(): Promise<void> {
    await Promise.all(this.all.map((worker) => {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      if (this.loaded.has(worker)) worker.postMessage({ quit: true });
      else worker.once('message', () => worker.postMessage({ quit: true }));
      return exited;
    }));
  }

  private settle(reply: Reply): void {
    const pending = this.waiting.get(reply.id);
    if (!pending) return;
    this.waiting.delete(reply.id);
    if (reply.error !== undefined) pending.reject(new PermsnapError('INTERNAL', `snapshot worker failed: ${reply.error}`));
    else pending.resolve(reply.parts ?? []);
    this.makeIdle(pending.worker);
  }

  private makeIdle(worker: Worker): void {
    this.idle.push(worker);
    this.onIdle();
  }

  private failAll(err: Error): void {
    for (const [id, pending] of this.waiting) {
      this.waiting.delete(id);
      pending.reject(new PermsnapError('INTERNAL', `snapshot worker died: ${err.message}`, { cause: err }));
    }
  }
}
