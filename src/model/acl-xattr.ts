// The kernel's binary form of an ACL (system.posix_acl_access / _default xattrs):
// little-endian u32 version 2, then 8-byte entries (u16 tag, u16 perm, u32 id).

import { ACL_GROUP, ACL_TAGS, ACL_UNDEFINED_ID, ACL_USER, sortAcl, type Acl, type AclTag } from './acl.js';

/** The xattrs that hold a file's access ACL and a directory's default ACL. */
export const XATTR_ACL_ACCESS = 'system.posix_acl_access';
export const XATTR_ACL_DEFAULT = 'system.posix_acl_default';

const ACL_XATTR_VERSION = 2;

/** Decodes and sorts as libacl does; throws on a blob the kernel would not have written. */
export function decodeAclXattr(buf: Uint8Array): Acl {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.length < 4 || (view.length - 4) % 8 !== 0) {
    throw new Error(`ACL xattr of ${view.length} bytes, expected 4 + 8n bytes`);
  }
  const version = view.readUInt32LE(0);
  if (version !== ACL_XATTR_VERSION) throw new Error(`ACL xattr version ${version}, expected 2`);
  const acl: Acl = [];
  for (let o = 4; o < view.length; o += 8) {
    const tag = view.readUInt16LE(o);
    if (!ACL_TAGS.has(tag)) throw new Error(`ACL xattr entry with unknown tag 0x${tag.toString(16)}`);
    const id = view.readUInt32LE(o + 4);
    acl.push({ tag: tag as AclTag, perm: view.readUInt16LE(o + 2) & 7, id: tag === ACL_USER || tag === ACL_GROUP ? id : ACL_UNDEFINED_ID });
  }
  return sortAcl(acl);
}

/** Encodes in the kernel's required order (the kernel does not sort named entries). */
export function encodeAclXattr(acl: Acl): Buffer {
  const sorted = sortAcl(acl);
  const buf = Buffer.alloc(4 + 8 * sorted.length);
  buf.writeUInt32LE(ACL_XATTR_VERSION, 0);
  sorted.forEach((e, i) => {
    const o = 4 + 8 * i;
    buf.writeUInt16LE(e.tag, o);
    buf.writeUInt16LE(e.perm & 7, o + 2);
    buf.writeUInt32LE(e.tag === ACL_USER || e.tag === ACL_GROUP ? e.id : ACL_UNDEFINED_ID, o + 4);
  });
  return buf;
}
