// A --root on a filesystem that keeps no modes (exFAT, through FUSE: chmod succeeds and
// every directory still shows 0777): the undo journal cannot be kept beneath it safely, so
// it goes to this host's default place, and nothing permsnap made for it is left there.
// Before, the first run stopped with exit 2 leaving ROOT/var/lib/permsnap behind, and the
// second, finding them, fell through (QA: a run's outcome hung on an earlier run's leftovers).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { hasCommand, makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
let loop = '';
let mounted = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-modeless-');
});
afterEach(() => {
  if (mounted) {
    spawnSync('umount', [mounted]);
    spawnSync('umount', ['-l', mounted]);
  }
  if (loop) spawnSync('losetup', ['-d', loop]);
  mounted = loop = '';
  removeTree(dir);
});

/** An exFAT image mounted at DIR/mnt through FUSE; why not, when it cannot be. */
function mountExfat(): string | null {
  const image = path.join(dir, 'exfat.img');
  fs.writeFileSync(image, '');
  fs.truncateSync(image, 16 << 20);
  if (spawnSync('mkfs.exfat', [image]).status !== 0) return 'mkfs.exfat failed';
  const attached = spawnSync('losetup', ['-f', '--show', image], { encoding: 'utf8' });
  if (attached.status !== 0) return `no loop device: ${attached.stderr.trim()}`;
  loop = attached.stdout.trim();
  const target = path.join(dir, 'mnt');
  fs.mkdirSync(target);
  const m = spawnSync('mount.exfat-fuse', [loop, target], { encoding: 'utf8' });
  if (m.status !== 0) return `mount.exfat-fuse failed: ${m.stderr.trim()}`;
  mounted = target;
  return null;
}

const exfatTools = hasCommand('mkfs.exfat') && hasCommand('mount.exfat-fuse') && hasCommand('losetup');

describe.skipIf(!restoreReady || !exfatTools)(`restore beneath a filesystem that keeps no modes (needs root, exfatprogs and exfat-fuse; ${SKIP_REASON})`, () => {
  it('keeps the undo journal in the host default place instead, says so, and leaves nothing made beneath the root', (ctx) => {
    const why = mountExfat();
    if (why !== null) return ctx.skip(`exFAT cannot be mounted here: ${why}`);
    const root = path.join(mounted, 't');
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    const snap = path.join(dir, 's.facl');
    fs.writeFileSync(snap, '# file: a\nuser::rwx\ngroup::r-x\nother::r-x\n\n');
    const r = restore([snap, '--root', root], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`permsnap: the undo journal cannot be kept in ${root}/var/lib/permsnap/undo (${root}/var/lib/permsnap can be written by others (mode 0777), as the filesystem keeps it): it goes to this host's default place instead\n`);
    expect(fs.readdirSync(root)).toEqual(['a']);
    const journal = /undo journal: (\/var\/lib\/permsnap\/undo\/\S+\.facl) /.exec(r.stderr)?.[1];
    expect(journal, r.stderr).toBeDefined();
    try {
      expect(fs.readFileSync(journal as string, 'latin1')).toMatch(/^# permsnap undo journal: root /);
    } finally {
      fs.rmSync(journal as string, { force: true });
    }
  });
});
