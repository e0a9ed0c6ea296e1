// ACLs and capabilities from a member's PAX records, whichever records the archiver wrote:
// GNU tar's names-only text, star/bsdtar's text with ids, raw xattr bytes, libarchive's
// base64 xattrs; the archive's names kept, ids found for -n.

import { describe, expect, it } from 'vitest';
import { readPaxMetadata, type MetadataOptions } from '../../src/archive/pax-metadata.js';
import { emptyPaxRecords, type PaxRecords } from '../../src/archive/pax-records.js';
import { ACL_GROUP, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER, ACL_UNDEFINED_ID, ACL_USER, ACL_USER_OBJ } from '../../src/model/acl.js';
import { encodeAclXattr } from '../../src/model/acl-xattr.js';
import { encodeCapability } from '../../src/model/capability.js';

const U = ACL_UNDEFINED_ID;
const RAW_ACL = encodeAclXattr([
  { tag: ACL_USER_OBJ, perm: 6, id: U },
  { tag: ACL_USER, perm: 7, id: 2 },
  { tag: ACL_USER, perm: 4, id: 4444 },
  { tag: ACL_GROUP_OBJ, perm: 4, id: U },
  { tag: ACL_GROUP, perm: 4, id: 1 },
  { tag: ACL_MASK, perm: 7, id: U },
  { tag: ACL_OTHER, perm: 4, id: U },
]);
const GNU_TEXT = 'user::rw-\nuser:bin:rwx\nuser:4444:r--\ngroup::r--\ngroup:daemon:r--\nmask::rwx\nother::r--\n';
const HOST: Record<string, number> = { bin: 2, daemon: 1 };

function records(entries: Record<string, string | Buffer>): PaxRecords {
  const pax = emptyPaxRecords();
  for (const [k, v] of Object.entries(entries)) pax[k] = typeof v === 'string' ? v : v.toString('latin1');
  return pax;
}

const names: MetadataOptions = { names: true, idOfName: () => null };
const ids = (host: Record<string, number> = HOST): MetadataOptions => ({ names: false, idOfName: (_tag, name) => host[name] ?? null });
const qualifiers = (acl: ReadonlyArray<{ id: number; name?: string }> | undefined): Array<[number, string | undefined]> =>
  (acl ?? []).map((e) => [e.id, e.name]);

describe('readPaxMetadata', () => {
  it('takes ids from GNU tar\'s raw xattr and names from its text when both are there', () => {
    const acl = readPaxMetadata(records({ 'SCHILY.acl.access': GNU_TEXT, 'SCHILY.xattr.system.posix_acl_access': RAW_ACL }), ids({})).acl;
    expect(qualifiers(acl)).toEqual([[U, undefined], [2, 'bin'], [4444, undefined], [U, undefined], [1, 'daemon'], [U, undefined], [U, undefined]]);
  });

  it('finds ids on this host for -n when the archive has names only, and says when it cannot', () => {
    expect(qualifiers(readPaxMetadata(records({ 'SCHILY.acl.access': GNU_TEXT }), ids()).acl).map(([id]) => id)).toEqual([U, 2, 4444, U, 1, U, U]);
    expect(() => readPaxMetadata(records({ 'SCHILY.acl.access': GNU_TEXT }), ids({ bin: 2 }))).toThrow(
      'the archive names ACL group "daemon" without its id, and this host has no such group (-n needs ids)',
    );
  });

  it('sorts bsdtar\'s entries into getfacl\'s order by id', () => {
    const text = 'user::rw-,group::r--,other::r--,user:zed:rwx:2000,user:amy:r--:1000,group:daemon:r--:1,mask::rwx';
    expect(qualifiers(readPaxMetadata(records({ 'SCHILY.acl.access': text }), names).acl)).toEqual([
      [U, undefined], [1000, 'amy'], [2000, 'zed'], [U, undefined], [1, 'daemon'], [U, undefined], [U, undefined],
    ]);
  });

  it('prints ids where the archive has only raw xattrs (no names in it)', () => {
    const acl = readPaxMetadata(records({ 'SCHILY.xattr.system.posix_acl_access': RAW_ACL }), names).acl;
    expect(qualifiers(acl).filter(([id]) => id !== U)).toEqual([[2, undefined], [4444, undefined], [1, undefined]]);
  });

  it('prefers libarchive\'s base64 xattr and decodes capabilities from either form', () => {
    const cap = encodeCapability({ permitted: 1n << 13n, inheritable: 0n, effective: true });
    expect(readPaxMetadata(records({ 'SCHILY.xattr.security.capability': cap }), names).capability).toBe('cap_net_raw=ep');
    const other = encodeCapability({ permitted: 1n, inheritable: 0n, effective: false });
    const both = records({ 'SCHILY.xattr.security.capability': other, 'LIBARCHIVE.xattr.security.capability': cap.toString('base64').replace(/=+$/, '') });
    expect(readPaxMetadata(both, names).capability).toBe('cap_net_raw=ep');
  });

  it('keeps a base-only access ACL as the mode bits it sets (no extended ACL) and a minimal default ACL', () => {
    const base = 'user::rwx\ngroup::r-x\nother::---\n';
    const metadata = readPaxMetadata(records({ 'SCHILY.acl.access': base, 'SCHILY.acl.default': base }), names);
    expect(metadata.acl).toBeUndefined();
    expect(metadata.baseAclBits).toBe(0o750);
    expect(metadata.defaultAcl).toHaveLength(3);
  });

  it('refuses an ACL without its base entries or a mask, and a capability of the wrong size', () => {
    expect(() => readPaxMetadata(records({ 'SCHILY.acl.access': 'user::rw-\nuser:bin:r--\nother::r--' }), names)).toThrow('access ACL: missing group:: entry');
    expect(() => readPaxMetadata(records({ 'SCHILY.acl.default': 'user::rw-,user:bin:r--:2,group::r--,other::r--' }), names)).toThrow(
      'default ACL: named entries without a mask:: entry',
    );
    expect(() => readPaxMetadata(records({ 'SCHILY.xattr.security.capability': Buffer.from([0, 0, 0, 2, 1]) }), names)).toThrow('security.capability');
  });
});
