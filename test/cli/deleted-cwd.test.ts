// A shell left in a directory that has since been removed: getfacl works there, and so must
// permsnap. Node's worker threads cannot start there (their bootstrap asks for the current
// directory: ENOENT), nor could yargs read the command line; a snapshot big enough for
// workers once printed everything and then hung on the workers that never loaded (exit 13).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, getfacl, hasAclTools, isRoot, makeTempDir, removeTree, run, sh } from '../helpers/tree.js';

let dir = '';
beforeAll(() => {
  dir = makeTempDir('permsnap-deleted-cwd-');
  // 400 directories: enough entries for the snapshot to hand work to its workers.
  sh('mkdir t && cd t && for i in $(seq 1 400); do mkdir d$i && touch d$i/f; done && chmod 640 d7/f', dir);
});
afterAll(() => removeTree(dir));

/** Runs permsnap from a directory removed after the shell entered it. */
function fromDeletedDirectory(args: string[]): ReturnType<typeof run> {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return run('sh', ['-c', `mkdir gone && cd gone && rmdir ../gone && exec "$0" '${CLI}' ${quoted}`, process.execPath], { cwd: dir });
}

describe.skipIf(!hasAclTools)('from a current directory that has been deleted (needs getfacl)', () => {
  const tree = (): string => path.join(dir, 't');

  it('snapshot prints what getfacl prints, and exits 0, workers or not', () => {
    const expected = getfacl(['-R', tree()]).stdout;
    for (const jobs of ['2', '1']) {
      const r = fromDeletedDirectory(['snapshot', '--compat', '--jobs', jobs, tree()]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.equals(expected)).toBe(true);
    }
  });

  it('snapshot and diff of "." itself, the deleted directory: its block, exit 0, no read error (it has no entries left)', () => {
    const ours = fromDeletedDirectory(['snapshot', '--jobs', '1', '.']);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stderr).toBe('');
    expect(ours.stdout.toString('latin1')).toMatch(/^# file: \.\n/);
    fs.writeFileSync(path.join(dir, 'dot.facl'), ours.stdout);
    const diff = fromDeletedDirectory(['diff', path.join(dir, 'dot.facl'), '.']);
    expect(diff.status, diff.stderr).toBe(0);
    expect(diff.stderr).toBe('');
  });

  it('restore works beneath an absolute --root, and without one says why it cannot', () => {
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, getfacl(['-R', 't'], { cwd: dir }).stdout);
    sh('chmod 666 t/d7/f', dir);
    const refused = fromDeletedDirectory(['restore', snap, '--no-undo']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/current directory cannot be named \(it has been deleted\): give an absolute --root/);
    expect(fs.statSync(path.join(tree(), 'd7/f')).mode & 0o777).toBe(0o666);
    const r = fromDeletedDirectory(['restore', snap, '--root', dir, '--no-undo', '--jobs', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.statSync(path.join(tree(), 'd7/f')).mode & 0o777).toBe(0o640);
  });

  it('diff compares a snapshot with the live tree', () => {
    const snap = path.join(dir, 'live.facl');
    fs.writeFileSync(snap, getfacl(['-R', tree()]).stdout);
    sh('chmod 600 t/d9/f', dir);
    const r = fromDeletedDirectory(['diff', snap, tree()]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout.toString()).toMatch(/d9\/f/);
    expect(r.stdout.toString()).toMatch(/1 modified/);
  });
});

const canUnshare = isRoot && spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;

describe.skipIf(!canUnshare)('from a current directory on a lazily unmounted filesystem (needs root and unshare)', () => {
  it('restore refuses to guess where relative paths go: /proc/self/cwd reads "/" there, which is another tree', () => {
    sh('mkdir -p lazy victim && touch victim/v && chmod 600 victim/v', dir);
    // The snapshot's relative path, read beneath "/", would be DIR/victim/v.
    const snap = path.join(dir, 'lazy.facl');
    fs.writeFileSync(snap, `# file: ${path.join(dir, 'victim/v').slice(1)}\n# owner: root\n# group: root\nuser::rw-\ngroup::rw-\nother::rw-\n\n`);
    const script = `mount -t tmpfs none lazy && cd lazy && umount -l ../lazy && exec "$0" "$@"`;
    const r = run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, process.execPath, CLI, 'restore', snap, '--no-undo'], { cwd: dir });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/the current directory cannot be named \(it cannot be reached from \/: a lazily unmounted filesystem/);
    expect(fs.statSync(path.join(dir, 'victim/v')).mode & 0o777).toBe(0o600);
  });
});
