// Which devices hold pseudo filesystems (/proc, /sys, ...), read from /proc/self/mountinfo,
// so a snapshot of / records their mount points without wandering into them.

import fs from 'node:fs';

/** contracts.md, "Pseudo filesystems". */
export const PSEUDO_FS_TYPES = new Set([
  'proc', 'sysfs', 'cgroup', 'cgroup2', 'devpts', 'devtmpfs', 'debugfs', 'tracefs', 'securityfs',
  'bpf', 'pstore', 'mqueue', 'configfs', 'fusectl', 'hugetlbfs', 'binfmt_misc', 'autofs',
]);

/**
 * The kernel's own trees: what is mounted in them (a tmpfs at /dev/shm, efivarfs, selinuxfs,
 * lxcfs over /proc files) counts as pseudo too, unless its device is mounted elsewhere as
 * well. Not what autofs holds (NFS home directories).
 */
const SYSTEM_PLUMBING = new Set(['proc', 'sysfs', 'devtmpfs']);

/** glibc's makedev(): the st_dev number Node reports for a major:minor pair. */
export function makeDev(major: number, minor: number): number {
  const low = ((major & 0xfff) << 8) | (minor & 0xff);
  return low + (minor - (minor & 0xff)) * 2 ** 12 + (major - (major & 0xfff)) * 2 ** 32;
}

/**
 * st_dev numbers of mounted pseudo filesystems, and of what is mounted beneath /dev, /proc
 * or /sys and nowhere else (the tmpfs at /dev/shm, reached again at ROOT/dev/shm once a
 * chroot's /dev is `mount --rbind` of the host's: a baseline's dev/shm 0755 would have made
 * the host's 1777 shared memory 0755); empty when mountinfo cannot be read.
 */
export function pseudoFilesystemDevices(mountinfo = '/proc/self/mountinfo'): Set<number> {
  const devices = new Set<number>();
  let text: string;
  try {
    text = fs.readFileSync(mountinfo, 'latin1');
  } catch {
    // No /proc (a chroot without it): nothing is known to be pseudo, so everything is walked.
    return devices;
  }
  const mounts = text.split('\n').map(mountOf).filter((m) => m !== null);
  const plumbingPoints = mounts.filter((m) => SYSTEM_PLUMBING.has(m.type)).map((m) => m.point);
  const beneath = (point: string): boolean => plumbingPoints.some((p) => point.startsWith(p === '/' ? p : `${p}/`) && point !== p);
  // A device also mounted outside those trees is real data there (a disk's directory bound
  // beneath /sys): only what is mounted nowhere else counts.
  const elsewhere = new Set(mounts.filter((m) => !PSEUDO_FS_TYPES.has(m.type) && !beneath(m.point)).map((m) => m.device));
  for (const m of mounts) if (PSEUDO_FS_TYPES.has(m.type) || (beneath(m.point) && !elsewhere.has(m.device))) devices.add(m.device);
  return devices;
}

/** A mountinfo line's device, mount point (its octal escapes decoded) and filesystem type; null for another line. */
function mountOf(line: string): { device: number; point: string; type: string } | null {
  const fields = line.split(' ');
  const separator = fields.indexOf('-');
  const [major, minor] = (fields[2] ?? '').split(':').map(Number);
  if (separator < 0 || major === undefined || minor === undefined || fields[4] === undefined) return null;
  const point = fields[4].replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return { device: makeDev(major, minor), point, type: fields[separator + 1] ?? '' };
}
