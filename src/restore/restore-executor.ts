// Where restore's per-path work runs: the RestoreExecutor interface, and the executor that
// runs it on the calling thread (--jobs 1, the library's default). worker-executor.ts runs
// the same work on worker threads.

import { ChunkDescriptors } from './chunk-descriptors.js';
import { closeAll, planChunk, applyPinned, type ChunkPlan, type ChunkSettings, type PinnedChunk, type SparedFile } from './chunk-work.js';
import { LinkedStates, LinkWitness } from './linked-states.js';
import { DirectoryCache } from './directory-cache.js';
import { JournalRooms } from './journal-rooms.js';
import type { Applied, LookBatch } from './restore-protocol.js';
import { lookAtPiece, type PieceAnswer, type PieceRequest } from './piece-look.js';
import { lookAtItem, type WorkItem } from './work-item.js';
import { unpackItems, type PackedItems } from './packed-items.js';

export interface RestoreExecutor {
  /** The first, read-only look at each path. */
  look(items: WorkItem[]): Promise<LookBatch>;
  /** Plans a chunk (its paths pinned until apply or release). */
  plan(chunk: number, items: PackedItems): Promise<ChunkPlan>;
  /** Applies a planned chunk, whose pre-restore state is journalled; the `spared` files (the undo journal's own) are left alone. */
  apply(chunk: number, spared: readonly SparedFile[]): Promise<Applied>;
  /** Lets go of a planned chunk without changing it. */
  release(chunk: number): Promise<void>;
  /** Lets go of all it holds; with `threadsMayEnd`, threads it started may still be ending when this resolves. */
  close(threadsMayEnd?: boolean): Promise<void>;
}

/** The work of one thread: its directory descriptors and the chunks it has pinned. */
export class RestoreWork {
  private readonly directories = new DirectoryCache();
  private readonly pinned = new Map<number, PinnedChunk>();
  private readonly linked = new LinkedStates();
  private readonly links = new LinkWitness();
  private readonly journalRooms = new JournalRooms();

  constructor(private readonly settings: ChunkSettings) {}

  look(items: readonly WorkItem[]): LookBatch {
    const outcomes = new Uint8Array(items.length);
    const problems: LookBatch['problems'] = [];
    items.forEach((item, i) => {
      const result = lookAtItem(item, this.directories, this.settings.pseudo, this.links);
      outcomes[i] = result.outcome;
      if (result.problems !== undefined) for (const p of result.problems) problems.push([i, p]);
    });
    return { outcomes, problems };
  }

  lookPiece(request: PieceRequest): PieceAnswer {
    return lookAtPiece(request, this.directories, this.settings.pseudo, this.links);
  }

  plan(chunk: number, items: readonly WorkItem[]): ChunkPlan {
    const { plan, pinned } = planChunk(items, this.directories, this.settings, this.linked, (size) => this.journalRooms.lend(chunk, size));
    this.pinned.set(chunk, pinned);
    return plan;
  }

  apply(chunk: number, spared: readonly SparedFile[]): Applied {
    return applyPinned(this.take(chunk), this.linked, spared);
  }

  release(chunk: number): void {
    closeAll(this.take(chunk));
  }

  close(): void {
    for (const pinned of this.pinned.values()) closeAll(pinned);
    this.pinned.clear();
    this.directories.close();
  }

  /** A chunk planned here (one whose planning failed holds nothing); its journal text is written, or never will be. */
  private take(chunk: number): PinnedChunk {
    this.journalRooms.giveBack(chunk);
    const pinned = this.pinned.get(chunk) ?? { paths: [], descriptors: new ChunkDescriptors() };
    this.pinned.delete(chunk);
    return pinned;
  }
}

export class InlineExecutor implements RestoreExecutor {
  private readonly work: RestoreWork;

  constructor(settings: ChunkSettings) {
    this.work = new RestoreWork(settings);
  }

  async look(items: WorkItem[]): Promise<LookBatch> {
    return this.work.look(items);
  }

  async plan(chunk: number, items: PackedItems): Promise<ChunkPlan> {
    return this.work.plan(chunk, unpackItems(items));
  }

  async apply(chunk: number, spared: readonly SparedFile[]): Promise<Applied> {
    return this.work.apply(chunk, spared);
  }

  async release(chunk: number): Promise<void> {
    this.work.release(chunk);
  }

  async close(): Promise<void> {
    this.work.close();
  }
}
