import { describe, expect, it } from 'vitest';
import { ACL_GROUP, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER, ACL_UNDEFINED_ID, ACL_USER, ACL_USER_OBJ, aclProblem, modeBitsOfAcl } from '../../src/model/acl.js';
import { decodeAclXattr, encodeAclXattr } from '../../src/model/acl-xattr.js';

const U = ACL_UNDEFINED_ID;

describe('ACL xattr codec', () => {
  it('round-trips an ACL and sorts named entries by numeric id as libacl does', () => {
    const acl = [
      { tag: ACL_OTHER, perm: 4, id: U },
      { tag: ACL_USER, perm: 7, id: 1000 },
      { tag: ACL_USER_OBJ, perm: 6, id: U },
      { tag: ACL_USER, perm: 4, id: 2 },
      { tag: ACL_GROUP_OBJ, perm: 4, id: U },
      { tag: ACL_MASK, perm: 5, id: U },
      { tag: ACL_GROUP, perm: 1, id: 50 },
    ] as const;
    const decoded = decodeAclXattr(encodeAclXattr([...acl]));
    expect(decoded.map((e) => [e.tag, e.id])).toEqual([
      [ACL_USER_OBJ, U], [ACL_USER, 2], [ACL_USER, 1000], [ACL_GROUP_OBJ, U], [ACL_GROUP, 50], [ACL_MASK, U], [ACL_OTHER, U],
    ]);
    expect(aclProblem(decoded)).toBeNull();
    expect(modeBitsOfAcl(decoded)).toBe(0o654);
  });

  it('refuses a blob of the wrong size or version', () => {
    expect(() => decodeAclXattr(Buffer.alloc(7))).toThrow(/4 \+ 8n/);
    const wrong = Buffer.alloc(4);
    wrong.writeUInt32LE(1, 0);
    expect(() => decodeAclXattr(wrong)).toThrow(/version 1/);
  });

  it('names what makes an ACL invalid', () => {
    expect(aclProblem([{ tag: ACL_USER_OBJ, perm: 7, id: U }, { tag: ACL_OTHER, perm: 0, id: U }])).toBe('missing group:: entry');
    expect(aclProblem([
      { tag: ACL_USER_OBJ, perm: 7, id: U }, { tag: ACL_USER, perm: 7, id: 5 }, { tag: ACL_GROUP_OBJ, perm: 7, id: U }, { tag: ACL_OTHER, perm: 0, id: U },
    ])).toBe('named entries without a mask:: entry');
  });
});
