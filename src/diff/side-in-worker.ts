// Reads a diff side on a worker thread while the main thread reads the other: the diff is
// one parse per side, so two cores take about half the time. What the worker sends is kept
// until the caller asks for it, then replayed in order (pairs, problems, end or error), so
// messages and results come out as if the sides were read one after the other.

import { Worker } from 'node:worker_threads';
import { PermsnapError } from '../errors.js';
import { PrestartedWorkers } from '../threads/prestarted-workers.js';
import type { SideInfo } from './diff-sources.js';
import { CANCEL, FULL_SPEED, type SideJob, type SideMessage, type SideOrder } from './side-protocol.js';

/** A side's pairs with each record numbered, and the path's pathHash(). */
export type NumberedSink = (path: string, recordId: number, hash: number) => void;

function startSideWorker(): Worker {
  return new Worker(new URL('./side-worker.js', import.meta.url));
}

/** Side workers the CLI starts before it parses the command line; a SideInWorker takes one. */
export const earlySideWorkers = new PrestartedWorkers(startSideWorker, { quit: true } satisfies SideOrder);

export class SideInWorker {
  private readonly worker: Worker;
  private readonly queue: SideMessage[] = [];
  private wake: (() => void) | null = null;
  private exited = false;
  private finished = false;

  constructor(job: SideJob) {
    const taken = earlySideWorkers.take();
    this.worker = taken.worker;
    this.worker.postMessage({ job } satisfies SideOrder);
    this.worker.on('message', (message: SideMessage) => {
      if (message.kind === 'ready') return;
      this.queue.push(message);
      this.wake?.();
    });
    this.worker.on('error', (err) => {
      this.queue.push({ kind: 'error', code: null, message: err.message });
      this.wake?.();
    });
    // A worker that ends without its last word (it could not load, say) must not leave
    // consume() or cancel() waiting for a message that will never come.
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (this.queue.some((m) => m.kind === 'done' || m.kind === 'error') || this.finished) return;
      this.queue.push({ kind: 'error', code: null, message: `it exited (code ${code}) before reading all of the side` });
      this.wake?.();
    });
  }

  /**
   * Replays the side into sink and onProblem; resolves with its info, or throws its error.
   * recordId numbers each record the worker sends (once) the caller's way.
   */
  async consume(sink: NumberedSink, recordId: (record: string) => number, onProblem: (path: string, message: string) => void): Promise<SideInfo> {
    const ids: number[] = [];
    for (;;) {
      const message = this.queue.shift() ?? (await this.next());
      if (message.kind === 'batch') {
        for (const record of message.newRecords) ids.push(recordId(record));
        const { paths, records, hashes } = message;
        for (let i = 0; i < paths.length; i++) sink(paths[i] as string, ids[records[i] as number] as number, hashes[i] as number);
      } else if (message.kind === 'problem') onProblem(message.path, message.message);
      else if (message.kind === 'done') {
        this.finished = true;
        return message.info;
      } else if (message.kind === 'error') {
        this.finished = true;
        const { code, file, line } = message;
        throw code === null ? new PermsnapError('INTERNAL', `diff worker failed: ${message.message}`) : new PermsnapError(code, message.message, { file, line });
      }
    }
  }

  /** Ends the worker's yielding of the CPU (SideJob.yieldCpu): the caller now waits for it. */
  fullSpeed(): void {
    if (!this.finished && !this.exited) this.worker.postMessage(FULL_SPEED satisfies SideOrder);
  }

  /**
   * Stops the worker if it is still reading (the other side failed) and waits for it to
   * end. It is asked, never terminate()d: a worker stopped inside a koffi call, loading or
   * calling, aborts the whole process (koffi #190).
   */
  async cancel(): Promise<void> {
    if (this.finished || this.exited) return;
    this.finished = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage(CANCEL satisfies SideOrder);
    await exited;
  }

  private next(): Promise<SideMessage> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve(this.queue.shift() as SideMessage);
      };
    });
  }
}
