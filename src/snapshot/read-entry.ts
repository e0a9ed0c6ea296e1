// Turns a walked path and its stat into an Entry: reads the ACL and capability xattrs
// (only those llistxattr says exist: one call for the common file without any) and the
// owner and group names.

import { ACL_GROUP, ACL_USER, type Acl } from '../model/acl.js';
import { decodeAclXattr, XATTR_ACL_ACCESS, XATTR_ACL_DEFAULT } from '../model/acl-xattr.js';
import { decodeCapability, formatCapability, XATTR_CAPABILITY } from '../model/capability.js';
import type { Entry, QualifiedAclEntry } from '../model/entry.js';
import { fileTypeOf, PERMISSION_BITS } from '../model/mode.js';
import { listXattrsAt, type FileStat } from '../platform/dir-fd.js';
import { getXattr } from '../platform/xattr.js';
import type { Location } from '../walk/walk-tree.js';
import { groupName, userName } from '../platform/nss.js';
import { printableName } from '../model/printable-name.js';


export interface ReadOptions {
  /** Resolve names through NSS (false with -n). */
  names: boolean;
  /** Read the capability xattr (false with --compat, which never prints it). */
  capability: boolean;
  /**
   * Keep an owner or group name that is all digits but not its id's, as getfacl prints it
   * (--compat; JSON, which carries the id beside it); otherwise the id stands in for it
   * (printable-name.ts).
   */
  digitNames?: boolean;
  /** The same for ACL qualifiers (--compat only: an ACL entry's text, in JSON too, has no id beside it). */
  digitQualifiers?: boolean;
}

export function readEntry(path: string, st: FileStat, followed: boolean, at: Location, options: ReadOptions): Entry {
  const type = fileTypeOf(st.mode);
  const entry: Entry = { path, type, mode: st.mode & PERMISSION_BITS, uid: st.uid, gid: st.gid };
  if (options.names) {
    entry.owner = nameToPrint(userName(st.uid), st.uid, options.digitNames);
    entry.group = nameToPrint(groupName(st.gid), st.gid, options.digitNames);
  }
  const present = listXattrsAt(at.dirfd, at.name, path, followed);
  if (present.length === 0) return entry;
  if (present.includes(XATTR_ACL_ACCESS)) entry.acl = readAcl(path, XATTR_ACL_ACCESS, followed, options);
  if (type === 'dir' && present.includes(XATTR_ACL_DEFAULT)) {
    const acl = readAcl(path, XATTR_ACL_DEFAULT, followed, options);
    if (acl && acl.length > 0) entry.defaultAcl = acl;
  }
  if (options.capability && present.includes(XATTR_CAPABILITY)) {
    const raw = getXattr(path, XATTR_CAPABILITY, followed);
    if (raw) entry.capability = formatCapability(decodeCapability(raw));
  }
  return entry;
}

function readAcl(path: string, name: string, followed: boolean, options: ReadOptions): QualifiedAclEntry[] | undefined {
  const raw = getXattr(path, name, followed);
  return raw ? nameAcl(decodeAclXattr(raw), options) : undefined;
}

export function nameAcl(acl: Acl, options: Pick<ReadOptions, 'names' | 'digitQualifiers'>): QualifiedAclEntry[] {
  return acl.map((e) => {
    if (!options.names || (e.tag !== ACL_USER && e.tag !== ACL_GROUP)) return e;
    const name = nameToPrint(e.tag === ACL_USER ? userName(e.id) : groupName(e.id), e.id, options.digitQualifiers);
    return name === undefined ? e : { ...e, name };
  });
}

/** The name as it is with `keepDigits`, else as printable-name.ts has it (its id stands in for one read as a number). */
function nameToPrint(name: string | null, id: number, keepDigits: boolean | undefined): string | undefined {
  return keepDigits ? name ?? undefined : printableName(name, id);
}
