// Paths of the snapshot that lie on a pseudo filesystem on the target (proc, sysfs...) are
// skipped and counted, never changed: symlinks there too (/proc/self), which would otherwise
// be refused as symlinks and make the run exit 1.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tryMount, unmount } from '../helpers/facl-text.js';
import { restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { CLI, makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
let mounted = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-restore-pseudo-');
  fs.mkdirSync(path.join(dir, 'tree/proc'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tree/before'), '');
  fs.chmodSync(path.join(dir, 'tree/before'), 0o777);
});
afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = '';
  removeTree(dir);
});

const block = (p: string, perms = 'user::rwx\ngroup::---\nother::---\n'): string => `# file: ${p}\n${perms}\n`;

describe.skipIf(!restoreReady)(`restore skips what lies on a pseudo filesystem (needs root to mount proc; ${SKIP_REASON})`, () => {
  it('counts a symlink, a directory and a file on proc as skipped, and restores the rest, exit 0', (ctx) => {
    if (!tryMount('proc', path.join(dir, 'tree/proc'))) return ctx.skip('proc cannot be mounted here');
    mounted = path.join(dir, 'tree/proc');
    expect(fs.lstatSync(path.join(dir, 'tree/proc/self')).isSymbolicLink()).toBe(true);
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, block('tree/proc/self') + block('tree/proc/sys') + block('tree/proc/version', 'user::rw-\ngroup::---\nother::---\n') + block('tree/before', 'user::rw-\ngroup::r--\nother::---\n'));
    for (const jobs of ['1', '2']) {
      fs.chmodSync(path.join(dir, 'tree/before'), 0o777);
      const r = restore([snap, '--no-undo', '--jobs', jobs], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('1 path(s) changed (mode 1), 0 already correct, 0 missing (skipped), 3 on pseudo filesystems (skipped), 0 problem(s)');
      expect(fs.statSync(path.join(dir, 'tree/before')).mode & 0o7777).toBe(0o640);
    }
  });

  it('skips what is mounted beneath a pseudo filesystem: a chroot\'s dev/shm, its /dev a recursive bind of the host\'s (needs unshare)', (ctx) => {
    if (spawnSync('mountpoint', ['-q', '/dev/shm']).status !== 0) return ctx.skip('/dev/shm is no mount here');
    fs.mkdirSync(path.join(dir, 'tree/dev'));
    const snap = path.join(dir, 'snap.facl');
    // A debootstrapped tree's dev/shm is a plain 0755 directory; the host's is 1777.
    fs.writeFileSync(snap, block('tree/dev/shm', 'user::rwx\ngroup::r-x\nother::r-x\n') + block('tree/before', 'user::rw-\ngroup::r--\nother::---\n'));
    // A dry run, in a mount namespace of its own: whatever it does, the host's /dev/shm is safe.
    const script = 'mount --rbind /dev tree/dev && exec "$0" "$@"';
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, process.execPath, CLI, 'restore', snap, '--dry-run'], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0 && /unshare|mount/.test(r.stderr) && !r.stderr.includes('permsnap')) return ctx.skip(`no mount namespace here: ${r.stderr}`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${dir}/tree/before  mode 0777 -> 0640\n`);
    expect(r.stderr).toContain('dry run: 1 path(s) would change (mode 1), 0 already correct, 0 missing (skipped), 1 on pseudo filesystems (skipped), 0 problem(s)');
  });
});
