// The files a restore keeps its undo journal in and under (chunk-work.ts SparedFile) are
// never changed, whatever the snapshot records for their paths: a chunk planned before the
// journal was made still leaves it alone when applied, and says so of its path.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { getfacl, makeTempDir, removeTree, sh } from '../helpers/tree.js';
import { inlineKit } from './inline-kit.js';

let dir = '';
let snapshot: Buffer;

beforeAll(() => {
  if (!restoreReady) return;
  dir = makeTempDir('permsnap-spared-');
  sh('mkdir tree && touch tree/journal tree/other && chmod 600 tree/journal tree/other', dir);
  snapshot = getfacl(['-R', 'tree'], { cwd: dir }).stdout;
  sh('chmod 666 tree/journal tree/other', dir);
});
afterAll(() => dir && removeTree(dir));

describe.skipIf(!restoreReady)(`files spared when a chunk is applied (${SKIP_REASON})`, () => {
  it('applies every step but those of a spared file, which it names as a problem', async () => {
    const kit = await inlineKit();
    const executor = kit.executor(false);
    try {
      const work = await kit.work(snapshot, dir, executor);
      const plan = await executor.plan(0, kit.packItems(work));
      expect(plan.preview.byField.mode).toBe(2);
      const st = fs.statSync(`${dir}/tree/journal`);
      const applied = await executor.apply(0, [{ dev: st.dev, ino: st.ino, what: 'the undo journal' }]);
      expect(applied.problems).toEqual([[`${dir}/tree/journal`, 'the undo journal of this restore: left alone']]);
      expect(applied.counts).toMatchObject({ changed: 1, byField: { mode: 1 } });
      expect(fs.statSync(`${dir}/tree/journal`).mode & 0o777).toBe(0o666);
      expect(fs.statSync(`${dir}/tree/other`).mode & 0o777).toBe(0o600);
    } finally {
      await executor.close();
    }
  });
});
