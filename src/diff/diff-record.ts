// The compact form diff holds per path: one string of the comparable fields, so a
// million-entry side fits in memory, and equal entries compare as equal strings. Fields are
// separated by \0, which no path or name contains. sortKey() maps "/" to \x01 so that plain
// string order is contracts.md's sorted order ("a", "a/b", then "a-b").

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
const UNKNOWN = '\x02';

export function sortKey(path: string): string {
  return path.replaceAll('/', '\x01');
}

/** The comparable fields of an entry (everything but its path), as one string. */
export function encodeRecord(entry: Entry, names: boolean, capabilitiesKnown: boolean): string {
  const principal = (name: string | undefined, id: number): string => (names && name !== undefined ? name : String(id));
  const acl = (entry.acl ?? aclFromMode(entry.mode)).map((e) => entryText(e, { names }));
  const defaults = (entry.defaultAcl ?? []).map((e) => entryText(e, { names }));
  const capability = capabilitiesKnown ? (entry.capability ?? '') : UNKNOWN;
  return [
    principal(entry.owner, entry.uid),
    principal(entry.group, entry.gid),
    (entry.mode & 0o7777).toString(8).padStart(4, '0'),
    acl.join(LIST),
    defaults.join(LIST),
    capability,
  ].join(SEP);
}

/** The path diff matches entries by: the relative form (no leading "/" or "./"). */
export function matchPath(entry: Entry): string {
  return relativeForm(entry.path);
}

export function decodeRecord(path: string, record: string): DiffRecord {
  const [owner = '', group = '', mode = '', acl = '', defaults = '', capability = ''] = record.split(SEP);
  return {
    path,
    owner,
    group,
    mode,
    acl: acl === '' ? [] : acl.split(LIST),
    defaultAcl: defaults === '' ? [] : defaults.split(LIST),
    capability: capability === UNKNOWN ? null : capability,
  };
}

/** The same record, saying nothing of capabilities (a getfacl file does not). */
export function forgetCapability(record: string): string {
  return record.slice(0, record.lastIndexOf(SEP) + 1) + UNKNOWN;
}

/** The extended entries (named users, named groups, mask): the part of the ACL the mode does not say. */
export function extendedEntries(acl: readonly string[]): string[] {
  return acl.filter((text) => !/^(user|group|other)::/.test(text));
}
