// Compares two sides, each an array of encoded records sorted by key, into typed changes
// in sorted order: modified (each field with before and after), missing (only in BEFORE),
// extra (only in AFTER).

import { decodeRecord, extendedEntries, keyOf, type DiffRecord } from './diff-record.js';

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

export function compareRecords(before: DiffRecord, after: DiffRecord, ignore: ReadonlySet<DiffField>): FieldChange[] {
  const fields: FieldChange[] = [];
  const add = (field: DiffField, b: string, a: string): void => {
    if (!ignore.has(field) && b !== a) fields.push({ field, before: b, after: a });
  };
  add('owner', before.owner, after.owner);
  add('group', before.group, after.group);
  add('mode', before.mode, after.mode);
  add('acl', aclValue(extendedEntries(before.acl)), aclValue(extendedEntries(after.acl)));
  add('default-acl', aclValue(before.defaultAcl), aclValue(after.defaultAcl));
  if (before.capability !== null && after.capability !== null) add('capability', before.capability || 'none', after.capability || 'none');
  return fields;
}

/** Merges two key-sorted record arrays. Records whose whole text is equal are equal. */
export function* diffRecords(before: readonly string[], after: readonly string[], ignore: ReadonlySet<DiffField>): Generator<DiffChange> {
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const b = before[i];
    const a = after[j];
    const kb = b === undefined ? null : keyOf(b);
    const ka = a === undefined ? null : keyOf(a);
    if (ka === null || (kb !== null && kb < ka)) {
      const rec = decodeRecord(b as string);
      yield { kind: 'missing', path: rec.path, before: rec };
      i++;
    } else if (kb === null || ka < kb) {
      const rec = decodeRecord(a as string);
      yield { kind: 'extra', path: rec.path, after: rec };
      j++;
    } else {
      if (a !== b) {
        const rb = decodeRecord(b as string);
        const ra = decodeRecord(a as string);
        const fields = compareRecords(rb, ra, ignore);
        if (fields.length > 0) yield { kind: 'modified', path: rb.path, fields, before: rb, after: ra };
      }
      i++;
      j++;
    }
  }
}
