// The compact form diff holds per path: one string of the comparable fields, so a
// million-entry side fits in memory, and equal entries compare as equal strings. Fields are
// separated by \0, which no path or name contains. sortKey() maps "/" to \0 so that plain
// string order is contracts.md's sorted order ("a", "a/b", then "a-b").

import { aclFromMode } from '../model/acl.js';
import { formatCapability, parseCapabilityText } from '../model/capability.js';
import { UNKNOWN_ID, type Entry, type QualifiedAclEntry } from '../model/entry.js';
import { entryText } from '../format/getfacl-printer.js';
import { normalPath } from '../model/printed-path.js';

export interface DiffRecord {
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

/**
 * What a side gives for a path that is a symlink now (an archive's last member for it): no
 * record to compare, and an earlier member's is gone. No record of fields starts with \0.
 */
export const SYMLINK_RECORD = '\0symlink';

/** The comparable fields of an entry (everything but its path), as one string. */
export function encodeRecord(entry: Entry, names: boolean, capabilitiesKnown: boolean): string {
  // With ids (-n), a name this host does not know (no id) stays a name: as the id -1, two
  // different unknown names would compare as the same owner.
  const byName = (name: string | undefined, id: number): boolean => name !== undefined && (names || id === UNKNOWN_ID);
  // A block without `# owner:` (or `# group:`) says nothing of it: '' is not compared.
  const principal = (name: string | undefined, id: number): string =>
    byName(name, id) ? (name as string) : id === UNKNOWN_ID ? '' : String(id);
  const text = (e: QualifiedAclEntry): string => entryText(e, { names: byName(e.name, e.id) });
  const acl = (entry.acl ?? aclFromMode(entry.mode)).map(text);
  const defaults = (entry.defaultAcl ?? []).map(text);
  const capability = capabilitiesKnown ? canonicalCapability(entry.capability) : UNKNOWN;
  return [
    principal(entry.owner, entry.uid),
    principal(entry.group, entry.gid),
    (entry.mode & 0o7777).toString(8).padStart(4, '0'),
    acl.join(LIST),
    defaults.join(LIST),
    capability,
  ].join(SEP);
}

/** getcap's text of a capability: `cap_b+ep cap_a+ep` in a snapshot is the live `cap_a,cap_b=ep`. */
function canonicalCapability(text: string | undefined): string {
  return text === undefined ? '' : formatCapability(parseCapabilityText(text));
}

/** The path diff matches entries by: the relative form (no leading "/" or "./"). */
export function matchPath(entry: Entry): string {
  return normalPath(entry.path);
}

export function decodeRecord(record: string): DiffRecord {
  const [owner = '', group = '', mode = '', acl = '', defaults = '', capability = ''] = record.split(SEP);
  return {
    owner,
    group,
    mode,
    acl: acl === '' ? [] : acl.split(LIST),
    defaultAcl: defaults === '' ? [] : defaults.split(LIST),
    capability: capability === UNKNOWN ? null : capability,
  };
}

/**
 * The part of the ACL the mode does not say: the named users, named groups and the mask, and
 * then also group::, because with a mask the mode's group bits are the mask's, so a changed
 * group:: entry (setfacl -m g::rwx) would otherwise show nowhere.
 */
export function extendedEntries(acl: readonly string[]): string[] {
  const extended = acl.filter((text) => !/^(user|group|other)::/.test(text));
  return extended.length === 0 ? extended : acl.filter((text) => !/^(user|other)::/.test(text));
}
