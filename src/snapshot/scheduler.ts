// Puts the jobs of a snapshot in order. Each job's output may hold holes (directories left
// to other jobs); the scheduler starts hole jobs on worker threads, earliest in output
// order first, keeps a bounded amount of finished output waiting, and hands every part to
// the sink in exactly the order a single-threaded walk would produce.

import type { HolePart, JobPart } from './job-part.js';
import { runJob, type Job } from './run-job.js';
import type { SnapshotSettings } from './settings.js';
import type { WorkerPool } from './worker-pool.js';

/** Entries a job walks before it leaves further directories to other jobs. */
export const JOB_BUDGET = 4000;
/** A smaller first budget lets the workers start early. */
export const FIRST_JOB_BUDGET = 500;
/** Finished output allowed to wait for its turn (bytes of text). */
const LOOKAHEAD_BYTES = 16 * 1024 * 1024;

export type PartSink = (part: JobPart) => Promise<void> | void;

type Key = number[];

interface HoleRecord {
  key: Key;
  hole: HolePart;
  result: Promise<JobPart[]> | null;
}

function compareKeys(a: Key, b: Key): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

function textBytes(parts: ReadonlyArray<JobPart | null>): number {
  let n = 0;
  for (const p of parts) if (p?.kind === 'text') n += p.bytes.byteLength;
  return n;
}

export class Scheduler {
  private readonly pending: HoleRecord[] = []; // not started, sorted by key
  private readonly records = new WeakMap<HolePart, HoleRecord>();
  private buffered = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly settings: SnapshotSettings,
    private readonly pool: WorkerPool | null,
    private readonly sink: PartSink,
  ) {
    if (pool) pool.onIdle = () => this.pump();
  }

  /** Walks one command-line argument and emits all of its output. */
  async runArgument(argument: string, index: number): Promise<void> {
    const budget = this.pool ? FIRST_JOB_BUDGET : JOB_BUDGET;
    const parts = runJob({ argument }, this.settings, budget);
    this.register(parts, [index]);
    await this.emit(parts);
  }

  /** Emits parts in order and lets go of each as it goes, so emitted output can be freed. */
  private async emit(parts: Array<JobPart | null>): Promise<void> {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as JobPart;
      parts[i] = null;
      if (part.kind !== 'hole') {
        await this.sink(part);
        continue;
      }
      const record = this.records.get(part) as HoleRecord;
      this.records.delete(part);
      const result = await this.startNeeded(record);
      record.result = null;
      const bytes = textBytes(result);
      await this.emit(result);
      this.buffered -= bytes;
      this.pump();
    }
  }

  private register(parts: JobPart[], key: Key): void {
    parts.forEach((part, i) => {
      if (part.kind !== 'hole') return;
      const record: HoleRecord = { key: [...key, i], hole: part, result: null };
      this.records.set(part, record);
      this.insertPending(record);
    });
  }

  private insertPending(record: HoleRecord): void {
    let lo = 0;
    let hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys((this.pending[mid] as HoleRecord).key, record.key) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.pending.splice(lo, 0, record);
  }

  /** The hole the output waits for: on a worker when one is (or will soon be) free, else here. */
  private async startNeeded(record: HoleRecord): Promise<JobPart[]> {
    // Let worker messages in (a worker that just loaded, a finished job) before deciding.
    if (this.pool && !record.result) await new Promise((resolve) => setImmediate(resolve));
    if (!record.result && this.pool && this.pool.started > 0 && !this.pool.hasIdleWorker) {
      // Every worker is busy: the needed hole is the earliest pending one, so pump() gives it
      // to the next worker that frees up.
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.start(record);
  }

  private start(record: HoleRecord): Promise<JobPart[]> {
    if (record.result) return record.result;
    const index = this.pending.indexOf(record);
    if (index >= 0) this.pending.splice(index, 1);
    const job: Job = { task: record.hole.task };
    // The hole the output waits for runs here when no worker is free (or none has started yet).
    const run = this.pool?.hasIdleWorker ? this.pool.run(job, JOB_BUDGET) : Promise.resolve(runJob(job, this.settings, JOB_BUDGET));
    record.result = run.then((parts) => {
      this.buffered += textBytes(parts);
      this.register(parts, record.key);
      this.pump();
      return parts;
    });
    return record.result;
  }

  /** Keeps idle workers busy with the earliest pending holes, within the lookahead. */
  private pump(): void {
    if (!this.pool) return;
    // Someone waits for a free worker for the hole the output needs: it goes first.
    if (this.pool.hasIdleWorker && this.waiters.length > 0) (this.waiters.shift() as () => void)();
    while (this.pool.hasIdleWorker && this.buffered < LOOKAHEAD_BYTES && this.pending.length > 0) {
      void this.start(this.pending[0] as HoleRecord);
    }
  }
}
