// Worker threads started before they have work: the CLI starts them first thing, so that
// their loading (their own V8 isolate, koffi, the walker or parser: about 100 ms) overlaps
// the loading of yargs and the parsing of the command line. Whoever needs one takes it;
// what nobody takes is let go at the end, once loaded: a worker terminated while it is
// still loading koffi can abort the process (koffi issue #190).

import type { Worker } from 'node:worker_threads';

export interface TakenWorker {
  worker: Worker;
  /** Whether it has sent its first message (it has loaded) before it was taken. */
  loaded: boolean;
}

export class PrestartedWorkers {
  private entries: TakenWorker[] = [];

  /** start: makes one worker; quit: the message that makes a loaded, idle one end. */
  constructor(
    private readonly start: () => Worker,
    private readonly quit: unknown,
  ) {}

  prestart(count: number): void {
    for (let i = 0; i < count; i++) {
      const entry: TakenWorker = { worker: this.startOne(), loaded: false };
      entry.worker.once('message', () => (entry.loaded = true));
      // One that fails to load is not needed: a taker starts its own.
      entry.worker.once('error', () => (this.entries = this.entries.filter((e) => e !== entry)));
      this.entries.push(entry);
    }
  }

  /** A prestarted worker, else a new one. */
  take(): TakenWorker {
    return this.entries.pop() ?? { worker: this.startOne(), loaded: false };
  }

  private startOne(): Worker {
    allowStdioListeners();
    const worker = this.start();
    worker.once('exit', () => {
      exitedWorkers.add(worker);
      workersRunning--;
    });
    return worker;
  }

  /** Ends the workers nobody took, each once it has loaded. */
  async release(): Promise<void> {
    const left = this.entries;
    this.entries = [];
    await Promise.all(left.map(({ worker, loaded }) => endOnceLoaded(worker, loaded, this.quit)));
  }
}

let workersRunning = 0;
/** Workers that have ended: waiting for their 'exit' again would wait for ever. */
const exitedWorkers = new WeakSet<Worker>();

/**
 * Each worker's stdout and stderr are piped into the process's, and every pipe adds an
 * 'error' listener there: past 10 workers (--jobs 12) Node warned of a listener leak on
 * stderr. The limit follows the workers running (a program that restores again and again
 * raised it by every worker it ever started).
 */
function allowStdioListeners(): void {
  workersRunning++;
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.getMaxListeners() < workersRunning + 10) stream.setMaxListeners(workersRunning + 10);
  }
}

/**
 * Asks a worker to end by sending it `quit`, at once if it has loaded (`loaded`), else when
 * its first message says it has; resolves when it has exited, or sooner when it sends a
 * message `isGoodbye` knows (it has let go of all it held: its thread's own end, V8 giving
 * back its heap, need not be waited for). Never terminate(): see above.
 */
export function endOnceLoaded(worker: Worker, loaded: boolean, quit: unknown, isGoodbye?: (message: unknown) => boolean): Promise<void> {
  // One that failed to load (EMFILE, say) has ended already: the run, done on the workers
  // that did load or on this thread, must not then hang (Node exits 13, output complete).
  if (exitedWorkers.has(worker)) return Promise.resolve();
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    if (isGoodbye) worker.on('message', (message) => isGoodbye(message) && resolve());
  });
  if (loaded) worker.postMessage(quit);
  else worker.once('message', () => worker.postMessage(quit));
  return exited;
}
