// permsnap's default output (markers, `# capability:` lines and all) must stay a file that
// the real `setfacl --restore` accepts and restores from. The oracle is getfacl -R before and
// after a damaging chmod/chown/setfacl -b, and setfacl's behaviour on getfacl's own output.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclReady, latin1 } from '../helpers/facl-text.js';
import { buildOddTree } from '../helpers/odd-tree.js';
import { getfacl, hasCapTools, isRoot, makeTempDir, permsnap, removeTree, run, sh } from '../helpers/tree.js';

let dir = '';

beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeTree(dir));

/** A bad day: everything world-writable, some ACLs stripped, some owners changed. */
function damage(cwd: string): void {
  // chmod -R skips symlinks met in the walk; the loops and the dangling link make it complain.
  sh('chmod -R 777 tree 2>/dev/null || true', cwd);
  sh('setfacl -b tree/acls/named tree/acls/unmasked tree/acls/setuid-with-acl', cwd);
  sh('setfacl -k tree/acls/with-default tree/acls/minimal-default', cwd);
  sh('chown -R 3333:3333 tree/special tree/acls tree/kinds/file', cwd);
  if (fs.existsSync(path.join(cwd, 'tree/owners'))) sh('chown -R 0:0 tree/owners', cwd);
  // setfacl 2.3.1 cannot restore a mode-000 entry with flags (spec section 4, a defect of
  // setfacl, not of the snapshot): leave that file's rwx bits as they were.
  sh('chmod a-rwx tree/special/only-flags', cwd);
}

describe.skipIf(!aclReady || !isRoot)('setfacl --restore on permsnap default output (needs root, getfacl/setfacl and ACLs on the temp filesystem)', () => {
  it('is accepted by setfacl --restore exactly as getfacl -R output is', () => {
    buildOddTree(dir);
    const viaGetfacl = path.join(dir, 'getfacl.facl');
    const viaPermsnap = path.join(dir, 'permsnap.facl');
    fs.writeFileSync(viaGetfacl, getfacl(['-R', 'tree'], { cwd: dir }).stdout);
    const snap = permsnap(['snapshot', '--quiet', 'tree'], { cwd: dir });
    expect(snap.status).toBe(0);
    fs.writeFileSync(viaPermsnap, snap.stdout);
    const text = latin1(snap.stdout);
    expect(text).toMatch(/^# permsnap: begin$/m);
    expect(text).toMatch(/^# permsnap: end, \d+ entries$/m);
    if (hasCapTools) expect(text).toMatch(/^# capability: /m);

    const baseline = run('setfacl', [`--restore=${viaGetfacl}`], { cwd: dir });
    const ours = run('setfacl', [`--restore=${viaPermsnap}`], { cwd: dir });
    expect(ours.stderr).toBe(baseline.stderr);
    expect(ours.status).toBe(baseline.status);
    expect(ours.status).toBe(0);
  });

  it('restores a damaged odd tree so that getfacl -R prints what it printed before the damage', () => {
    buildOddTree(dir);
    const before = getfacl(['-R', 'tree'], { cwd: dir });
    const snapFile = path.join(dir, 'snap.facl');
    const snap = permsnap(['snapshot', '--quiet', 'tree'], { cwd: dir });
    expect(snap.status).toBe(0);
    fs.writeFileSync(snapFile, snap.stdout);

    damage(dir);
    const damaged = getfacl(['-R', 'tree'], { cwd: dir });
    expect(latin1(damaged.stdout)).not.toBe(latin1(before.stdout)); // the damage is real

    const restore = run('setfacl', [`--restore=${snapFile}`], { cwd: dir });
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    const after = getfacl(['-R', 'tree'], { cwd: dir });
    expect(latin1(after.stdout)).toBe(latin1(before.stdout));
    expect(after.status).toBe(before.status);
  });

  it('restores from -p (absolute paths) output when setfacl runs from another directory', () => {
    buildOddTree(dir);
    const tree = path.join(dir, 'tree');
    const before = getfacl(['-R', 'tree'], { cwd: dir });
    const snapFile = path.join(dir, 'snap-absolute.facl');
    const snap = permsnap(['snapshot', '--quiet', '-p', tree], { cwd: dir });
    expect(snap.status).toBe(0);
    expect(latin1(snap.stdout)).toContain(`# file: ${tree}\n`);
    fs.writeFileSync(snapFile, snap.stdout);

    damage(dir);
    expect(latin1(getfacl(['-R', 'tree'], { cwd: dir }).stdout)).not.toBe(latin1(before.stdout));

    const elsewhere = fs.mkdtempSync(path.join(dir, 'elsewhere-'));
    const restore = run('setfacl', [`--restore=${snapFile}`], { cwd: elsewhere });
    fs.rmdirSync(elsewhere);
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    expect(latin1(getfacl(['-R', 'tree'], { cwd: dir }).stdout)).toBe(latin1(before.stdout));
  });
});
