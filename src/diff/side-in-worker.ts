// Reads a diff side on a worker thread while the main thread reads the other: the diff is
// one parse per side, so two cores take about half the time. What the worker sends is kept
// until the caller asks for it, then replayed in order (pairs, problems, end or error), so
// messages and results come out as if the sides were read one after the other.

import { Worker } from 'node:worker_threads';
import { PermsnapError } from '../errors.js';
import type { RecordSink, SideInfo } from './diff-sources.js';
import type { SideJob, SideMessage } from './side-worker.js';

export class SideInWorker {
  private readonly worker: Worker;
  private readonly queue: SideMessage[] = [];
  private wake: (() => void) | null = null;
  private loaded = false;
  private finished = false;

  constructor(job: SideJob) {
    this.worker = new Worker(new URL('./side-worker.js', import.meta.url), { workerData: job });
    this.worker.on('message', (message: SideMessage) => {
      this.loaded = true;
      this.queue.push(message);
      this.wake?.();
    });
    this.worker.on('error', (err) => {
      this.queue.push({ kind: 'error', code: null, message: err.stack ?? err.message });
      this.wake?.();
    });
  }

  /** Replays the side into sink and onProblem; resolves with its info, or throws its error. */
  async consume(sink: RecordSink, onProblem: (path: string, message: string) => void): Promise<SideInfo> {
    const records: string[] = [];
    for (;;) {
      const message = this.queue.shift() ?? (await this.next());
      if (message.kind === 'batch') {
        for (const record of message.newRecords) records.push(record);
        for (let i = 0; i < message.paths.length; i++) sink(message.paths[i] as string, records[message.records[i] as number] as string, message.hashes[i]);
      } else if (message.kind === 'problem') onProblem(message.path, message.message);
      else if (message.kind === 'done') {
        this.finished = true;
        return message.info;
      } else {
        this.finished = true;
        const { code, file, line } = message;
        throw code === null ? new PermsnapError('INTERNAL', `diff worker failed: ${message.message}`) : new PermsnapError(code, message.message, { file, line });
      }
    }
  }

  /** Stops the worker if it is still reading (the other side failed): once it has loaded, never mid-load (koffi #190). */
  async cancel(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!this.loaded) await new Promise<void>((resolve) => this.worker.once('message', () => resolve()).once('exit', () => resolve()));
    await this.worker.terminate();
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
