// Entries given to restore() as an iterable (a library caller's, built by hand, or
// readSnapshot's), checked as the first pass takes them, so before anything changes: a
// mode of NaN reached chmod as 0000, and 0o177777 as 7777, without a word. What the parser
// gives always passes; the checks cost a few comparisons an entry.

import { PermsnapError } from '../errors.js';
import type { ParsedEntry } from '../format/getfacl-parser.js';
import { parseCapabilityText } from '../model/capability.js';
import { aclProblem, ACL_TAGS, isNamed } from '../model/acl.js';
import { FILE_TYPES, UNKNOWN_ID, type QualifiedAclEntry } from '../model/entry.js';
import type { RestoreEntries } from './look-all.js';

const FILE_TYPE_SET: ReadonlySet<string> = new Set(FILE_TYPES);

/** The entries as given, each checked; the first that is not one restore can take is a usage error. */
export async function* checkedEntries(entries: RestoreEntries): AsyncGenerator<ParsedEntry | ParsedEntry[]> {
  let count = 0;
  // The parser shares one ACL array among blocks alike: each checked once.
  const checkedAcls = new WeakSet<object>();
  const check = (parsed: ParsedEntry): void => {
    count++;
    const problem = entryProblem(parsed, checkedAcls);
    if (problem === null) return;
    const path = typeof parsed?.entry?.path === 'string' ? ` (${JSON.stringify(parsed.entry.path)})` : '';
    throw new PermsnapError('USAGE', `input: entry ${count}${path}: ${problem}`);
  };
  for await (const got of entries) {
    if (Array.isArray(got)) got.forEach(check);
    else check(got);
    yield got;
  }
}

function entryProblem(parsed: ParsedEntry, checkedAcls: WeakSet<object>): string | null {
  const entry = (parsed as Partial<ParsedEntry> | null)?.entry;
  if (typeof entry !== 'object' || entry === null) return 'expected { entry, line } (as readSnapshot gives them)';
  if (typeof entry.path !== 'string' || entry.path === '') return 'path: expected a non-empty string';
  if (!FILE_TYPE_SET.has(entry.type)) return `type ${JSON.stringify(entry.type)}: expected one of ${FILE_TYPES.join(', ')}`;
  if (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0o7777) return `mode ${String(entry.mode)}: expected an integer from 0 to 0o7777 (permission and special bits)`;
  if (!isId(entry.uid)) return idProblem('uid', entry.uid);
  if (!isId(entry.gid)) return idProblem('gid', entry.gid);
  if (!isTextOrNothing(entry.owner)) return 'owner: expected a string or nothing';
  if (!isTextOrNothing(entry.group)) return 'group: expected a string or nothing';
  if (!isTextOrNothing(entry.capability)) return 'capability: expected a string or nothing';
  for (const key of ['acl', 'defaultAcl'] as const) {
    const acl = entry[key];
    if (acl === undefined || checkedAcls.has(acl)) continue;
    const problem = Array.isArray(acl) ? aclProblemOf(acl) : 'expected an array of ACL entries';
    if (problem !== null) return `${key}: ${problem}`;
    checkedAcls.add(acl);
  }
  if (entry.capability !== undefined) {
    try {
      parseCapabilityText(entry.capability);
    } catch (err) {
      return `capability: ${(err as Error).message}`;
    }
  }
  return null;
}

// Up to (uid_t)-1: getfacl prints it for an id a user namespace does not map, and restore
// reports it per path (wanted-state.ts).
const NO_ID = 0xffffffff;
const idProblem = (key: string, id: unknown): string => `${key} ${String(id)}: expected an integer from 0 to ${NO_ID}, or ${UNKNOWN_ID} (the name alone)`;
const isTextOrNothing = (value: unknown): boolean => value === undefined || typeof value === 'string';
const isId = (id: unknown): boolean => Number.isInteger(id) && ((id as number) === UNKNOWN_ID || ((id as number) >= 0 && (id as number) <= NO_ID));

function aclProblemOf(acl: readonly QualifiedAclEntry[]): string | null {
  for (const [i, e] of acl.entries()) {
    if (typeof e !== 'object' || e === null || !ACL_TAGS.has(e.tag)) return `entry ${i + 1}: tag ${String(e?.tag)}, expected 0x01, 0x02, 0x04, 0x08, 0x10 or 0x20`;
    if (!Number.isInteger(e.perm) || e.perm < 0 || e.perm > 7) return `entry ${i + 1}: perm ${String(e.perm)}, expected an integer from 0 to 7`;
    if (!Number.isInteger(e.id) || e.id < UNKNOWN_ID || e.id > NO_ID) return `entry ${i + 1}: id ${String(e.id)}, expected an integer`;
    if (e.name !== undefined && typeof e.name !== 'string') return `entry ${i + 1}: name, expected a string or nothing`;
    // Neither says whose it is: it was skipped, and the path counted correct with its ACL missing.
    if (isNamed(e) && e.id === UNKNOWN_ID && e.name === undefined) return `entry ${i + 1}: a named entry with neither an id nor a name`;
  }
  // One the kernel refuses (no other::, two masks, named entries without one) failed only
  // once the run was changing paths; an empty one or two user:: entries were skipped silently.
  const problem = aclProblem(acl);
  return problem === null ? null : `${problem}, expected user::, group:: and other:: once each, and a mask:: with named entries`;
}
