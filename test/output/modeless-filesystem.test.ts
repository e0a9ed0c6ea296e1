// A snapshot file replaced on a filesystem that keeps no modes (vfat, some FUSE and network
// filesystems: chmod fails there): the baseline is still refreshed. Any other chmod failure
// is said in permsnap's words, naming the output file, and leaves the old file as it was.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand, makeTempDir, permsnap, removeTree, REPO } from '../helpers/tree.js';

let dir = '';
let shim = '';
beforeAll(() => {
  dir = makeTempDir('permsnap-modeless-');
  if (!hasCommand('cc')) return;
  shim = path.join(dir, 'modeless-fs.so');
  const built = spawnSync('cc', ['-shared', '-fPIC', '-o', shim, path.join(REPO, 'fixtures/shims/modeless-fs.c'), '-ldl'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`cc failed: ${built.stderr}`);
  fs.mkdirSync(path.join(dir, 'tree'));
  fs.writeFileSync(path.join(dir, 'tree/f'), '');
  fs.mkdirSync(path.join(dir, 'usb'));
});
afterAll(() => removeTree(dir));

/** `snapshot tree -o usb/base.facl`, chmod beneath usb/ failing with `errno`. */
function snapshotOnto(errno: number | null): ReturnType<typeof permsnap> {
  const env = errno === null ? process.env : { ...process.env, LD_PRELOAD: shim, MODELESS_BENEATH: path.join(dir, 'usb'), MODELESS_ERRNO: String(errno) };
  return permsnap(['snapshot', 'tree', '-o', 'usb/base.facl'], { cwd: dir, env });
}

describe.skipIf(!hasCommand('cc'))('snapshot -o on a filesystem that refuses chmod (needs a C compiler for the LD_PRELOAD shim)', () => {
  it('replaces the baseline where chmod is not supported (ENOSYS, EOPNOTSUPP, EPERM)', () => {
    for (const errno of [os.constants.errno.ENOSYS, os.constants.errno.ENOTSUP, os.constants.errno.EPERM]) {
      fs.rmSync(path.join(dir, 'usb/base.facl'), { force: true });
      fs.writeFileSync(path.join(dir, 'tree/f'), '');
      expect(snapshotOnto(null).status).toBe(0);
      fs.chmodSync(path.join(dir, 'tree/f'), 0o600);
      const r = snapshotOnto(errno);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'usb/base.facl'), 'utf8')).toMatch(/^# file: tree\/f\n(#.*\n)*user::rw-\ngroup::---\nother::---\n/m);
      expect(fs.readdirSync(path.join(dir, 'usb'))).toEqual(['base.facl']);
    }
  });

  it('any other chmod failure is an error naming the output file; the old one stays, no temp file is left', () => {
    fs.rmSync(path.join(dir, 'usb/base.facl'), { force: true });
    expect(snapshotOnto(null).status).toBe(0);
    const before = fs.readFileSync(path.join(dir, 'usb/base.facl'));
    fs.chmodSync(path.join(dir, 'tree/f'), 0o640);
    const r = snapshotOnto(os.constants.errno.EIO);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^permsnap: usb\/base\.facl: cannot give the new file the mode of the one it replaces: .*i\/o error/m);
    expect(fs.readFileSync(path.join(dir, 'usb/base.facl'))).toEqual(before);
    expect(fs.readdirSync(path.join(dir, 'usb'))).toEqual(['base.facl']);
  });
});
