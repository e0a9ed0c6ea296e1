// Pseudo filesystems (contracts.md): by default a mount point of proc (sysfs, ...) is
// recorded but not entered; --all-filesystems and --compat walk into it as getfacl does.
// proc's content changes from moment to moment, so only presence and absence are checked.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclReady, filePaths, latin1, stripMarkers, tryMount, unmount } from '../helpers/facl-text.js';
import { getfacl, isRoot, makeTempDir, permsnap, removeTree } from '../helpers/tree.js';

let dir = '';
const mounts: string[] = [];
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  for (const m of mounts.splice(0).reverse()) unmount(m);
  removeTree(dir);
});

/** tree/{before,proc (a proc mount),sys (a sysfs mount, when allowed),zz-after/file}. */
function treeWithPseudoMounts(): { proc: boolean; sys: boolean } {
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(tree);
  fs.writeFileSync(path.join(tree, 'before'), '');
  fs.mkdirSync(path.join(tree, 'zz-after'));
  fs.writeFileSync(path.join(tree, 'zz-after', 'file'), '');
  const mounted = { proc: false, sys: false };
  for (const [type, name] of [['proc', 'proc'], ['sysfs', 'sys']] as const) {
    const target = path.join(tree, name);
    fs.mkdirSync(target);
    if (tryMount(type, target)) {
      mounts.push(target);
      mounted[name] = true;
    }
  }
  return mounted;
}

const beneath = (paths: string[], top: string): string[] => paths.filter((p) => p.startsWith(`${top}/`));

describe.skipIf(!aclReady || !isRoot)('pseudo filesystems in the walk (needs root to mount, getfacl and ACLs)', () => {
  it('records a proc mount point\'s own block but nothing beneath it by default', (ctx) => {
    const mounted = treeWithPseudoMounts();
    if (!mounted.proc) return ctx.skip();
    for (const jobs of ['1', '3']) {
      const r = permsnap(['snapshot', '--quiet', '--jobs', jobs, 'tree'], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const paths = filePaths(latin1(r.stdout));
      expect(paths).toContain('tree/proc');
      expect(beneath(paths, 'tree/proc')).toEqual([]);
      expect(paths).toContain('tree/before');
      expect(paths).toContain('tree/zz-after/file');
      // The mount point's block is the one getfacl prints for it.
      const own = latin1(getfacl(['tree/proc'], { cwd: dir }).stdout);
      expect(stripMarkers(latin1(r.stdout))).toContain(own);
      if (mounted.sys) {
        expect(paths).toContain('tree/sys');
        expect(beneath(paths, 'tree/sys')).toEqual([]);
      }
    }
  });

  it('records only the mount point, or a directory in it, when it is the argument itself, and says so unless --quiet', (ctx) => {
    const mounted = treeWithPseudoMounts();
    if (!mounted.proc) return ctx.skip();
    const quiet = permsnap(['snapshot', '--quiet', 'tree/proc'], { cwd: dir });
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(filePaths(latin1(quiet.stdout))).toEqual(['tree/proc']);
    const r = permsnap(['snapshot', 'tree/proc/sys', 'tree/before', 'tree'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(filePaths(latin1(r.stdout))).toContain('tree/proc/sys');
    expect(beneath(filePaths(latin1(r.stdout)), 'tree/proc/sys')).toEqual([]);
    // Said for the argument asked for by name; a mount point met on the way is expected.
    expect(r.stderr).toBe('permsnap: tree/proc/sys: on a pseudo filesystem: recorded, not entered (--all-filesystems enters it)\n');
  });

  it('walks into the proc mount with --all-filesystems and with --compat, as getfacl does', (ctx) => {
    const mounted = treeWithPseudoMounts();
    if (!mounted.proc) return ctx.skip();
    for (const option of ['--all-filesystems', '--compat']) {
      // proc changes while it is walked (processes come and go): errors are allowed, not checked.
      const r = permsnap(['snapshot', '--quiet', '--jobs', '1', option, 'tree/proc', 'tree/zz-after'], { cwd: dir });
      expect([0, 1]).toContain(r.status);
      const paths = filePaths(latin1(r.stdout));
      expect(paths[0], option).toBe('tree/proc');
      expect(paths, option).toContain('tree/proc/1');
      expect(paths, option).toContain('tree/proc/sys');
      expect(beneath(paths, 'tree/proc').length, option).toBeGreaterThan(100);
      expect(paths.at(-1), option).toBe('tree/zz-after/file');
    }
  });
});
