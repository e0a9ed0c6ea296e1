// A small ext4 image, loop-mounted, holding a file whose security.capability value the
// kernel refuses to read (19 bytes: EINVAL). No system call writes such a value (the kernel
// checks it), so debugfs puts it in the image; what is found after disk corruption or from
// an older kernel looks like this.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hasCommand, isRoot } from './tree.js';

export const corruptCapabilityReady = isRoot && hasCommand('mkfs.ext4') && hasCommand('debugfs');
export const CORRUPT_SKIP_REASON = 'needs root, mkfs.ext4 and debugfs (e2fsprogs), and loop mounts';

/**
 * `DIR/mnt/tree` holding `bad` (the corrupt capability) and `ok`, both mode 0644, the
 * directory `dd` (the corrupt capability too) holding `c` (0644), and `zero` (an empty
 * capability value, which a chown leaves in place), on a loop-mounted image; null when the
 * image cannot be mounted here (the caller skips).
 */
export function mountCorruptCapability(dir: string): string | null {
  const image = path.join(dir, 'image.ext4');
  const value = path.join(dir, 'capability.bin');
  const header = Buffer.alloc(20);
  header.writeUInt32LE(0x02000001, 0); // revision 2, effective
  header.writeUInt32LE(1 << 13, 4); // cap_net_raw
  fs.writeFileSync(value, header.subarray(0, 19)); // one byte short
  const empty = path.join(dir, 'empty.bin');
  fs.writeFileSync(empty, '');
  fs.writeFileSync(image, '');
  fs.truncateSync(image, 4 << 20);
  const steps: string[][] = [
    ['mkfs.ext4', '-q', '-F', image],
    ['debugfs', '-w', '-R', 'mkdir tree', image],
    ['debugfs', '-w', '-R', 'write /dev/null tree/bad', image],
    ['debugfs', '-w', '-R', 'write /dev/null tree/ok', image],
    ['debugfs', '-w', '-R', `ea_set -f ${value} tree/bad security.capability`, image],
    ['debugfs', '-w', '-R', 'mkdir tree/dd', image],
    ['debugfs', '-w', '-R', 'write /dev/null tree/dd/c', image],
    ['debugfs', '-w', '-R', `ea_set -f ${value} tree/dd security.capability`, image],
    ['debugfs', '-w', '-R', 'write /dev/null tree/zero', image],
    ['debugfs', '-w', '-R', `ea_set -f ${empty} tree/zero security.capability`, image],
  ];
  for (const [cmd, ...args] of steps) {
    if (spawnSync(cmd as string, args).status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
  }
  const mnt = path.join(dir, 'mnt');
  fs.mkdirSync(mnt);
  if (spawnSync('mount', ['-o', 'loop', image, mnt]).status !== 0) return null;
  for (const name of ['tree', 'tree/dd']) fs.chmodSync(path.join(mnt, name), 0o755);
  for (const name of ['tree/bad', 'tree/ok', 'tree/dd/c', 'tree/zero']) fs.chmodSync(path.join(mnt, name), 0o644);
  return mnt;
}
