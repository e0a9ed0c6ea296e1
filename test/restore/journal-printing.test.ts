// A chunk's pre-restore state is printed for the undo journal only when there is one: a
// restore with --no-undo, or a dry run, plans the same steps without printing it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreReady, SKIP_REASON, statTree } from '../helpers/restore-kit.js';
import { fromDist, getfacl, makeTempDir, removeTree, sh } from '../helpers/tree.js';
import type { ChunkPlan } from '../../src/restore/chunk-work.js';
import type { WorkItem } from '../../src/restore/work-item.js';

type Src = {
  all: typeof import('../../src/restore/look-all.js');
  inline: typeof import('../../src/restore/restore-executor.js');
  packed: typeof import('../../src/restore/packed-items.js');
  ids: typeof import('../../src/restore/id-resolver.js');
  read: typeof import('../../src/format/read-snapshot.js');
};

let dir = '';
let snapshot: Buffer;

beforeAll(() => {
  if (!restoreReady) return;
  dir = makeTempDir('permsnap-journal-printing-');
  sh('mkdir -p tree/a tree/b && touch tree/a/f1 tree/a/f2 tree/b/f3 && chmod 640 tree/a/f1 && setfacl -m u:5000:r tree/b/f3', dir);
  snapshot = getfacl(['-R', 'tree'], { cwd: dir }).stdout;
  sh('chmod -R a+rwx tree && chown 7:7 tree/a/f2', dir);
});
afterAll(() => dir && removeTree(dir));

/** The first chunk of the damaged tree's work, planned by an executor that journals or not (and let go). */
async function planned(journalled: boolean): Promise<ChunkPlan> {
  const { lookAtAll } = await fromDist<Src['all']>('restore/look-all.js');
  const { InlineExecutor } = await fromDist<Src['inline']>('restore/restore-executor.js');
  const { packItems } = await fromDist<Src['packed']>('restore/packed-items.js');
  const { nssResolver } = await fromDist<Src['ids']>('restore/id-resolver.js');
  const { readSnapshotBatches } = await fromDist<Src['read']>('format/read-snapshot.js');
  const executor = new InlineExecutor({ root: undefined, pseudo: new Set(), wantPlans: true, journalled });
  try {
    const entries = readSnapshotBatches('snap.facl', { input: [snapshot], info: { hasMarkers: false }, shareBlocks: true });
    const rules = { cwd: dir, exclude: [], only: [], ignore: [], ids: nssResolver(), capabilitiesKnown: false };
    const tally = await lookAtAll(entries, rules, executor, { inFlight: 1 });
    const plan = await executor.plan(0, packItems(tally.work as WorkItem[]));
    await executor.release(0);
    return plan;
  } finally {
    await executor.close();
  }
}

describe.skipIf(!restoreReady)(`journal text of a planned chunk (${SKIP_REASON})`, () => {
  it('is printed when the restore keeps a journal, and not when it keeps none; the steps are the same', async () => {
    const before = statTree(dir, 'tree');
    const withJournal = await planned(true);
    const without = await planned(false);
    // Every path of the tree changes (modes), one owner too: all journalled, each once.
    expect(withJournal.journal.count).toBe(6);
    expect(Buffer.from(withJournal.journal.bytes).toString('latin1')).toContain('# file: ');
    expect(without.journal.count).toBe(0);
    expect(without.journal.bytes.length).toBe(0);
    expect(without.plans).toEqual(withJournal.plans);
    expect(without.preview).toEqual(withJournal.preview);
    // Planned and let go: nothing changed.
    expect(statTree(dir, 'tree')).toEqual(before);
  });
});
