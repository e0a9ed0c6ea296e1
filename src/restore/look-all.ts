// restore's first pass: reads the whole snapshot as it streams (nothing changes before it
// has all parsed), works out where each path lands and what it should be, and has the
// executor look at each path without opening it: missing, already right, or work to do.

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ParsedEntry } from '../format/getfacl-parser.js';
import { compileGlobs, matchesOrBeneath } from '../glob/path-matcher.js';
import { pathHash, PathTable } from '../model/path-table.js';
import type { RestoreExecutor } from './restore-executor.js';
import type { RestoreOptions } from './restore.js';
import { resolveTarget, shownTarget } from './target-path.js';
import { wantedState, type WantedResult } from './wanted-state.js';
import { Outcome, type WorkItem } from './work-item.js';

/** What the first pass found for one recorded path (the last block for it wins). */
export interface Look {
  /** Until the executor has looked, 'pending'. */
  outcome: 'excluded' | 'refused' | 'missing' | 'correct' | 'pseudo' | 'work' | 'pending';
  /** Per-path problems, reported once the whole snapshot has proved valid. */
  problems: string[];
  /** The recorded path; item.target is where it lands. */
  path: string;
  item?: WorkItem;
}

/** Entries one at a time, or in batches (one await per batch: cheaper for big snapshots). */
export type RestoreEntries = AsyncIterable<ParsedEntry | ParsedEntry[]> | Iterable<ParsedEntry | ParsedEntry[]>;

// Paths looked at in one request to the executor; progress is reported as often.
const LOOK_BATCH = 1024;
// Batches parsed between two turns of the event loop (signals, progress).
const BATCHES_PER_TURN = 4;
const NO_PROBLEMS: readonly string[] = [];
const OUTCOMES: Record<Outcome, Look['outcome']> = {
  [Outcome.Missing]: 'missing', [Outcome.Pseudo]: 'pseudo', [Outcome.Correct]: 'correct', [Outcome.WorkSeen]: 'work', [Outcome.WorkUnseen]: 'work',
};

export function shownLook(look: Look): string {
  return look.item ? shownTarget(look.item.target) : look.path;
}

/** Every block, in file order; a repeated path takes its last block, in the place of its first. */
export async function lookAtAll(entries: RestoreEntries, options: RestoreOptions, executor: RestoreExecutor): Promise<{ looks: Look[]; repeated: number }> {
  const excluded = compileGlobs(options.exclude ?? []);
  const only = compileGlobs(options.only ?? []);
  const cwd = options.cwd ?? process.cwd();
  const wantedOf = cachedWantedState(options);
  const looks: Look[] = [];
  const window = new LookWindow(executor, 2 * (options.jobs ?? 1));
  let repeated = 0;
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
      looks[at] = look;
    }
  };
  const targetIndex = (root: string): PathIndex => {
    let index = byTarget.get(root);
    if (index === undefined) byTarget.set(root, (index = new PathIndex()));
    return index;
  };
  const lookAt = ({ entry, shape }: ParsedEntry): void => {
    const path = entry.path;
    if ((excluded && matchesOrBeneath(path, excluded)) || (only && !matchesOrBeneath(path, only))) {
      return keep(bySpelling, path, { outcome: 'excluded', problems: NO_PROBLEMS as string[], path });
    }
    const resolved = resolveTarget(path, options.root, cwd);
    if (!resolved.ok) return keep(bySpelling, path, { outcome: 'refused', problems: [resolved.problem], path });
    const { target } = resolved;
    const { wanted, problems } = wantedOf(entry, shape);
    const item: WorkItem = { target, wantsDefaultAcl: entry.defaultAcl !== undefined, wanted, probed: false };
    // Shared by the entries of a block body (never changed in place: see LookWindow).
    const look: Look = { outcome: 'pending', problems, path, item };
    keep(targetIndex(target.root), target.relative, look);
    window.add(look);
  };
  for await (const got of entries) {
    if (Array.isArray(got)) got.forEach(lookAt);
    else lookAt(got);
    if (window.ready >= LOOK_BATCH) {
      options.onProgress?.(looks.length, shownLook(window.latest as Look));
      await window.send();
    }
  }
  await window.drain();
  return { looks, repeated };
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

/** wantedState(), worked out once per block body (the parser's shape) rather than per path. */
function cachedWantedState(options: RestoreOptions): (entry: ParsedEntry['entry'], shape: object | undefined) => WantedResult {
  const ignore = new Set(options.ignore ?? []);
  const capabilitiesKnown = typeof options.capabilitiesKnown === 'function' ? options.capabilitiesKnown : () => options.capabilitiesKnown as boolean;
  const cache = [new WeakMap<object, WantedResult>(), new WeakMap<object, WantedResult>()];
  return (entry, shape) => {
    const known = capabilitiesKnown();
    const compute = (): WantedResult => wantedState(entry, { ids: options.ids, ignore, capabilitiesKnown: known });
    if (shape === undefined) return compute();
    const byShape = cache[known ? 1 : 0] as WeakMap<object, WantedResult>;
    let result = byShape.get(shape);
    if (result === undefined) byShape.set(shape, (result = compute()));
    return result;
  };
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
      batch.forEach((look, i) => {
        look.outcome = OUTCOMES[outcomes[i] as Outcome];
        (look.item as WorkItem).probed = outcomes[i] === Outcome.WorkSeen;
      });
      for (const [i, message] of problems) {
        const look = batch[i] as Look;
        look.problems = [...look.problems, message];
      }
    });
    // Awaited later (send, drain); meanwhile a failure must not count as unhandled.
    looked.catch(() => undefined);
    this.sent.push(looked);
  }
}
