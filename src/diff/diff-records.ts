// Compares two sides into typed changes: modified (each field with before and after),
// missing (only in BEFORE), extra (only in AFTER). BEFORE is held in a map by path and
// AFTER streams past it (a hash join: no sort of a million entries); only the changes are
// sorted, into contracts.md's order. The same path twice on a side: the last one wins.

import { decodeRecord, extendedEntries, sortKey, type DiffRecord } from './diff-record.js';

export type DiffField = 'owner' | 'group' | 'mode' | 'acl' | 'default-acl' | 'capability';
export const DIFF_FIELDS: readonly DiffField[] = ['owner', 'group', 'mode', 'acl', 'default-acl', 'capability'];

export interface FieldChange {
  field: DiffField;
  before: string;
  after: string;
}

export type DiffChange =
  | { kind: 'modified'; path: string; fields: FieldChange[]; before: DiffRecord; after: DiffRecord }
  | { kind: 'missing'; path: string; before: DiffRecord }
  | { kind: 'extra'; path: string; after: DiffRecord };

const aclValue = (entries: readonly string[]): string => (entries.length === 0 ? 'none' : entries.join(','));

/**
 * The same entries in any order: getfacl lists named entries by numeric id, so a snapshot from
 * a host where the names have other ids lists the same ACL in another order.
 */
function sameEntries(before: readonly string[], after: readonly string[]): boolean {
  if (before.length !== after.length) return false;
  if (before.every((e, i) => e === after[i])) return true;
  const sorted = (entries: readonly string[]): string => [...entries].sort().join('\n');
  return sorted(before) === sorted(after);
}

export function compareRecords(before: DiffRecord, after: DiffRecord, ignore: ReadonlySet<DiffField>): FieldChange[] {
  const fields: FieldChange[] = [];
  const add = (field: DiffField, b: string, a: string): void => {
    if (!ignore.has(field) && b !== a) fields.push({ field, before: b, after: a });
  };
  add('owner', before.owner, after.owner);
  add('group', before.group, after.group);
  add('mode', before.mode, after.mode);
  const addEntries = (field: DiffField, b: readonly string[], a: readonly string[]): void => {
    if (!ignore.has(field) && !sameEntries(b, a)) fields.push({ field, before: aclValue(b), after: aclValue(a) });
  };
  addEntries('acl', extendedEntries(before.acl), extendedEntries(after.acl));
  addEntries('default-acl', before.defaultAcl, after.defaultAcl);
  if (before.capability !== null && after.capability !== null) add('capability', before.capability || 'none', after.capability || 'none');
  return fields;
}

export class RecordDiff {
  /** AFTER's paths: null when equal to BEFORE, else both records (compared in finish()). */
  private readonly results = new Map<string, { previous: string | undefined; record: string } | null>();

  constructor(
    private readonly before: ReadonlyMap<string, string>,
    private readonly ignore: ReadonlySet<DiffField>,
  ) {}

  /** Whether AFTER has given this path already. */
  has(path: string): boolean {
    return this.results.has(path);
  }

  /** One AFTER entry (given again: the last one wins). */
  add(path: string, record: string): void {
    const previous = this.before.get(path);
    this.results.set(path, previous === record ? null : { previous, record });
  }

  /** All changes, in sorted order; capabilities compared only when both sides know them. */
  finish(compareCapabilities: boolean): DiffChange[] {
    // Not compared, but BEFORE keeps its capability: the getfacl report is BEFORE's blocks, and
    // with markers a block without `# capability:` tells restore to remove the file's one.
    const ignore = compareCapabilities ? this.ignore : new Set<DiffField>([...this.ignore, 'capability']);
    const changes: DiffChange[] = [];
    for (const [path, result] of this.results) {
      if (result === null) continue;
      const change = this.change(path, result.previous, result.record, ignore);
      if (change) changes.push(change);
    }
    for (const [path, record] of this.before) {
      if (!this.results.has(path)) changes.push({ kind: 'missing', path, before: decodeRecord(path, record) });
    }
    const keyed = changes.map((c) => ({ c, key: sortKey(c.path) }));
    keyed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    return keyed.map((k) => k.c);
  }

  private change(path: string, previous: string | undefined, record: string, ignore: ReadonlySet<DiffField>): DiffChange | null {
    const a = decodeRecord(path, record);
    if (previous === undefined) return { kind: 'extra', path, after: a };
    const b = decodeRecord(path, previous);
    const fields = compareRecords(b, a, ignore);
    return fields.length > 0 ? { kind: 'modified', path, fields, before: b, after: a } : null;
  }
}
