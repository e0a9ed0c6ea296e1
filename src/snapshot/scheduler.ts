// Puts the jobs of a snapshot in order. Each job's output may hold holes (directories left
// to other jobs); the scheduler starts hole jobs on worker threads, earliest in output
// order first, keeps a bounded amount of finished output waiting, and hands every part to
// the sink in exactly the order a single-threaded walk would produce.

import { PermsnapError } from '../errors.js';
import { closeHeldDirectory, type HolePart, type JobPart } from './job-part.js';
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
  /** Its job has started (on a worker or here) once hole.task is null; `result` is let go once emitted. */
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
  /**
   * Holes in key order, those not started and some started ones: a started hole leaves once
   * it reaches the front (looking one up to take it out cost O(n) a start: on 20,000 small
   * directories, half a second of the run).
   */
  private pending: Array<HoleRecord | undefined> = [];
  /** Where `pending` starts: the slots before it held started holes, let go (shift() moved the whole array). */
  private head = 0;
  private readonly records = new WeakMap<HolePart, HoleRecord>();
  private buffered = 0;
  private closed = false;
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

  /**
   * Closes the open directories of holes never started (DirectoryTask.openFd): the snapshot
   * ended early (a failed write, a failed worker). After a whole walk there are none.
   */
  close(): void {
    this.closed = true;
    for (let i = this.head; i < this.pending.length; i++) {
      const record = this.pending[i];
      if (record) closeHeldDirectory(record.hole); // a started hole's task is its job's
    }
    this.pending = [];
    this.head = 0;
  }

  private register(parts: JobPart[], key: Key): void {
    const added: HoleRecord[] = [];
    parts.forEach((part, i) => {
      if (part.kind !== 'hole') return;
      // A job that was running when the snapshot ended: its holes will never start.
      if (this.closed) {
        closeHeldDirectory(part);
        return;
      }
      const record: HoleRecord = { key: [...key, i], hole: part, result: null };
      this.records.set(part, record);
      added.push(record);
    });
    if (added.length > 0) this.insertPending(added);
  }

  /**
   * Inserts one job's holes, in order. They go together: their keys share the job's own
   * as a prefix, which no other pending hole has (the job's children are not known yet).
   */
  private insertPending(records: HoleRecord[]): void {
    const first = (records[0] as HoleRecord).key;
    let lo = this.head;
    let hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys((this.pending[mid] as HoleRecord).key, first) < 0) lo = mid + 1;
      else hi = mid;
    }
    // In slices: a directory of 100,000 subdirectories gives as many holes, too many arguments for one call.
    for (let at = 0; at < records.length; at += 10_000) this.pending.splice(lo + at, 0, ...records.slice(at, at + 10_000));
  }

  /** The earliest hole not started yet, the started ones at the front let go. */
  private nextPending(): HoleRecord | undefined {
    // A record let go here dies young: kept, the records of a long walk outlived the main
    // thread's young collections, and made V8 grow its young generation to 32 MB.
    while (this.head < this.pending.length && (this.pending[this.head] as HoleRecord).hole.task === null) this.pending[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    return this.pending[this.head];
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
    const task = record.hole.task;
    if (task === null) throw new PermsnapError('INTERNAL', 'a snapshot job started twice');
    // Started: the job takes the task (copied to a worker, or walked here). Kept until the
    // output reached the hole, the rests of a wide directory were held at every level of
    // its halving: 15 MB of names for 300,000 files.
    record.hole.task = null;
    this.nextPending(); // lets go of it when it is first, as it usually is
    const job: Job = { task };
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
    while (this.pool.hasIdleWorker && this.buffered < LOOKAHEAD_BYTES) {
      const next = this.nextPending();
      if (next === undefined) break;
      void this.start(next);
    }
  }
}
