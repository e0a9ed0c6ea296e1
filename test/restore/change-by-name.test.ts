// A path that only needs a mode change is changed by name in its held parent directory
// (fchmodat2 AT_SYMLINK_NOFOLLOW), not through a pin of its own. What that must keep: a
// name swapped for a symlink between the plan and the change is refused and its target left
// alone; a chown or an ACL still goes through a pin; the parent directories stay open until
// the chunk is applied, even past the directory cache's size; no descriptor leaks.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPinned, closeAll, planChunk, type ChunkSettings } from '../../src/restore/chunk-work.js';
import { DirectoryCache } from '../../src/restore/directory-cache.js';
import type { WantedState } from '../../src/restore/path-state.js';
import type { WorkItem } from '../../src/restore/work-item.js';
import { canChmodByName } from '../../src/platform/safe-ops.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
let outside = '';
let cache: DirectoryCache;
const settings: ChunkSettings = { root: undefined, pseudo: new Set(), wantPlans: true };
const byName = canChmodByName();

beforeEach(() => {
  dir = makeTempDir('permsnap-byname-');
  outside = makeTempDir('permsnap-byname-outside-');
  cache = new DirectoryCache();
});
afterEach(() => {
  cache.close();
  removeTree(dir);
  removeTree(outside);
});

const modeOf = (p: string): number => fs.lstatSync(p).mode & 0o7777;
const openDescriptors = (): number => fs.readdirSync('/proc/self/fd').length;

function item(relative: string, wanted: Partial<WantedState>): WorkItem {
  return {
    target: { root: dir, relative },
    wantsDefaultAcl: false,
    wanted: { uid: null, gid: null, mode: null, acl: undefined, defaultAcl: undefined, capability: undefined, ...wanted },
    probed: true,
  };
}

describe.skipIf(!byName)('restore changes a mode by name in the held parent directory (needs fchmodat2, Linux 6.6)', () => {
  it('refuses a name swapped for a symlink after the plan, and leaves the symlink\'s target alone', () => {
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, 'd/f'), 'x', { mode: 0o777 });
    fs.chmodSync(path.join(dir, 'd/f'), 0o777);
    const target = path.join(outside, 'secret');
    fs.writeFileSync(target, 's', { mode: 0o600 });
    fs.chmodSync(target, 0o600);

    const { plan, pinned } = planChunk([item('d/f', { mode: 0o644 })], cache, settings);
    expect(plan.plans.map(([shown, changes]) => [shown, changes.map((c) => c.field)])).toEqual([[path.join(dir, 'd/f'), ['mode']]]);
    fs.rmSync(path.join(dir, 'd/f'));
    fs.symlinkSync(target, path.join(dir, 'd/f'));
    const { counts, problems } = applyPinned(pinned);

    expect(counts.changed).toBe(0);
    expect(problems).toEqual([[path.join(dir, 'd/f'), 'is a symlink here: refused (symlinks are never changed)']]);
    expect(modeOf(target)).toBe(0o600);
  });

  it('still pins a path whose owner or ACL changes, and changes the pinned inode', () => {
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    fs.chmodSync(path.join(dir, 'f'), 0o777);
    fs.chownSync(path.join(dir, 'f'), 4321, 4321);
    const { pinned } = planChunk([item('f', { uid: 0, gid: 0, mode: 0o640 })], cache, settings);
    // The name now holds another file: the pinned one (renamed away) is the one changed.
    fs.renameSync(path.join(dir, 'f'), path.join(dir, 'pinned'));
    fs.writeFileSync(path.join(dir, 'f'), 'y', { mode: 0o606 });
    fs.chmodSync(path.join(dir, 'f'), 0o606);
    const { counts, problems } = applyPinned(pinned);

    expect(problems).toEqual([]);
    expect(counts.byField).toMatchObject({ owner: 1, group: 1, mode: 1 });
    const st = fs.statSync(path.join(dir, 'pinned'));
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, 0, 0o640]);
    expect(modeOf(path.join(dir, 'f'))).toBe(0o606);
  });

  it('keeps every parent directory open until the chunk is applied, past the cache size, and then closes them all', () => {
    const names = Array.from({ length: 100 }, (_, i) => `d${String(i).padStart(3, '0')}`);
    for (const name of names) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'f'), 'x');
      fs.chmodSync(path.join(dir, name, 'f'), 0o777);
    }
    const before = openDescriptors();
    const { pinned } = planChunk(names.map((name) => item(`${name}/f`, { mode: 0o640 })), cache, settings);
    // A second chunk planned meanwhile churns the cache (it evicts the first chunk's directories).
    const other = planChunk(names.map((name) => item(name, { mode: 0o755 })), cache, settings);
    const { counts, problems } = applyPinned(pinned);
    closeAll(other.pinned);

    expect(problems).toEqual([]);
    expect(counts.changed).toBe(100);
    for (const name of names) expect(modeOf(path.join(dir, name, 'f'))).toBe(0o640);
    // Only the cache's own (at most 32 directories and the root) are still open.
    expect(openDescriptors() - before).toBeLessThanOrEqual(33);
    cache.close();
    expect(openDescriptors()).toBeLessThanOrEqual(before);
  });
});
