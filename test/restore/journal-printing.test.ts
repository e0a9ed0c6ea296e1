// A chunk's pre-restore state is printed for the undo journal only when there is one: a
// restore with --no-undo, or a dry run, plans the same steps without printing it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreReady, SKIP_REASON, statTree } from '../helpers/restore-kit.js';
import { getfacl, makeTempDir, removeTree, sh } from '../helpers/tree.js';
import type { ChunkPlan } from '../../src/restore/chunk-work.js';
import { inlineKit } from './inline-kit.js';

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
  const kit = await inlineKit();
  const executor = kit.executor(journalled);
  try {
    const plan = await executor.plan(0, kit.packItems(await kit.work(snapshot, dir, executor)));
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
