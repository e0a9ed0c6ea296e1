// A user or group whose name is all digits, but not its id's (a user "4242" with uid 7003,
// as a directory service may have): read back, an all-digit name is a decimal id
// (contracts.md), so permsnap's snapshot prints the id for it, and restore and diff get
// the right inode owner back (so does a tar archive's, whose ACL text names the user).
// --compat prints the name, as getfacl does; JSON carries both. setfacl reads more names
// as numbers (strtol in base 0: a user "0x1f"): those are printed as ids too. And a name
// that is quoted in an ACL entry (a group "sp ace") is its id when diff compares it with
// a side that has ids.
// The users exist only in a private mount namespace, over a copy of /etc/passwd and group.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUnshare } from '../helpers/directory-service.js';
import { latin1 } from '../helpers/facl-text.js';
import { CLI, hasAclTools, isRoot, makeTempDir, removeTree, run, sh, type Run } from '../helpers/tree.js';

let dir = '';
const ready = isRoot && hasAclTools && canUnshare();

/** Runs a shell script where NSS knows user 4242 (uid 7003), 0x1f (uid 7015), and groups 4343 (gid 7102) and "sp ace" (gid 7006). */
function withDigitNames(script: string): Run {
  const setup = 'mount --bind "$0/passwd" /etc/passwd && mount --bind "$0/group" /etc/group && cd "$0" && ';
  return run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', setup + script, dir], { env: { ...process.env, P: `${process.execPath} ${CLI}` } });
}

beforeAll(() => {
  if (!ready) return;
  dir = makeTempDir('permsnap-digit-names-');
  fs.writeFileSync(path.join(dir, 'passwd'), `${fs.readFileSync('/etc/passwd', 'utf8')}4242:x:7003:7003::/nonexistent:/usr/sbin/nologin\n0x1f:x:7015:7015::/nonexistent:/usr/sbin/nologin\n`);
  fs.writeFileSync(path.join(dir, 'group'), `${fs.readFileSync('/etc/group', 'utf8')}4343:x:7102:\nsp ace:x:7006:\n`);
  sh('mkdir -p tree && touch tree/f && chown 7003:7102 tree/f && setfacl -m u:7003:r,g:7102:w tree/f', dir);
});
afterAll(() => {
  if (dir) removeTree(dir);
});

describe.skipIf(!ready)('all-digit user and group names that are not their ids (needs root, getfacl, mount namespaces)', () => {
  it('are printed as their ids, except with --compat (as getfacl) and in JSON (beside the id)', () => {
    const r = withDigitNames('getent passwd 7003 && $P snapshot -q tree && echo === && $P snapshot -q --compat tree > compat.facl && getfacl -R tree > getfacl.facl && cmp compat.facl getfacl.facl && $P snapshot -q --format json tree');
    expect(r.status, r.stderr).toBe(0);
    const [text, json] = latin1(r.stdout).split('===\n') as [string, string];
    expect(text).toContain('4242:x:7003:');
    expect(text).toContain('# file: tree/f\n# owner: 7003\n# group: 7102\n');
    expect(text).toContain('user::rw-\nuser:7003:r--\ngroup::r--\ngroup:7102:-w-\n');
    expect(fs.readFileSync(path.join(dir, 'compat.facl'), 'latin1')).toContain('# owner: 4242\n# group: 4343\nuser::rw-\nuser:4242:r--\n');
    expect(json).toMatch(/"path":"tree\/f","owner":"4242","group":"4343","uid":7003,"gid":7102/);
    // An ACL entry's text has no id beside it: the id, as in the getfacl text.
    expect(json).toContain('"acl":["user::rw-","user:7003:r--","group::r--","group:7102:-w-","mask::rw-","other::r--"]');
  });

  it('are printed as their ids from a tar archive too, owner, group and ACL qualifiers', () => {
    const r = withDigitNames('tar --acls --xattrs -cf t.tar tree && $P snapshot -q --from-tar t.tar && $P diff t.tar tree; echo "diff $?"');
    expect(r.status, r.stderr).toBe(0);
    const out = latin1(r.stdout);
    expect(out).toContain('# owner: 7003\n# group: 7102\n');
    expect(out).toContain('user::rw-\nuser:7003:r--\ngroup::r--\ngroup:7102:-w-\n');
    expect(out).toContain('diff 0\n');
  });

  it('come back as the right ids after a restore, and diff agrees', () => {
    const r = withDigitNames([
      '$P snapshot -q tree -o ours.facl && getfacl -R tree > theirs.facl',
      'chown nobody:nogroup tree/f && setfacl -b tree/f',
      '$P restore -q --no-undo ours.facl; echo "restore $?"',
      'getfacl -n tree/f',
      '$P diff ours.facl tree > /dev/null; echo "diff ours $?"',
      '$P diff theirs.facl tree; echo "diff theirs $?"',
    ].join(' && '));
    expect(r.status, r.stderr).toBe(0);
    const out = latin1(r.stdout);
    expect(out).toContain('restore 0\n');
    expect(out).toContain('# owner: 7003\n# group: 7102\nuser::rw-\nuser:7003:r--\ngroup::r--\ngroup:7102:-w-\nmask::rw-\n');
    expect(out).toContain('diff ours 0\n');
    // getfacl's text names the user "4242", which reads back as uid 4242: diff says so.
    expect(out).toContain('diff theirs 1\n');
    expect(out).toMatch(/owner.*4242.*7003/);
  });

  it('setfacl reads a name such as 0x1f as a number: printed as its id, setfacl --restore of the snapshot gives the right owner', () => {
    const r = withDigitNames([
      'mkdir -p hex && touch hex/f && chown 7015 hex/f && setfacl -m u:7015:rw hex/f',
      '$P snapshot -q hex -o hex.facl && $P snapshot -q --compat hex > hex-compat.facl',
      'chown 0 hex/f && setfacl -b hex/f && setfacl --restore=hex.facl && getfacl -n hex/f',
    ].join(' && '));
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'hex.facl'), 'latin1')).toMatch(/# file: hex\/f\n# owner: 7015\n# group: root\n(# permsnap: .*\n)?user::rw-\nuser:7015:rw-\n/);
    expect(fs.readFileSync(path.join(dir, 'hex-compat.facl'), 'latin1')).toContain('# owner: 0x1f\n');
    expect(latin1(r.stdout)).toContain('# owner: 7015\n# group: 0\nuser::rw-\nuser:7015:rw-\n');
  });

  it('diff compares an ACL entry naming a group with a space in its name (quoted) with the same entry by id: no drift', () => {
    const r = withDigitNames([
      'mkdir -p quoted && touch quoted/b && setfacl -m g:7006:r,u:7015:w quoted/b',
      'getfacl -R -n quoted > numeric.facl && $P snapshot -q quoted -o named.facl',
      '$P diff numeric.facl quoted; echo "live $?"; $P diff quoted numeric.facl; echo "reversed $?"; $P diff numeric.facl named.facl; echo "files $?"',
    ].join(' && '));
    expect(r.status, r.stderr).toBe(0);
    const out = latin1(r.stdout);
    expect(fs.readFileSync(path.join(dir, 'named.facl'), 'latin1')).toContain('group:sp\\040ace:r--\n');
    for (const run of ['live', 'reversed', 'files']) expect(out).toContain(`0 modified, 0 missing, 0 extra\n${run} 0\n`);
  });
});
