// A worker thread of a parallel snapshot: runs the jobs the main thread sends and posts
// their parts back. The settings come first, in a message of their own (the worker may
// have been started before the command line was parsed).

import { parentPort } from 'node:worker_threads';
import { collectIfGrown } from '../threads/heap-trim.js';
import { runJob, type Job } from './run-job.js';
import type { SnapshotSettings } from './settings.js';

export interface JobRequest {
  id: number;
  job: Job;
  budget: number;
}

export interface WorkerSetup {
  settings: SnapshotSettings;
}

let settings: SnapshotSettings | null = null;

// Loading this module (koffi, the printers) takes tens of milliseconds: until the pool
// hears this, the main thread does the work itself.
parentPort?.postMessage({ ready: true });

parentPort?.on('message', (request: JobRequest | WorkerSetup | { quit: true }) => {
  // Ending by closing the port, never by terminate(): see WorkerPool.close().
  if ('quit' in request) return parentPort?.close();
  if ('settings' in request) {
    settings = request.settings;
    return;
  }
  try {
    if (!settings) throw new Error('a job came before the settings');
    const parts = runJob(request.job, settings, request.budget);
    // Hand the output bytes over without copying them.
    const transfer = parts.flatMap((p) => (p.kind === 'text' ? [p.bytes.buffer as ArrayBuffer] : []));
    parentPort?.postMessage({ id: request.id, parts }, transfer);
    collectIfGrown();
  } catch (err) {
    parentPort?.postMessage({ id: request.id, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});
