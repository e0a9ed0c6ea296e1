// A file whose capability the kernel will not read (EINVAL): each command says so for
// that path, in the system's words, and goes on with the rest of the tree.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CORRUPT_SKIP_REASON, corruptCapabilityReady, mountCorruptCapability } from '../helpers/corrupt-capability.js';
import { latin1, STACK_FRAME, unmount } from '../helpers/facl-text.js';
import { getfacl, makeTempDir, permsnap, removeTree } from '../helpers/tree.js';

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

  it('restore reports the path as a problem (exit 1) and restores the rest', (ctx) => {
    mnt = mountCorruptCapability(dir);
    if (mnt === null) return ctx.skip('a loop device cannot be mounted here');
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, '# file: tree/bad\n# owner: root\n# group: root\nuser::rw-\ngroup::---\nother::---\n\n'
      + '# file: tree/ok\n# owner: root\n# group: root\nuser::rw-\ngroup::---\nother::---\n\n');
    const r = permsnap(['restore', snap, '--no-undo'], { cwd: mnt });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^permsnap: \S*tree\/bad: Invalid argument \(getxattr\)$/m);
    expect(fs.statSync(path.join(mnt, 'tree/ok')).mode & 0o777).toBe(0o600);
  });
});
