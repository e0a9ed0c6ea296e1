// Users and groups from a directory service, as LDAP or sssd give them: known to NSS, not
// in /etc/passwd or /etc/group. fixtures/nss/libnss_directory.c is built into a temp dir
// and commands run in a private mount namespace whose /etc/nsswitch.conf consults it after
// the files; the host's own nsswitch.conf is never touched.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hasCommand, isRoot, REPO, run, type Run, type RunOptions } from './tree.js';

export const directoryServiceReady = isRoot && hasCommand('cc') && fs.existsSync('/usr/include/nss.h') && hasCommand('unshare');
export const DIRECTORY_SKIP_REASON = 'needs root, a C compiler (cc) with the C library headers, unshare, and no nscd answering from the host';

/** Builds the module into `dir`; the directory to give runInDirectoryService(). */
export function buildDirectoryService(dir: string): string {
  const source = path.join(REPO, 'fixtures/nss/libnss_directory.c');
  const built = spawnSync('cc', ['-shared', '-fPIC', '-o', path.join(dir, 'libnss_directory.so.2'), source], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`cc failed: ${built.stderr}`);
  const host = fs.readFileSync('/etc/nsswitch.conf', 'utf8');
  const conf = host.split('\n').filter((l) => !/^\s*(passwd|group):/.test(l)).concat(['passwd: files directory', 'group: files directory', '']);
  fs.writeFileSync(path.join(dir, 'nsswitch.conf'), conf.join('\n'));
  return dir;
}

/** Runs a command in a mount namespace where NSS knows the directory's users and groups. */
export function runInDirectoryService(nssDir: string, cmd: string, args: string[], options: RunOptions = {}): Run {
  const script = 'mount --bind "$0/nsswitch.conf" /etc/nsswitch.conf && LD_LIBRARY_PATH="$0" exec "$@"';
  return run('unshare', ['-m', '--propagation', 'private', 'bash', '-c', script, nssDir, cmd, ...args], options);
}

/** Whether this machine lets a test make a mount namespace (a container may not). */
export function canUnshare(): boolean {
  return spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;
}
