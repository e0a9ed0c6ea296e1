// Debian 12 packages still ship /bin, /sbin and /lib* files, but a merged-/usr host (every
// Debian 12 install) has those as symlinks to usr/...: a baseline that says bin/ping cannot
// be restored there (restore never follows the bin symlink) nor compared with the live
// tree. On such a host the baseline uses the real paths: bin/ping becomes usr/bin/ping, and
// the top-level bin, sbin and lib* directories themselves (symlinks there) are left out.

import fs from 'node:fs';

const ALIASED = /^(bin|sbin|lib|lib32|lib64|libx32)(\/|$)/;

export type MergedUsrChoice = 'auto' | 'yes' | 'no';

/** Whether the host at `root` (default /) has merged /usr: /bin is a symlink to usr/bin. */
export function hostHasMergedUsr(root = '/'): boolean {
  try {
    return fs.readlinkSync(`${root.replace(/\/$/, '')}/bin`).replace(/\/$/, '') === 'usr/bin';
  } catch {
    return false;
  }
}

export function resolveMergedUsr(choice: MergedUsrChoice): boolean {
  return choice === 'auto' ? hostHasMergedUsr() : choice === 'yes';
}

/**
 * The path a relative (getfacl-form) path has on a merged-/usr host: null for an aliased
 * top-level directory itself, `usr/...` beneath one, the path itself otherwise.
 */
export function mergedUsrPath(relative: string): string | null {
  const m = ALIASED.exec(relative);
  if (m === null) return relative;
  return m[2] === '' ? null : `usr/${relative}`;
}

/**
 * As mergedUsrPath, for a member of a package: null too for a symlink beneath an aliased
 * directory (lib/x -> /usr/lib/x, a compatibility link), which is never unpacked over what
 * usr/ ships.
 */
export function mergedUsrMemberPath(relative: string, symlink: boolean): string | null {
  const real = mergedUsrPath(relative);
  return symlink && real !== relative ? null : real;
}
