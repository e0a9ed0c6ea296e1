// What restore reads of a path goes through the directory it pinned, never by the recorded
// path: a directory swapped since it was pinned (renamed away, another put in its place)
// must not lend its own file's state to the journal or the plan. Before Linux 6.13 (no
// listxattrat) the xattr names are read through /proc/self/fd/DIRFD/NAME; both routes are
// covered.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAtSyscalls } from '../../src/platform/dir-fd.js';
import { DirectoryCache } from '../../src/restore/directory-cache.js';
import { readPinnedState } from '../../src/restore/pinned-io.js';
import { lookAtItem, Outcome, type WorkItem } from '../../src/restore/work-item.js';
import { closeDescriptor, openInDirectory } from '../../src/platform/safe-ops.js';
import { aclReady } from '../helpers/facl-text.js';
import { hasCapTools, isRoot, makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
let cache: DirectoryCache;
beforeEach(() => {
  dir = makeTempDir('permsnap-pinned-reads-');
  cache = new DirectoryCache();
});
afterEach(() => {
  cache.close();
  useAtSyscalls(true);
  removeTree(dir);
});

/** dir/d/f with an ACL, d pinned; then d renamed away and a new d/f, without one, in its place. */
function pinThenSwap(): number {
  fs.mkdirSync(path.join(dir, 'd'));
  fs.writeFileSync(path.join(dir, 'd', 'f'), '');
  fs.chmodSync(path.join(dir, 'd', 'f'), 0o640);
  execFileSync('setfacl', ['-m', 'u:1234:r--', path.join(dir, 'd', 'f')]);
  const dirfd = cache.directory(dir, 'd', path.join(dir, 'd'));
  fs.renameSync(path.join(dir, 'd'), path.join(dir, 'd-away'));
  fs.mkdirSync(path.join(dir, 'd'));
  fs.writeFileSync(path.join(dir, 'd', 'f'), '');
  fs.chmodSync(path.join(dir, 'd', 'f'), 0o640);
  return dirfd;
}

describe.skipIf(!aclReady)('restore reads through the pinned directory (needs ACL support)', () => {
  for (const listxattrat of [true, false]) {
    const how = listxattrat ? '' : ' (without listxattrat, as before Linux 6.13)';

    it(`the careful pass reads the pinned file's ACL, not the one now at its recorded path${how}`, () => {
      const dirfd = pinThenSwap();
      useAtSyscalls(listxattrat);
      const state = readPinnedState({ fd: dirfd, name: 'f' }, path.join(dir, 'd', 'f'));
      expect(state.acl?.some((e) => e.id === 1234)).toBe(true);
    });

    it(`the first look reads the pinned file's ACL, not the one now at its recorded path${how}`, () => {
      pinThenSwap();
      useAtSyscalls(listxattrat);
      // The file as it is now at the recorded path: mode 0640, no ACL. The pinned one has
      // an ACL, so it is not "correct".
      const item: WorkItem = {
        target: { root: dir, relative: 'd/f' },
        wantsDefaultAcl: false,
        wanted: { uid: null, gid: null, mode: 0o640, acl: null, defaultAcl: undefined, capability: undefined },
        probed: false,
      };
      expect(lookAtItem(item, cache, new Set()).outcome).toBe(Outcome.WorkSeen);
    });
  }
});

describe.skipIf(!aclReady || !isRoot || !hasCapTools)('the careful pass takes no value from a file renamed over the pinned one (needs root, ACLs and setcap)', () => {
  for (const listxattrat of [true, false]) {
    const how = listxattrat ? '' : ' (without listxattrat, as before Linux 6.13)';

    it(`reads the ACL and capability of the pinned file only, whatever is at its name between the pin and the reads${how}`, () => {
      // The real file f is pinned; then the decoy, with an ACL and a capability, is renamed
      // over its name while its xattrs are read, and both are put back. Read by the name, the
      // decoy's values became f's state: put back after a chown as "left alone" (a capability
      // granted), and kept in the undo journal as f's (review helper-132).
      fs.mkdirSync(path.join(dir, 'd'));
      const [f, decoy] = [path.join(dir, 'd', 'f'), path.join(dir, 'd', 'decoy')];
      fs.writeFileSync(f, '');
      fs.writeFileSync(decoy, '');
      execFileSync('setcap', ['cap_sys_admin=ep', decoy]);
      execFileSync('setfacl', ['-m', 'u:1234:rwx', decoy]);
      useAtSyscalls(listxattrat);
      const dirfd = cache.directory(dir, 'd', path.join(dir, 'd'));
      const fd = openInDirectory(dirfd, 'f', f);
      try {
        fs.renameSync(f, `${f}.real`);
        fs.renameSync(decoy, f);
        const state = readPinnedState({ fd, name: '' }, f, { fd: dirfd, name: 'f' });
        expect(state.acl).toBeNull();
        expect(state.capability).toBeNull();
      } finally {
        closeDescriptor(fd);
      }
    });
  }
});
