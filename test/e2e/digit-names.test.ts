// A user or group whose name is all digits, but not its id's (a user "4242" with uid 7003,
// as a directory service may have): read back, an all-digit name is a decimal id
// (contracts.md), so permsnap's snapshot prints the id for it, and restore and diff get
// the right inode owner back (so does a tar archive's, whose ACL text names the user).
// --compat prints the name, as getfacl does; JSON carries both.
// The users exist only in a private mount namespace, over a copy of /etc/passwd and group.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUnshare } from '../helpers/directory-service.js';
import { latin1 } from '../helpers/facl-text.js';
import { CLI, hasAclTools, isRoot, makeTempDir, removeTree, run, sh, type Run } from '../helpers/tree.js';

let dir = '';
const ready = isRoot && hasAclTools && canUnshare();

/** Runs a shell script where NSS knows user 4242 (uid 7003) and group 4343 (gid 7102). */
function withDigitNames(script: string): Run {
  const setup = 'mount --bind "$0/passwd" /etc/passwd && mount --bind "$0/group" /etc/group && cd "$0" && ';
  return run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', setup + script, dir], { env: { ...process.env, P: `${process.execPath} ${CLI}` } });
}

beforeAll(() => {
  if (!ready) return;
  dir = makeTempDir('permsnap-digit-names-');
  fs.writeFileSync(path.join(dir, 'passwd'), `${fs.readFileSync('/etc/passwd', 'utf8')}4242:x:7003:7003::/nonexistent:/usr/sbin/nologin\n`);
  fs.writeFileSync(path.join(dir, 'group'), `${fs.readFileSync('/etc/group', 'utf8')}4343:x:7102:\n`);
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
});
