// The ACL text of SCHILY.acl.* records in GNU tar's form (libacl's acl_to_text) and in
// star's / bsdtar's form (commas, numeric ids appended), as the archivers write them.

import { describe, expect, it } from 'vitest';
import { parseAclText } from '../../src/archive/acl-text.js';
import { ACL_GROUP, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER, ACL_UNDEFINED_ID, ACL_USER, ACL_USER_OBJ } from '../../src/model/acl.js';
import { UNKNOWN_ID } from '../../src/model/entry.js';

const U = ACL_UNDEFINED_ID;

describe('parseAclText', () => {
  it('reads GNU tar\'s form: one entry a line, names without ids, numbers for unnamed ids', () => {
    expect(parseAclText('user::rw-\nuser:bin:rwx\nuser:4444:r--\ngroup::r--\ngroup:daemon:r--\nmask::rwx\nother::r--\n')).toEqual([
      { tag: ACL_USER_OBJ, perm: 6, id: U },
      { tag: ACL_USER, perm: 7, id: UNKNOWN_ID, name: 'bin' },
      { tag: ACL_USER, perm: 4, id: 4444 },
      { tag: ACL_GROUP_OBJ, perm: 4, id: U },
      { tag: ACL_GROUP, perm: 4, id: UNKNOWN_ID, name: 'daemon' },
      { tag: ACL_MASK, perm: 7, id: U },
      { tag: ACL_OTHER, perm: 4, id: U },
    ]);
  });

  it('reads bsdtar\'s form: commas, the id appended to named entries, its own entry order', () => {
    expect(parseAclText('user::rw-,group::r--,other::r--,user:bin:rwx:2,group:daemon:r--:1,mask::rwx,user:4444:r--')).toEqual([
      { tag: ACL_USER_OBJ, perm: 6, id: U },
      { tag: ACL_GROUP_OBJ, perm: 4, id: U },
      { tag: ACL_OTHER, perm: 4, id: U },
      { tag: ACL_USER, perm: 7, id: 2, name: 'bin' },
      { tag: ACL_GROUP, perm: 4, id: 1, name: 'daemon' },
      { tag: ACL_MASK, perm: 7, id: U },
      { tag: ACL_USER, perm: 4, id: 4444 },
    ]);
  });

  it('unquotes names as setfacl does and ignores #effective comments and padding', () => {
    expect(parseAclText('  user:we\\040ird\\072name:r-x\t#effective:r--\n')).toEqual([{ tag: ACL_USER, perm: 5, id: UNKNOWN_ID, name: 'we ird:name' }]);
  });

  it('names the entry and what is wrong with it', () => {
    expect(() => parseAclText('user::rw-\nfoo::r--')).toThrow('ACL entry 2 "foo::r--": unknown tag "foo", expected user, group, mask or other');
    expect(() => parseAclText('user::rwz')).toThrow('ACL entry 1 "user::rwz": permissions "rwz", expected [r-][w-][x-]');
    expect(() => parseAclText('mask:bin:rwx')).toThrow('a qualifier on a mask entry');
    expect(() => parseAclText('user:bin:rwx:two')).toThrow('id "two", expected a decimal number');
    expect(() => parseAclText('user:bin')).toThrow('expected TAG:QUALIFIER:PERMS or TAG:NAME:PERMS:ID');
    // setfacl would read n\557body as nobody (modulo 256): refused, as the snapshot parser refuses it.
    expect(() => parseAclText('user::rw-\nuser:n\\557body:r--')).toThrow('ACL entry 2 "user:n\\557body:r--": qualifier "n\\557body" has the escape \\557, above \\377, expected escapes from \\001 to \\377');
    expect(parseAclText('user:a\\\\557:r--')[0]).toMatchObject({ name: 'a\\557' });
    // NSS would read daemon\000x as daemon (a C string ends at the NUL).
    expect(() => parseAclText('user:daemon\\000x:rwx')).toThrow('qualifier "daemon\\000x" contains a NUL byte, expected a name without \\000');
    expect(() => parseAclText('user:daemon\0x:rwx')).toThrow('contains a NUL byte');
    expect(() => parseAclText('user:4294967295:rwx')).toThrow('id 4294967295 is larger than 4294967294');
  });
});
