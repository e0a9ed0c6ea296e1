// A file whose capability the kernel will not read (EINVAL): each command says so for
// that path, in the system's words, and goes on with the rest of the tree.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CORRUPT_SKIP_REASON, corruptCapabilityReady, mountCorruptCapability } from '../helpers/corrupt-capability.js';
import { latin1, STACK_FRAME, unmount } from '../helpers/facl-text.js';
import { summaryOf } from '../helpers/restore-kit.js';
import { getfacl, makeTempDir, permsnap, removeTree, run } from '../helpers/tree.js';

let dir = '';
let mnt: string | null = null;
beforeEach(() => {
  dir = makeTempDir('permsnap-corrupt-cap-');
});
afterEach(() => {
  if (mnt !== null) unmount(mnt);
  mnt = null;
  removeTree(dir);
});

const BAD = /^permsnap: tree\/bad: Invalid argument$/m;

/** A block with the mode's permissions `perms` for user and none for the others, its extra header lines first. */
const block = (p: string, header: string, perms = 'rw-'): string =>
  `# file: ${p}\n# owner: root\n# group: root\n${header}user::${perms}\ngroup::---\nother::---\n\n`;

const modeOf = (p: string): number => fs.statSync(path.join(mnt as string, p)).mode & 0o777;

/** The errno code reading the capability gives (ENODATA: none), or null when it reads. */
function capabilityReadError(p: string): string | null {
  const script = 'import os,sys,errno\ntry: os.getxattr(sys.argv[1], "security.capability")\nexcept OSError as e: print(errno.errorcode[e.errno]); sys.exit()\nprint("")';
  const out = run('python3', ['-c', script, path.join(mnt as string, p)]).stdout.toString().trim();
  return out === '' ? null : out;
}

