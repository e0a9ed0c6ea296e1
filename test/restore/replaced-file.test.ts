// A path restore changes by its final name (a chmod, an ACL) is the file it read and
// journalled: a file renamed over the name in between is refused ("replaced while being
// restored") and left as it is, on Linux 6.6's fchmodat2 and on the older route alike.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAtSyscalls } from '../../src/platform/dir-fd.js';
import { chmodPinned, forceFallbacks, syscallSupport } from '../../src/platform/safe-ops.js';
import { DirectoryCache } from '../../src/restore/directory-cache.js';
import { checkSameFile, readPinnedState } from '../../src/restore/pinned-io.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
let cache: DirectoryCache;
beforeEach(() => {
  dir = makeTempDir('permsnap-replaced-');
  cache = new DirectoryCache();
});
afterEach(() => {
  cache.close();
  syscallSupport.openat2 = true;
  syscallSupport.fchmodat2 = true;
  useAtSyscalls(true);
  removeTree(dir);
});

const modeOf = (name: string): number => fs.statSync(path.join(dir, name)).mode & 0o7777;

describe('a file renamed over a path between its read and its change', () => {
  for (const fallbacks of [false, true]) {
    it(`is refused and left as it is${fallbacks ? ' (with the fallbacks of kernels before 6.6)' : ''}`, () => {
      if (fallbacks) forceFallbacks();
      fs.writeFileSync(path.join(dir, 'f'), '');
      fs.chmodSync(path.join(dir, 'f'), 0o640);
      fs.writeFileSync(path.join(dir, 'other'), '');
      fs.chmodSync(path.join(dir, 'other'), 0o700);
      const pin = { fd: cache.root(dir), name: 'f' };
      const state = readPinnedState(pin, path.join(dir, 'f'));
      fs.renameSync(path.join(dir, 'other'), path.join(dir, 'f'));
      expect(() => checkSameFile(pin, state, 'f')).toThrow(/^replaced while being restored: not changed/);
      if (fallbacks) {
        // The older route pins the file to chmod it: the identity is checked on that pin too.
        expect(() => chmodPinned(pin, 0o666, 'f', state)).toThrow(/^replaced while being restored/);
      }
      expect(modeOf('f')).toBe(0o700);
      // The same file, still there: no refusal.
      const now = readPinnedState(pin, path.join(dir, 'f'));
      expect(() => checkSameFile(pin, now, 'f')).not.toThrow();
      chmodPinned(pin, 0o604, 'f', now);
      expect(modeOf('f')).toBe(0o604);
    });
  }
});
