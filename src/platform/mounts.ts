// Which devices hold pseudo filesystems (/proc, /sys, ...), read from /proc/self/mountinfo,
// so a snapshot of / records their mount points without wandering into them.

import fs from 'node:fs';

/** contracts.md, "Pseudo filesystems". */
export const PSEUDO_FS_TYPES = new Set([
  'proc', 'sysfs', 'cgroup', 'cgroup2', 'devpts', 'devtmpfs', 'debugfs', 'tracefs', 'securityfs',
  'bpf', 'pstore', 'mqueue', 'configfs', 'fusectl', 'hugetlbfs', 'binfmt_misc', 'autofs',
]);

/** glibc's makedev(): the st_dev number Node reports for a major:minor pair. */
export function makeDev(major: number, minor: number): number {
  const low = ((major & 0xfff) << 8) | (minor & 0xff);
  return low + (minor - (minor & 0xff)) * 2 ** 12 + (major - (major & 0xfff)) * 2 ** 32;
}

/** st_dev numbers of mounted pseudo filesystems; empty when mountinfo cannot be read. */
export function pseudoFilesystemDevices(mountinfo = '/proc/self/mountinfo'): Set<number> {
  const devices = new Set<number>();
  let text: string;
  try {
    text = fs.readFileSync(mountinfo, 'latin1');
  } catch {
    // No /proc (a chroot without it): nothing is known to be pseudo, so everything is walked.
    return devices;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-');
    if (separator < 0 || !PSEUDO_FS_TYPES.has(fields[separator + 1] ?? '')) continue;
    const [major, minor] = (fields[2] ?? '').split(':').map(Number);
    if (major !== undefined && minor !== undefined) devices.add(makeDev(major, minor));
  }
  return devices;
}
