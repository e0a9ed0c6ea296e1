// restore's first pass, on this thread: reads the whole snapshot as it streams (nothing
// changes before it has all parsed), works out where each path lands and what it should
// be, and has the executor look at each path without opening it: missing, already right,
// or work to do. (look-pieces.ts does the same work on pieces of the snapshot in parallel.)

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ParsedEntry } from '../format/getfacl-parser.js';
import { pathHash, PathTable } from '../model/path-table.js';
import { emptyTally, lookMaker, settleLook, shownLook, tallyLook, type Look, type LookRules, type LookTally } from './look.js';
import type { RestoreExecutor } from './restore-executor.js';
import type { Outcome, WorkItem } from './work-item.js';

/** Entries one at a time, or in batches (one await per batch: cheaper for big snapshots). */
export type RestoreEntries = AsyncIterable<ParsedEntry | ParsedEntry[]> | Iterable<ParsedEntry | ParsedEntry[]>;

export interface PassOptions {
  /** Batches of paths in flight to the executor at most. */
  inFlight: number;
  onProgress?: (count: number, shownPath: string) => void;
}

// Paths looked at in one request to the executor; progress is reported as often.
const LOOK_BATCH = 1024;
// Batches parsed between two turns of the event loop (signals, progress).
const BATCHES_PER_TURN = 4;

/** Every block, in file order; a repeated path takes its last block, in the place of its first. */
export async function lookAtAll(entries: RestoreEntries, rules: LookRules, executor: RestoreExecutor, pass: PassOptions): Promise<LookTally> {
  const makeLook = lookMaker(rules);
  const looks: Look[] = [];
  const window = new LookWindow(executor, pass.inFlight);
  let repeated = 0;
  let firstRepeated: string | undefined;
  // A path is known by where it lands: "etc/x", "./etc/x" and, beneath --root, "/etc/x" are
  // one path, whose last block wins. What is excluded or refused is known by its spelling.
  // (A JS Map of a million paths cost 0.7 s here: a PathTable per root, a third of that.)
  const bySpelling = new PathIndex();
  const byTarget = new Map<string, PathIndex>();
  const keep = (index: PathIndex, key: string, look: Look): void => {
    const at = index.add(key, looks.length);
    if (at < 0) looks.push(look);
    else {
      repeated++;
      firstRepeated ??= shownLook(look);
      looks[at] = look;
    }
  };
  const targetIndex = (root: string): PathIndex => {
    let index = byTarget.get(root);
    if (index === undefined) byTarget.set(root, (index = new PathIndex()));
    return index;
  };
  const lookAt = (parsed: ParsedEntry): void => {
    const look = makeLook(parsed);
    if (look.symlinkAt !== undefined) return keep(targetIndex(look.symlinkAt.root), look.symlinkAt.relative, look);
    if (look.item === undefined) return keep(bySpelling, look.path, look);
    keep(targetIndex(look.item.target.root), look.item.target.relative, look);
    window.add(look);
  };
  for await (const got of entries) {
    if (Array.isArray(got)) got.forEach(lookAt);
    else lookAt(got);
    if (window.ready >= LOOK_BATCH) {
      pass.onProgress?.(looks.length, shownLook(window.latest as Look));
      await window.send();
    }
  }
  await window.drain();
  const tally = emptyTally();
  for (const look of looks) tallyLook(tally, look);
  tally.repeated = repeated;
  tally.firstRepeated = firstRepeated;
  return tally;
}

/** Paths to positions: the position given when a path first came, found again when it repeats. */
class PathIndex {
  private readonly table = new PathTable();
  private readonly positions: number[] = [];

  /** The position of `path` when it came before, else -1 (it now has `position`). */
  add(path: string, position: number): number {
    const number = this.table.add(path, pathHash(path));
    if (number < 0) return this.positions[-1 - number] as number;
    this.positions.push(position);
    return -1;
  }
}

/** Looks gathered into batches for the executor, a bounded number of batches in flight. */
class LookWindow {
  private batch: Look[] = [];
  private readonly sent: Promise<void>[] = [];
  private sinceTurn = 0;

  constructor(private readonly executor: RestoreExecutor, private readonly most: number) {}

  get ready(): number {
    return this.batch.length;
  }

  get latest(): Look | undefined {
    return this.batch.at(-1);
  }

  add(look: Look): void {
    this.batch.push(look);
  }

  /** Sends what is gathered; waits while too many batches are in flight, and now and then for a turn of the event loop. */
  async send(): Promise<void> {
    this.dispatch();
    while (this.sent.length >= this.most) await this.sent.shift();
    if (++this.sinceTurn === BATCHES_PER_TURN) {
      this.sinceTurn = 0;
      await nextTurn();
    }
  }

  async drain(): Promise<void> {
    this.dispatch();
    await Promise.all(this.sent.splice(0));
  }

  private dispatch(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    const looked = this.executor.look(batch.map((l) => l.item as WorkItem)).then(({ outcomes, problems }) => {
      const problemsOf = new Map<number, string[]>();
      for (const [i, p] of problems) {
        const list = problemsOf.get(i);
        if (list === undefined) problemsOf.set(i, [p]);
        else list.push(p);
      }
      batch.forEach((look, i) => settleLook(look, outcomes[i] as Outcome, problemsOf.get(i)));
    });
    // Awaited later (send, drain); meanwhile a failure must not count as unhandled.
    looked.catch(() => undefined);
    this.sent.push(looked);
  }
}
