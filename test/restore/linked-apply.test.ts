// Two names of one file planned apart, as two threads plan chunks far apart in a snapshot:
// both from the damaged state, neither knowing the other. The name applied second reads
// the file again first: it takes no step the first took (no repeated chown, which clears
// setuid and capabilities), and counts as already correct, as --jobs 1 counts it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { getfacl, makeTempDir, removeTree, sh } from '../helpers/tree.js';
import type { WorkItem } from '../../src/restore/work-item.js';
import { inlineKit } from './inline-kit.js';

let dir = '';
let snapshot: Buffer;
let healthy = '';

beforeAll(() => {
  if (!restoreReady) return;
  dir = makeTempDir('permsnap-linked-apply-');
  sh('mkdir tree && printf x > tree/f && ln tree/f tree/l && chmod 4750 tree/f && setfacl -m u:5000:r tree/f', dir);
  snapshot = getfacl(['-R', 'tree'], { cwd: dir }).stdout;
  healthy = getfacl(['-R', '-n', 'tree'], { cwd: dir }).stdout.toString();
  sh('chown 7:7 tree/f && chmod 0777 tree/f && setfacl -b tree/f', dir);
});
afterAll(() => dir && removeTree(dir));

describe.skipIf(!restoreReady)(`two names of one file planned on different threads (${SKIP_REASON})`, () => {
  it('changes the file once: the name applied second finds it correct', async () => {
    const kit = await inlineKit();
    // Each executor is one thread: its own directories and its own memory of linked inodes.
    const [first, second] = [kit.executor(false), kit.executor(false)];
    try {
      const work = await kit.work(snapshot, dir, first);
      const named = (name: string): WorkItem[] => work.filter((w) => w.target.relative.endsWith(name));
      expect(work.map((w) => w.target.relative).sort()).toEqual(['tree/f', 'tree/l']);

      // Both planned before either is applied: each plans every step.
      const planF = await first.plan(0, kit.packItems(named('/f')));
      const planL = await second.plan(1, kit.packItems(named('/l')));
      for (const plan of [planF, planL]) expect(plan.preview.byField).toMatchObject({ owner: 1, group: 1, mode: 1, acl: 1 });

      const appliedF = await first.apply(0, []);
      const appliedL = await second.apply(1, []);
      expect(appliedF.problems).toEqual([]);
      expect(appliedF.counts).toMatchObject({ changed: 1, alreadyCorrect: 0, byField: { owner: 1, group: 1, mode: 1, acl: 1 } });
      expect(appliedL.problems).toEqual([]);
      expect(appliedL.counts).toMatchObject({ changed: 0, alreadyCorrect: 1, byField: { owner: 0, group: 0, mode: 0, acl: 0 } });
      expect(getfacl(['-R', '-n', 'tree'], { cwd: dir }).stdout.toString()).toBe(healthy);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
