// One tar member as the Entry a live snapshot would have read for that file: mode with its
// special bits, ids and the archive's names, ACLs and capability. Symlinks are left out, as
// getfacl -R leaves out the symlinks it meets; a hard link gets its target's ACLs and
// capability, which tar stores only once, on the target.

import { modeBitsOfAcl } from '../model/acl.js';
import { SPECIAL_BITS } from '../model/mode.js';
import { printableName } from '../model/printable-name.js';
import { relativeForm } from '../model/printed-path.js';
import { MAX_FILE_ID, UNKNOWN_ID, type Entry, type FileType } from '../model/entry.js';
import { normalizeMemberPath } from './archive-path.js';
import { readPaxMetadata, type MetadataOptions, type PaxMetadata } from './pax-metadata.js';
import type { TarMember } from './tar-members.js';

export type Converted =
  | { kind: 'entry'; entry: Entry }
  /**
   * A symlink now (a symlink member, or a hard link to one): no block; what an earlier member
   * of the path gave is gone, but for a directory (`overDirectory`), which tar and dpkg keep.
   */
  | { kind: 'symlink'; path: string; overDirectory: boolean }
  | { kind: 'problem'; path: string; message: string };

const TYPES: Record<string, FileType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

export class MemberConverter {
  /**
   * What hard links need of the members they point to. Only members with an ACL or a
   * capability are kept: memory grows with those, not with the archive.
   */
  private readonly linkTargets = new Map<string, PaxMetadata>();
  /** Symlinks met: a hard link to one is a symlink too (GNU tar stores `ln -P link x` so). */
  private readonly symlinks = new Set<string>();
  /**
   * Directories met, and whether a member lies beneath: a symlink member cannot take the
   * place of one that holds something (tar fails, and dpkg keeps any directory); an empty
   * one tar removes for it.
   */
  private readonly directories = new Map<string, boolean>();

  constructor(private readonly options: MetadataOptions) {}

  convert(member: TarMember): Converted {
    // GNU tar's PAX sparse files keep their real name in a record of their own.
    const name = member.pax['GNU.sparse.name'] ?? member.name;
    const normalized = normalizeMemberPath(name);
    if ('problem' in normalized) return { kind: 'problem', path: name, message: `${normalized.problem}; left out` };
    const path = normalized.path;
    // Links name their target as tar extracts it ("./f", "f" and "/f" are one file).
    const key = relativeForm(path);
    // A member replaces what an earlier one of the same path was (tar -r, as tar extracts
    // it): what links to the path from here on links to this one.
    this.symlinks.delete(key);
    this.linkTargets.delete(key);
    const slash = key.lastIndexOf('/');
    const parent = slash < 0 ? '.' : key.slice(0, slash);
    if (this.directories.has(parent)) this.directories.set(parent, true);
    const linked = member.type === 'link' ? linkPath(member.linkname) : null;
    if (member.type === 'symlink' || (linked !== null && this.symlinks.has(linked))) {
      const overDirectory = this.directories.get(key) === true;
      if (!overDirectory) {
        this.symlinks.add(key);
        this.directories.delete(key);
      }
      return { kind: 'symlink', path, overDirectory };
    }
    if (member.type === 'directory') this.directories.set(key, this.directories.get(key) ?? false);
    else this.directories.delete(key);
    const type = member.type === 'link' ? 'file' : TYPES[member.type ?? ''];
    if (type === undefined) return { kind: 'problem', path, message: 'member of a type permsnap does not read (a GNU volume label, old-style sparse file or incremental dump?); left out' };

    let metadata: PaxMetadata;
    try {
      metadata = readPaxMetadata(member.pax, this.options);
    } catch (err) {
      return { kind: 'problem', path, message: `${(err as Error).message}; left out` };
    }
    if (member.type === 'link' && !hasAny(metadata)) metadata = (linked === null ? undefined : this.linkTargets.get(linked)) ?? metadata;
    else if (hasAny(metadata)) this.linkTargets.set(key, metadata);
    try {
      return { kind: 'entry', entry: toEntry(path, type, member, metadata, this.options.names) };
    } catch (err) {
      return { kind: 'problem', path, message: `${(err as Error).message}; left out` };
    }
  }
}

/**
 * What a path that is a symlink now gives (its last member a symlink, or a hard link to
 * one): no permissions of its own, as getfacl -R prints none, and what an earlier member of
 * the path gave is gone, as tar's extraction keeps the last member.
 */
