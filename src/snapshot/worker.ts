// A worker thread of a parallel snapshot: runs the jobs the main thread sends and posts
// their parts back. The settings come once, as workerData.

import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type Job } from './run-job.js';
import type { SnapshotSettings } from './settings.js';

export interface JobRequest {
  id: number;
  job: Job;
  budget: number;
}

const settings = workerData as SnapshotSettings;

parentPort?.on('message', (request: JobRequest) => {
  try {
    parentPort?.postMessage({ id: request.id, parts: runJob(request.job, settings, request.budget) });
  } catch (err) {
    parentPort?.postMessage({ id: request.id, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});
