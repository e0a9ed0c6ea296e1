// A member's ACLs and file capability from its PAX records, whichever way the archiver
// wrote them: ACL text (`SCHILY.acl.access` / `.default`: names, and ids in the star form),
// raw xattr values (GNU tar's `SCHILY.xattr.NAME`: the bytes as they are; libarchive's
// `LIBARCHIVE.xattr.NAME`: base64), or both.

import { aclProblem, ACL_GROUP, ACL_USER, isBaseAcl, modeBitsOfAcl, type Acl } from '../model/acl.js';
import { decodeAclXattr, XATTR_ACL_ACCESS, XATTR_ACL_DEFAULT } from '../model/acl-xattr.js';
import { decodeCapability, formatCapability, XATTR_CAPABILITY } from '../model/capability.js';
import { UNKNOWN_ID, type QualifiedAclEntry } from '../model/entry.js';
import { printableName } from '../model/printable-name.js';
import { parseAclText } from './acl-text.js';
import type { PaxRecords } from './pax-records.js';

export interface PaxMetadata {
  /** An extended access ACL; undefined when there is none (the mode says it all). */
  acl?: QualifiedAclEntry[];
  /**
   * The permission bits of an access ACL record that holds only user::, group:: and
   * other::. GNU tar and bsdtar both set it on extraction, over the header's mode.
   */
  baseAclBits?: number;
  defaultAcl?: QualifiedAclEntry[];
  /** getcap's text. */
  capability?: string;
}

export interface MetadataOptions {
  /** True: keep the archive's qualifier names. False (-n): every named entry needs its id. */
  names: boolean;
  /** For -n, when the archive has only a qualifier's name: its id on this host, or null. */
  idOfName(tag: typeof ACL_USER | typeof ACL_GROUP, name: string): number | null;
}

const XATTR_OF = { access: XATTR_ACL_ACCESS, default: XATTR_ACL_DEFAULT } as const;

/** Throws, with what is wrong, when a record holds no valid ACL or capability. */
export function readPaxMetadata(pax: PaxRecords, options: MetadataOptions): PaxMetadata {
  const metadata: PaxMetadata = {};
  const access = readAcl(pax, 'access', options);
  if (access !== undefined && !isBaseAcl(access)) metadata.acl = access;
  else if (access !== undefined) metadata.baseAclBits = modeBitsOfAcl(access);
  const defaultAcl = readAcl(pax, 'default', options);
  if (defaultAcl !== undefined && defaultAcl.length > 0) metadata.defaultAcl = defaultAcl;
  const capability = xattrValue(pax, XATTR_CAPABILITY);
  if (capability !== undefined) metadata.capability = formatCapability(decodeCapability(capability));
  return metadata;
}

/**
 * An xattr's value. libarchive's base64 record wins over the raw one (bsdtar writes both);
 * it URL-encodes unusual bytes in names, which the three names read here do not have.
 */
export function xattrValue(pax: PaxRecords, name: string): Buffer | undefined {
  const base64 = pax[`LIBARCHIVE.xattr.${name}`];
  if (base64 !== undefined) return Buffer.from(base64, 'base64');
  const raw = pax[`SCHILY.xattr.${name}`];
  return raw === undefined ? undefined : Buffer.from(raw, 'latin1');
}

function readAcl(pax: PaxRecords, which: 'access' | 'default', options: MetadataOptions): QualifiedAclEntry[] | undefined {
  const text = pax[`SCHILY.acl.${which}`];
  const blob = xattrValue(pax, XATTR_OF[which]);
  const raw = blob === undefined ? undefined : decodeAclXattr(blob);
  let entries: QualifiedAclEntry[];
  if (text !== undefined) {
    entries = parseAclText(text);
    if (raw) fillIdsFrom(entries, raw);
  } else if (raw) {
    entries = raw.map((e) => ({ ...e }));
  } else {
    return undefined;
  }
  if (!options.names) entries = entries.map((e) => withId(e, options));
  else entries = entries.map(withPrintableName);
  const problem = aclProblem(entries);
  if (problem !== null) throw new Error(`${which} ACL: ${problem}`);
  return canonicalOrder(entries);
}

/**
 * GNU tar's text has names only, its raw xattr ids only; both list named entries by ascending
 * id (libacl's order), so the n-th named user of one is the n-th of the other. Used only
 * when the two agree entry for entry. The raw id wins over a qualifier the text gave as
 * digits: that may be a name of digits (user "4242" of uid 7003), not the id.
 */
function fillIdsFrom(entries: QualifiedAclEntry[], raw: Acl): void {
  for (const tag of [ACL_USER, ACL_GROUP]) {
    const named = entries.filter((e) => e.tag === tag);
    const ids = raw.filter((e) => e.tag === tag);
    if (named.length !== ids.length || named.some((e, i) => e.perm !== ids[i]!.perm)) continue;
    named.forEach((e, i) => {
      e.id = ids[i]!.id;
    });
  }
}

/** An entry without a name of digits that are not its id's (bsdtar's `user:4242:r--:7003`): it would read back as that id. */
function withPrintableName(entry: QualifiedAclEntry): QualifiedAclEntry {
  if (entry.name === undefined || entry.id === UNKNOWN_ID || printableName(entry.name, entry.id) !== undefined) return entry;
  return { tag: entry.tag, perm: entry.perm, id: entry.id };
}

function withId(entry: QualifiedAclEntry, options: MetadataOptions): QualifiedAclEntry {
  if (entry.id !== UNKNOWN_ID || entry.name === undefined) return entry;
  const id = options.idOfName(entry.tag as typeof ACL_USER | typeof ACL_GROUP, entry.name);
  if (id === null) {
    const kind = entry.tag === ACL_USER ? 'user' : 'group';
    throw new Error(`the archive names ACL ${kind} "${entry.name}" without its id, and this host has no such ${kind} (-n needs ids)`);
  }
  return { ...entry, id };
}

/** getfacl's order: by tag, named entries by id; by tag only (text order) when some id is unknown. */
function canonicalOrder(entries: QualifiedAclEntry[]): QualifiedAclEntry[] {
  const idsKnown = entries.every((e) => e.id !== UNKNOWN_ID);
  return [...entries].sort((a, b) => a.tag - b.tag || (idsKnown ? a.id - b.id : 0));
}