export function symlinkEntry(path: string): Entry {
  return { path, type: 'symlink', mode: 0o777, uid: UNKNOWN_ID, gid: UNKNOWN_ID };
}

/** A hard link's target as the key of a member path, null when it names none. */
function linkPath(linkname: string | null): string | null {
  const target = linkname === null ? null : normalizeMemberPath(linkname);
  return target === null || 'problem' in target ? null : relativeForm(target.path);
}

function hasAny(metadata: PaxMetadata): boolean {
  return metadata.acl !== undefined || metadata.baseAclBits !== undefined || metadata.defaultAcl !== undefined || metadata.capability !== undefined;
}

function toEntry(path: string, type: FileType, member: TarMember, metadata: PaxMetadata, names: boolean): Entry {
  // tar-stream reads a field that is not octal as NaN (GNU tar refuses the archive).
  if (!Number.isSafeInteger(member.mode) || member.mode < 0 || Object.is(member.mode, -0)) throw new Error(`mode field (${fieldValue(member.mode, member.unreadable?.mode)}) is not an octal number`);
  let mode = member.mode & 0o7777;
  // An extended ACL's mask is the mode's group bits (getfacl reads both from the inode).
  // GNU tar stores st_mode, where that holds; bsdtar stores the group:: entry's bits instead.
  // A record of the base entries alone is applied too, as both tars apply it.
  const aclBits = metadata.acl ? modeBitsOfAcl(metadata.acl) : metadata.baseAclBits;
  if (aclBits !== undefined) mode = (mode & SPECIAL_BITS) | aclBits;
  // Large or non-ASCII names live in PAX records; an empty name means the archiver had none.
  const owner = member.pax.uname ?? member.uname;
  const group = member.pax.gname ?? member.gname;
  // An id field that is not a number is no id: with a name beside it, the name stands (tar's
  // extraction looks it up), and one unknown here is then a problem, never a misread id.
  const byName = (name: string, record: string | undefined, stored: string | undefined): boolean => names && name !== '' && record === undefined && stored !== undefined;
  const uid = byName(owner, member.pax.uid, member.unreadable?.uid) ? UNKNOWN_ID : idOf('uid', member.pax.uid, member.uid, member.unreadable?.uid);
  const gid = byName(group, member.pax.gid, member.unreadable?.gid) ? UNKNOWN_ID : idOf('gid', member.pax.gid, member.gid, member.unreadable?.gid);
  const entry: Entry = { path, type, mode, uid, gid };
  if (names) {
    // An all-digit name that is not the member's id would read back as another id.
    const ownerName = printableName(owner, entry.uid);
    const groupName = printableName(group, entry.gid);
    if (ownerName !== undefined) entry.owner = ownerName;
    if (groupName !== undefined) entry.group = groupName;
  }
  if (metadata.acl) entry.acl = metadata.acl;
  if (metadata.defaultAcl && type === 'dir') entry.defaultAcl = metadata.defaultAcl;
  if (metadata.capability !== undefined) entry.capability = metadata.capability;
  return entry;
}

/**
 * A PAX id record (ids past the header's 7 octal digits) over the header's field; an id
 * out of a file's range, or not a number, is refused (GNU tar refuses the archive): read
 * on, 2^32 would have been uid 0 on disk, a setuid file root's.
 */
function idOf(kind: 'uid' | 'gid', record: string | undefined, header: number, stored: string | undefined): number {
  if (record !== undefined) {
    if (!/^[0-9]{1,10}$/.test(record) || Number(record) > MAX_FILE_ID) throw new Error(`PAX ${kind} ${JSON.stringify(record)} is not an id from 0 to ${MAX_FILE_ID}`);
    return Number(record);
  }
  // A negative base-256 field reads as a negative number, -1 as -0.
  if (!Number.isSafeInteger(header) || header < 0 || Object.is(header, -0) || header > MAX_FILE_ID) throw new Error(`${kind} field (${fieldValue(header, stored)}) is not an id from 0 to ${MAX_FILE_ID}`);
  return header;
}

/** A numeric header field as tar-stream read it, for a message; `stored`: its text, when it is not a number. */
function fieldValue(n: number, stored: string | undefined): string {
  if (Number.isNaN(n)) return stored ?? 'not a number';
  return n < 0 || Object.is(n, -0) ? 'negative' : String(n);
}