describe.skipIf(!corruptCapabilityReady)(`a capability the kernel will not read (${CORRUPT_SKIP_REASON})`, () => {
  it('snapshot reports the path and leaves it out (exit 1); --compat, which reads no capability, is getfacl', (ctx) => {
    mnt = mountCorruptCapability(dir);
    if (mnt === null) return ctx.skip('a loop device cannot be mounted here');
    const r = permsnap(['snapshot', '--quiet', 'tree'], { cwd: mnt });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(BAD);
    expect(latin1(r.stdout)).toContain('# file: tree/ok\n');
    expect(latin1(r.stdout)).not.toContain('# file: tree/bad\n');
    // Beneath a directory left out, the walk went on.
    expect(latin1(r.stdout)).toContain('# file: tree/dd/c\n');
    const compat = permsnap(['snapshot', '--compat', 'tree'], { cwd: mnt });
    const real = getfacl(['-R', 'tree'], { cwd: mnt });
    expect(compat.status).toBe(real.status);
    expect(latin1(compat.stdout)).toBe(latin1(real.stdout));
  });

  it('diff of a live tree reports the path (exit 2) and still compares the rest, beneath it too', (ctx) => {
    mnt = mountCorruptCapability(dir);
    if (mnt === null) return ctx.skip('a loop device cannot be mounted here');
    const before = path.join(dir, 'before.facl');
    const snap = permsnap(['snapshot', '--quiet', 'tree'], { cwd: mnt });
    expect(snap.status).toBe(1); // tree/bad and tree/dd left out
    fs.writeFileSync(before, snap.stdout);
    fs.chmodSync(path.join(mnt, 'tree/ok'), 0o600);
    fs.chmodSync(path.join(mnt, 'tree/dd/c'), 0o600);
    const r = permsnap(['diff', before, 'tree'], { cwd: mnt });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(BAD);
    expect(r.stderr).toMatch(/^permsnap: tree\/dd: Invalid argument$/m);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    const lines = latin1(r.stdout).split('\n');
    expect(lines).toContain('modified  tree/ok  mode 0644 -> 0600');
    expect(lines).toContain('modified  tree/dd/c  mode 0644 -> 0600');
    // Not "extra": what could not be read is unknown.
    expect(latin1(r.stdout)).not.toMatch(/tree\/bad|tree\/dd /);
    const nagios = permsnap(['diff', before, 'tree', '--format', 'nagios'], { cwd: mnt });
    expect(nagios.status).toBe(2);
    expect(latin1(nagios.stdout)).toMatch(/^PERMSNAP CRITICAL - 2 modified: /);
  });

  it('diff --ignore capability does not read the capability, and compares the rest of the path', (ctx) => {
    mnt = mountCorruptCapability(dir);
    if (mnt === null) return ctx.skip('a loop device cannot be mounted here');
    const before = path.join(dir, 'before.facl');
    fs.writeFileSync(before, '# file: tree/bad\n# owner: root\n# group: root\nuser::rw-\ngroup::---\nother::---\n\n');
    const r = permsnap(['diff', before, 'tree', '--ignore', 'capability'], { cwd: mnt });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toBe('');
    expect(latin1(r.stdout).split('\n')).toContain('modified  tree/bad  mode 0600 -> 0644');
  });

  it('restore leaves it alone when the snapshot says nothing of capabilities (getfacl), and restores the rest of the path', (ctx) => {
    mnt = mountCorruptCapability(dir);
    if (mnt === null) return ctx.skip('a loop device cannot be mounted here');
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, block('tree/bad', '') + block('tree/ok', ''));
    for (const extra of [[], ['--ignore', 'capability']]) {
      const r = permsnap(['restore', snap, '--no-undo', ...extra], { cwd: mnt });
      expect(r.status, r.stderr).toBe(0);
      expect(modeOf('tree/bad')).toBe(0o600);
      expect(capabilityReadError('tree/bad')).toBe('EINVAL');
      fs.chmodSync(path.join(mnt, 'tree/bad'), 0o644);
    }
  });

  it('restore replaces it with the capability the snapshot has, or removes it when the snapshot has none; the dry run says so', (ctx) => {
    mnt = mountCorruptCapability(dir);
    if (mnt === null) return ctx.skip('a loop device cannot be mounted here');
    const snap = path.join(dir, 'snap.facl');
    // permsnap's markers: a block without a capability line means none.
    fs.writeFileSync(snap, block('tree/bad', '# permsnap: begin\n# capability: cap_net_raw=ep\n') + block('tree/dd', '# permsnap: end, 2 entries\n', 'rwx'));
    const dry = permsnap(['restore', snap, '--dry-run'], { cwd: mnt });
    expect(dry.status, dry.stderr).toBe(0);
    expect(latin1(dry.stdout)).toMatch(/tree\/bad\s+capability unreadable -> cap_net_raw=ep/);
    expect(latin1(dry.stdout)).toMatch(/tree\/dd\s+capability unreadable -> none/);
    expect(capabilityReadError('tree/bad')).toBe('EINVAL');
    const journal = path.join(dir, 'undo.facl');
    const r = permsnap(['restore', snap, '--undo', journal], { cwd: mnt });
    expect(r.status, r.stderr).toBe(0);
    expect(capabilityReadError('tree/bad')).toBe(null);
    expect(run('getcap', ['tree/bad'], { cwd: mnt }).stdout.toString()).toBe('tree/bad cap_net_raw=ep\n');
    expect(capabilityReadError('tree/dd')).toBe('ENODATA');
    expect(summaryOf(permsnap(['restore', snap, '--no-undo'], { cwd: mnt }).stderr)?.changed).toBe(0);
    // What could not be read cannot be given back: the journal records none.
    expect(fs.readFileSync(journal, 'utf8')).not.toContain('# capability:');
  });

  it('restore removes an empty (unreadable) capability that a change of owner leaves in place, in one run', (ctx) => {
    mnt = mountCorruptCapability(dir);
    if (mnt === null) return ctx.skip('a loop device cannot be mounted here');
    expect(capabilityReadError('tree/zero')).toBe('EINVAL');
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, block('tree/zero', '# permsnap: begin\n# permsnap: end, 1 entries\n').replace('# owner: root', '# owner: 65534'));
    const dry = permsnap(['restore', snap, '--dry-run'], { cwd: mnt });
    expect(latin1(dry.stdout)).toMatch(/tree\/zero\s+capability unreadable -> none/);
    const r = permsnap(['restore', snap, '--no-undo'], { cwd: mnt });
    expect(r.status, r.stderr).toBe(0);
    expect(capabilityReadError('tree/zero')).toBe('ENODATA');
    expect(fs.statSync(path.join(mnt, 'tree/zero')).uid).toBe(65534);
    expect(summaryOf(permsnap(['restore', snap, '--no-undo'], { cwd: mnt }).stderr)?.changed).toBe(0);
  });
});
