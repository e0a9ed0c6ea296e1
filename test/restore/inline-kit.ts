// restore's passes run in this process, from the built modules (dist/, where the worker
// threads' code is): an InlineExecutor does one worker thread's work without the thread.
// For tests of what a thread plans and applies, chunk by chunk.

import { fromDist } from '../helpers/tree.js';
import type { WorkItem } from '../../src/restore/work-item.js';

type Src = {
  all: typeof import('../../src/restore/look-all.js');
  inline: typeof import('../../src/restore/restore-executor.js');
  packed: typeof import('../../src/restore/packed-items.js');
  ids: typeof import('../../src/restore/id-resolver.js');
  read: typeof import('../../src/format/read-snapshot.js');
};

export type InlineExecutor = InstanceType<Src['inline']['InlineExecutor']>;

export interface InlineKit {
  /** A new executor: one thread, with its own directories and memory of linked inodes. */
  executor(journalled: boolean): InlineExecutor;
  packItems: Src['packed']['packItems'];
  /** The first pass over a getfacl text (paths relative to cwd) on `executor`: the paths with work. */
  work(snapshot: Buffer, cwd: string, executor: InlineExecutor): Promise<WorkItem[]>;
}

export async function inlineKit(): Promise<InlineKit> {
  const { lookAtAll } = await fromDist<Src['all']>('restore/look-all.js');
  const { InlineExecutor } = await fromDist<Src['inline']>('restore/restore-executor.js');
  const { packItems } = await fromDist<Src['packed']>('restore/packed-items.js');
  const { nssResolver } = await fromDist<Src['ids']>('restore/id-resolver.js');
  const { readSnapshotBatches } = await fromDist<Src['read']>('format/read-snapshot.js');
  return {
    executor: (journalled) => new InlineExecutor({ root: undefined, pseudo: new Set(), wantPlans: true, journalled }),
    packItems,
    async work(snapshot, cwd, executor) {
      const entries = readSnapshotBatches('snap.facl', { input: [snapshot], info: { hasMarkers: false }, shareBlocks: true });
      const rules = { cwd, exclude: [], only: [], ignore: [], ids: nssResolver(), capabilitiesKnown: false };
      return (await lookAtAll(entries, rules, executor, { inFlight: 1 })).work as WorkItem[];
    },
  };
}
