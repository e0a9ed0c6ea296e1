// The compact form diff holds per path: one string, so two million-entry sides fit in
// memory and sort fast. Its key maps "/" to \x01 so that plain string order is
// contracts.md's sorted order (a directory, then its contents, then "a-b" after "a/b").
// Fields are separated by \0, which no path or name contains.

import { aclFromMode } from '../model/acl.js';
import type { Entry } from '../model/entry.js';
import { entryText } from '../format/getfacl-printer.js';
import { relativeForm } from '../model/printed-path.js';

export interface DiffRecord {
  path: string;
  owner: string;
  group: string;
  /** Four octal digits, special bits included, group bits = mask. */
  mode: string;
  /** Every access ACL entry's text (getfacl's, without effective comments). */
  acl: string[];
  /** Default ACL entry texts; [] for none. */
  defaultAcl: string[];
  /** getcap text; '' for none; null when the source does not know capabilities. */
  capability: string | null;
}

const SEP = '\0';
const LIST = '\n';

export function sortKey(path: string): string {
  return path.replaceAll('/', '\x01');
}

/** names false: owners, groups and qualifiers as ids (names resolved by the caller). */
export function encodeRecord(entry: Entry, names: boolean, capabilitiesKnown: boolean): string {
  const principal = (name: string | undefined, id: number): string => (names && name !== undefined ? name : String(id));
  const acl = (entry.acl ?? aclFromMode(entry.mode)).map((e) => entryText(e, { names }));
  const defaults = (entry.defaultAcl ?? []).map((e) => entryText(e, { names }));
  const capability = capabilitiesKnown ? (entry.capability ?? '') : '\x02';
  return [
    sortKey(relativeForm(entry.path)),
    principal(entry.owner, entry.uid),
    principal(entry.group, entry.gid),
    (entry.mode & 0o7777).toString(8).padStart(4, '0'),
    acl.join(LIST),
    defaults.join(LIST),
    capability,
  ].join(SEP);
}

export function keyOf(record: string): string {
  const end = record.indexOf(SEP);
  return end < 0 ? record : record.slice(0, end);
}

export function decodeRecord(record: string): DiffRecord {
  const [key = '', owner = '', group = '', mode = '', acl = '', defaults = '', capability = ''] = record.split(SEP);
  return {
    path: key.replaceAll('\x01', '/'),
    owner,
    group,
    mode,
    acl: acl === '' ? [] : acl.split(LIST),
    defaultAcl: defaults === '' ? [] : defaults.split(LIST),
    capability: capability === '\x02' ? null : capability,
  };
}

/** The extended entries (named users, named groups, mask): the part of the ACL the mode does not say. */
export function extendedEntries(acl: readonly string[]): string[] {
  return acl.filter((text) => !/^(user|group|other)::/.test(text));
}
