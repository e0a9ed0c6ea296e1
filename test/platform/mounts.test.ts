// Which devices count as pseudo filesystems: those of a pseudo type, and what is mounted
// beneath proc, sysfs or devtmpfs and nowhere else (the tmpfs at /dev/shm, also where a
// chroot's /dev is a recursive bind of the host's; efivarfs; lxcfs); never a mount that only
// shares a prefix of the name (/devx), nor NFS beneath autofs, nor a disk bound beneath sysfs
// and mounted elsewhere too.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDev, pseudoFilesystemDevices } from '../../src/platform/mounts.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

const dir = makeTempDir('permsnap-mounts-');
afterAll(() => removeTree(dir));

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '23 27 0:22 / /sys rw,relatime - sysfs sysfs rw',
  '24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw',
  '25 24 0:23 / /dev/shm rw - tmpfs tmpfs rw',
  '26 27 0:30 / /tmp rw - tmpfs tmpfs rw',
  '27 1 254:0 / / rw - ext4 /dev/vda rw',
  '28 27 0:6 / /mnt/sys/dev rw - devtmpfs devtmpfs rw',
  '29 28 0:23 / /mnt/sys/dev/shm rw - tmpfs tmpfs rw',
  '30 27 0:31 / /mnt/a\\040b rw - sysfs sysfs rw',
  '31 30 0:32 / /mnt/a\\040b/c rw - tmpfs tmpfs rw',
  '32 27 0:33 / /devx rw - tmpfs tmpfs rw',
  '33 27 0:34 / /mnt/a rw - tmpfs tmpfs rw',
  // autofs home directories on NFS, and a disk's directory bound beneath sysfs: real data,
  // mounted elsewhere too.
  '34 27 0:40 / /home rw - autofs systemd-1 rw',
  '35 34 0:60 / /home/alice rw - nfs4 server:/alice rw',
  '36 23 254:16 /x /sys/kernel/x rw - ext4 /dev/vdb rw',
  '37 27 254:16 / /srv/data rw - ext4 /dev/vdb rw',
  // Mounted beneath the kernel's trees alone: efivarfs, lxcfs over a /proc file.
  '38 23 0:50 / /sys/firmware/efi/efivars rw - efivarfs efivarfs rw',
  '39 22 0:51 /cpuinfo /proc/cpuinfo rw - fuse.lxcfs lxcfs rw',
  '',
].join('\n');

describe('pseudoFilesystemDevices', () => {
  it('takes pseudo types and the mounts beneath them, by their decoded mount points', () => {
    const file = path.join(dir, 'mountinfo');
    fs.writeFileSync(file, MOUNTINFO);
    const devices = pseudoFilesystemDevices(file);
    const pseudo = [[0, 21], [0, 22], [0, 6], [0, 23], [0, 31], [0, 32], [0, 40], [0, 50], [0, 51]].map(([a, b]) => makeDev(a as number, b as number));
    expect([...devices].sort((a, b) => a - b)).toEqual(pseudo.sort((a, b) => a - b));
  });
});
