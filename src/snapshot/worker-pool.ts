// A fixed set of worker threads that run snapshot jobs, one at a time each.
// Workers are synchronous inside (design.md: sync koffi calls on disjoint subtrees).

import { Worker } from 'node:worker_threads';
import { PermsnapError } from '../errors.js';
import { endOnceLoaded, PrestartedWorkers } from '../threads/prestarted-workers.js';
import { workerScript } from '../threads/worker-script.js';
import type { JobPart } from './job-part.js';
import type { Job } from './run-job.js';
import type { SnapshotSettings } from './settings.js';
import type { JobRequest, WorkerSetup } from './worker.js';

interface Reply {
  ready?: boolean;
  id: number;
  parts?: JobPart[];
  error?: string;
}

/**
 * Jobs queued on a worker at once: the next one waits in its port while it runs one, so it
 * never idles for a round trip (many jobs are small directories).
 */
const JOBS_IN_FLIGHT = 2;

function startWorker(): Worker {
  // The young generation's limit: the walk makes many short-lived strings, and on long
  // walks a worker grows its young generation up to the limit, whatever it is. 8 MB: a walk
  // of /usr (130k entries) never grows past it, so it is as fast as with more; on 2.2M
  // entries 16 MB cost 16 MB more peak RSS (and 32 MB 20 MB more again).
  return new Worker(workerScript(new URL('./worker.js', import.meta.url)), { resourceLimits: { maxYoungGenerationSizeMb: 8 } });
}

/** Snapshot workers the CLI starts before it parses the command line; a WorkerPool takes them. */
export const earlySnapshotWorkers = new PrestartedWorkers(startWorker, { quit: true });

export class WorkerPool {
  /** Jobs sent and not answered, per loaded worker (a worker is here once it has loaded). */
  private readonly inFlight = new Map<Worker, number>();
  private readonly all: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (parts: JobPart[]) => void; reject: (err: Error) => void; worker: Worker }>();
  private nextId = 0;

  constructor(size: number, settings: SnapshotSettings) {
    for (let i = 0; i < size; i++) {
      const { worker, loaded } = earlySnapshotWorkers.take();
      worker.postMessage({ settings } satisfies WorkerSetup);
      const onReady = (): void => this.makeIdle(worker);
      worker.on('message', (reply: Reply) => (reply.ready ? onReady() : this.settle(reply)));
      if (loaded) queueMicrotask(onReady);
      worker.on('error', (err) => this.failAll(err));
      this.all.push(worker);
    }
  }

  get size(): number {
    return this.all.length;
  }

  /** Workers that have loaded and taken work at least once (a busy pool is better than inline work). */
  get started(): number {
    return this.inFlight.size;
  }

  get hasIdleWorker(): boolean {
    for (const n of this.inFlight.values()) if (n < JOBS_IN_FLIGHT) return true;
    return false;
  }

  /** Called when a worker is free again. */
  onIdle: () => void = () => {};

  /** Runs a job on an idle worker; call only when hasIdleWorker. */
  run(job: Job, budget: number): Promise<JobPart[]> {
    return new Promise((resolve, reject) => {
      const worker = this.leastBusy();
      if (!worker) throw new PermsnapError('INTERNAL', 'no idle snapshot worker');
      this.inFlight.set(worker, (this.inFlight.get(worker) as number) + 1);
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
    await Promise.all(this.all.map((worker) => endOnceLoaded(worker, this.inFlight.has(worker), { quit: true })));
  }

  private settle(reply: Reply): void {
    const pending = this.waiting.get(reply.id);
    if (!pending) return;
    this.waiting.delete(reply.id);
    if (reply.error !== undefined) pending.reject(new PermsnapError('INTERNAL', `snapshot worker failed: ${reply.error}`));
    else pending.resolve(reply.parts ?? []);
    this.inFlight.set(pending.worker, (this.inFlight.get(pending.worker) as number) - 1);
    this.onIdle();
  }

  private makeIdle(worker: Worker): void {
    this.inFlight.set(worker, 0);
    this.onIdle();
  }

  /** The loaded worker with the fewest jobs queued, if one has room for another. */
  private leastBusy(): Worker | undefined {
    let best: Worker | undefined;
    let fewest = JOBS_IN_FLIGHT;
    for (const [worker, n] of this.inFlight) {
      if (n < fewest) {
        best = worker;
        fewest = n;
      }
    }
    return best;
  }

  private failAll(err: Error): void {
    for (const [id, pending] of this.waiting) {
      this.waiting.delete(id);
      pending.reject(new PermsnapError('INTERNAL', `snapshot worker died: ${err.message}`, { cause: err }));
    }
  }
}
