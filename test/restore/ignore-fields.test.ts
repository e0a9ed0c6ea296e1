// Fields left alone must not widen what is restored. The group bits of a mode are an
// extended ACL's mask; restoring the mode without its ACL (--ignore acl), or removing an ACL
// from a mode left alone (--ignore mode), must not hand the owning group the mask's rights.
// Each case: the result on disk, the dry run's plan, and a second run that changes nothing.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restore, restoreReady, SKIP_REASON, summaryOf } from '../helpers/restore-kit.js';
import { getfacl, makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-ignore-');
});
afterEach(() => removeTree(dir));

const modeOf = (f: string): string => (fs.statSync(path.join(dir, 't', f)).mode & 0o7777).toString(8).padStart(4, '0');
const aclOf = (f: string): string => getfacl(['-c', '-E', path.join(dir, 't', f)]).stdout.toString();

/** Snapshot of t/ (before `damage`), then `damage`; returns the snapshot's path. */
function snapshotThenDamage(setup: string, damage: string): string {
  sh(`mkdir t && cd t && ${setup}`, dir);
  const snap = permsnap(['snapshot', '--quiet', '.'], { cwd: path.join(dir, 't') });
  expect(snap.status, snap.stderr).toBe(0);
  fs.writeFileSync(path.join(dir, 'snap.facl'), snap.stdout);
  sh(`cd t && ${damage}`, dir);
  return path.join(dir, 'snap.facl');
}

function restoreTwice(snap: string, extra: string[]): string {
  const root = path.join(dir, 't');
  const dry = restore([snap, '--root', root, '--no-undo', '--dry-run', ...extra]);
  expect(dry.status, dry.stderr).toBe(0);
  const real = restore([snap, '--root', root, '--no-undo', ...extra]);
  expect(real.status, real.stderr).toBe(0);
  const again = restore([snap, '--root', root, '--no-undo', ...extra]);
  expect(again.status, again.stderr).toBe(0);
  expect(summaryOf(again.stderr)?.changed, again.stderr).toBe(0);
  return latin1Lines(dry.stdout);
}

const latin1Lines = (b: Buffer): string => b.toString('latin1');

describe.skipIf(!restoreReady)(`fields left alone do not widen the owning group's rights (${SKIP_REASON})`, () => {
  it('--ignore acl on a file whose ACL is gone: group bits are the owning group\'s masked rights, not the mask', () => {
    const snap = snapshotThenDamage('touch f && setfacl -m u:4242:rwx,g::r--,m::rwx f', 'setfacl -b f && chmod 600 f');
    expect(modeOf('f')).toBe('0600');
    const plan = restoreTwice(snap, ['--ignore', 'acl']);
    expect(modeOf('f')).toBe('0644'); // rw- user, r-- (group:: under mask rwx), r-- other
    expect(aclOf('f')).not.toContain('user:4242'); // the ACL is still left alone
    expect(plan).toMatch(/mode\s+0600 -> 0644/);
  });

  it('--ignore acl on a file whose ACL is in place: the mode (and so the mask) as recorded, nothing else', () => {
    const snap = snapshotThenDamage('touch f && setfacl -m u:4242:rwx,g::r--,m::rwx f', 'chmod 600 f');
    restoreTwice(snap, ['--ignore', 'acl']);
    expect(modeOf('f')).toBe('0674');
    expect(aclOf('f')).toContain('user:4242:rwx');
  });

  it('--ignore acl on a file that gained an ACL the snapshot does not have: its mask may narrow, never widen', () => {
    const snap = snapshotThenDamage(
      'touch g h && chmod 640 g h',
      'setfacl -m u:4242:rwx g && chmod g-rwx,o+rwx g && setfacl -m u:4242:rwx,m::rwx h',
    );
    expect([modeOf('g'), modeOf('h')]).toEqual(['0607', '0670']);
    const plan = restoreTwice(snap, ['--ignore', 'acl']);
    // g: other bits back; the mask (group bits) stays ---, not the snapshot's r--, which
    // would give user 4242 a read it does not have.
    expect(modeOf('g')).toBe('0600');
    expect(aclOf('g')).toContain('mask::---');
    expect(plan).toMatch(/\/g\s+mode\s+0607 -> 0600/);
    // h: the mask narrowed to the snapshot's group bits.
    expect(modeOf('h')).toBe('0640');
    expect(aclOf('h')).toContain('mask::r--');
    expect(aclOf('h')).toContain('user:4242:rwx');
  });

  it('--ignore mode removing an ACL: the group bits go back to the owning group\'s entry, as setfacl -b leaves them', () => {
    const snap = snapshotThenDamage('touch g && chmod 644 g', 'setfacl -m u:4243:rwx g');
    expect(modeOf('g')).toBe('0674');
    restoreTwice(snap, ['--ignore', 'mode']);
    expect(aclOf('g')).not.toContain('4243');
    expect(modeOf('g')).toBe('0644');
    sh('touch h && chmod 644 h && setfacl -m u:4243:rwx h && setfacl -b h', path.join(dir, 't'));
    expect(modeOf('h')).toBe(modeOf('g')); // what setfacl -b gives
  });

  it('--ignore mode restoring an ACL: the owner and other bits stay as they are, only the ACL\'s own entries come back', () => {
    const snap = snapshotThenDamage('touch f && chmod 4000 f && setfacl -m u:4242:rwx,m::--- f', 'chmod 1777 f && setfacl -m m::rwx f');
    expect(modeOf('f')).toBe('1777');
    const plan = restoreTwice(snap, ['--ignore', 'mode']);
    // rwx owner and other kept; the mask (the group bits) back to ---, as the ACL records it.
    expect(modeOf('f')).toBe('1707');
    expect(aclOf('f')).toContain('user:4242:rwx');
    expect(aclOf('f')).toContain('mask::---');
    expect(plan).toMatch(/acl\s+user::rwx,user:4242:rwx,group::---,mask::rwx,other::rwx -> user::rwx,user:4242:rwx,group::---,mask::---,other::rwx/);
  });

  it('--ignore mode putting back an ACL that was removed: the owner and other bits stay as they are', () => {
    const snap = snapshotThenDamage('touch f && chmod 640 f && setfacl -m u:4242:r-- f', 'setfacl -b f && chmod 606 f');
    restoreTwice(snap, ['--ignore', 'mode']);
    expect(aclOf('f')).toContain('user:4242:r--');
    expect(modeOf('f')).toBe('0646'); // rw- and rw- kept, the mask r-- as the group bits
  });
});
