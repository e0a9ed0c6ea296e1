// Compares two sides into typed changes: modified (each field with before and after),
// missing (only in BEFORE), extra (only in AFTER). BEFORE is held in a map by path and
// AFTER streams past it (a hash join: no sort of a million entries); records are interned,
// so the map holds small numbers; only the changes are sorted, into contracts.md's order.
// The same path twice on a side: the last one wins.

import { decodeRecord, extendedEntries, SYMLINK_RECORD, type DiffRecord } from './diff-record.js';
import { ChangeColumns, type DiffChanges } from './diff-changes.js';
import { PathTable } from '../model/path-table.js';
import { readsAsId } from '../model/printable-name.js';
import { unquote } from '../format/quote.js';
import { gidOfName, uidOfName } from '../platform/nss.js';
import type { PermissionField } from '../model/field.js';

export interface FieldChange {
  field: PermissionField;
  before: string;
  after: string;
}

export type DiffChange =
  | { kind: 'modified'; path: string; fields: FieldChange[]; before: DiffRecord; after: DiffRecord }
  | { kind: 'missing'; path: string; before: DiffRecord }
  | { kind: 'extra'; path: string; after: DiffRecord };

/** An ACL as a field's value: its entries in getfacl's order whatever order the snapshot wrote them in (a hand-edited one), so that both sides line up. */
const aclValue = (entries: readonly string[]): string => (entries.length === 0 ? 'none' : inTagOrder(entries).join(','));

const TAG_RANKS: ReadonlyArray<[string, number]> = [['user::', 0], ['user:', 1], ['group::', 2], ['group:', 3], ['mask:', 4], ['other:', 5]];

/** user::, named users, group::, named groups, mask, other; entries of one tag in the order the snapshot lists them (getfacl's: by id). */
function inTagOrder(entries: readonly string[]): readonly string[] {
  const rank = (text: string): number => TAG_RANKS.find(([prefix]) => text.startsWith(prefix))?.[1] ?? TAG_RANKS.length;
  return entries.every((text, i) => i === 0 || rank(entries[i - 1] as string) <= rank(text)) ? entries : [...entries].sort((a, b) => rank(a) - rank(b));
}

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

/**
 * The root of the comparison ("."): compared when both sides have it, never missing or
 * extra. A live tree always has it; a .deb baseline never does (dpkg never sets the
 * directory it installs into), nor a tar made of `*`.
 */
const ROOT = '.';

/** A named ACL entry's text: tag, qualifier, permissions. */
const NAMED_ENTRY = /^(user|group):([^:]+):(.*)$/;

/** How one side's names become ids where the other side has none (this host's NSS by default). */
export interface IdsOfNames {
  uid(name: string): number | null;
  gid(name: string): number | null;
}

const nssIds: IdsOfNames = { uid: uidOfName, gid: gidOfName };

/**
 * Whether two owners (or groups) are the same: names are compared as names, but where one
 * side has no name (getfacl -n, an undo journal: an all-digit value is an id), as ids, the
 * other side's name resolved through this host (contracts.md, "Names and ids").
 */
function samePrincipal(b: string, a: string, idOf: (name: string) => number | null): boolean {
  if (b === a || b === '' || a === '') return true; // '': the side does not say (a block without the line)
  const bIsId = readsAsId(b);
  if (bIsId === readsAsId(a)) return false;
  const id = bIsId ? idOf(a) : idOf(b);
  return id !== null && id === Number(bIsId ? b : a);
}

/** ACL entries with every named qualifier as its id, where one resolves: for a side compared with one that has ids. */
function entriesById(entries: readonly string[], ids: IdsOfNames): string[] {
  return entries.map((text) => {
    const m = NAMED_ENTRY.exec(text);
    if (m === null || readsAsId(m[2] as string)) return text;
    // The entry's text as printed: a name with a space or a comma in it is quoted there.
    const name = unquote(m[2] as string);
    const id = m[1] === 'user' ? ids.uid(name) : ids.gid(name);
    return id === null ? text : `${m[1]}:${id}:${m[3]}`;
  });
}

const hasIdQualifier = (entries: readonly string[]): boolean => entries.some((text) => readsAsId(NAMED_ENTRY.exec(text)?.[2] ?? ''));

export function compareRecords(before: DiffRecord, after: DiffRecord, ignore: ReadonlySet<PermissionField>, ids: IdsOfNames = nssIds): FieldChange[] {
  const fields: FieldChange[] = [];
  const add = (field: PermissionField, b: string, a: string): void => {
    if (!ignore.has(field) && b !== a) fields.push({ field, before: b, after: a });
  };
  const addPrincipal = (field: PermissionField, b: string, a: string, idOf: (name: string) => number | null): void => {
    if (!ignore.has(field) && !samePrincipal(b, a, idOf)) fields.push({ field, before: b, after: a });
  };
  addPrincipal('owner', before.owner, after.owner, (name) => ids.uid(name));
  addPrincipal('group', before.group, after.group, (name) => ids.gid(name));
  add('mode', before.mode, after.mode);
  const addEntries = (field: PermissionField, b: readonly string[], a: readonly string[]): void => {
    if (ignore.has(field) || sameEntries(b, a)) return;
    // A side with ids for qualifiers: the other side's names are compared as their ids.
    if ((hasIdQualifier(b) || hasIdQualifier(a)) && sameEntries(entriesById(b, ids), entriesById(a, ids))) return;
    fields.push({ field, before: aclValue(b), after: aclValue(a) });
  };
  addEntries('acl', extendedEntries(before.acl), extendedEntries(after.acl));
  addEntries('default-acl', before.defaultAcl, after.defaultAcl);
  if (before.capability !== null && after.capability !== null) add('capability', before.capability || 'none', after.capability || 'none');
  return fields;
}

/** What a comparison found: its changes; the paths on both sides; whether BEFORE alone has the root (no path compared). */
export interface FinishedDiff {
  changes: DiffChanges;
  common: number;
  rootBeforeOnly: boolean;
}

/** Distinct records, numbered: most entries share one of a few thousand. */
class RecordTable {
  private readonly ids = new Map<string, number>();
  private readonly records: string[] = [];

  id(record: string): number {
    let id = this.ids.get(record);
    if (id === undefined) {
      id = this.records.length;
      this.ids.set(record, id);
      this.records.push(record);
    }
    return id;
  }

  record(id: number): string {
    return this.records[id] as string;
  }
}

/** Numbers by index, growing as needed (no GC work for a million of them). */
class IdColumn {
  private values = new Int32Array(1 << 16);

  get(i: number): number {
    return this.values[i] as number;
  }

  set(i: number, value: number): void {
    if (i >= this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[i] = value;
  }
}

export class RecordDiff {
  // BEFORE's paths are numbered (slots); a slot holds BEFORE's record id and, once AFTER
  // gives the path, AFTER's (plus one: 0 means not yet). One hash lookup per entry, and
  // nothing of AFTER kept for the paths that are equal: they die young.
  private readonly table = new RecordTable();
  private readonly before = new PathTable();
  private readonly beforeIds = new IdColumn();
  private readonly afterIds = new IdColumn();
  private readonly extra = new Map<string, number>();

  constructor(private readonly ignore: ReadonlySet<PermissionField>) {}

  /** BEFORE's paths that are symlinks (known once finish() has run). */
  private symlinksBefore = 0;

  /** Paths BEFORE gave, but for those that are symlinks (once finish() has run). */
  get beforePaths(): number {
    return this.before.size - this.symlinksBefore;
  }

  /** The number of a record (the same for equal records): what addBefore() and addAfter() take. */
  recordId(record: string): number {
    return this.table.id(record);
  }

  /** One BEFORE entry (hash: pathHash(path)); true when BEFORE gave the path already (the last one wins). */
  addBefore(path: string, recordId: number, hash: number): boolean {
    const added = this.before.add(path, hash);
    const slot = added < 0 ? -1 - added : added;
    this.beforeIds.set(slot, recordId);
    this.afterIds.set(slot, 0);
    return added < 0;
  }

  /** One AFTER entry, after all of BEFORE (as addBefore); true when AFTER gave the path already (the last one wins). */
  addAfter(path: string, id: number, hash: number): boolean {
    const slot = this.before.find(path, hash);
    if (slot < 0) {
      const size = this.extra.size;
      this.extra.set(path, id);
      return this.extra.size === size;
    }
    const repeated = this.afterIds.get(slot) !== 0;
    this.afterIds.set(slot, id + 1);
    return repeated;
  }

  /** All changes, in sorted order; capabilities compared only when both sides know them. */
  finish(compareCapabilities: boolean): FinishedDiff {
    // Not compared, but BEFORE keeps its capability: the getfacl report is BEFORE's blocks, and
    // with markers a block without `# capability:` tells restore to remove the file's one.
    const ignore = compareCapabilities ? this.ignore : new Set<PermissionField>([...this.ignore, 'capability']);
    const changes = new ChangeColumns();
    let common = 0;
    let rootBeforeOnly = false;
    // A million paths share a few thousand records, and their changes a few thousand pairs
    // of records: each record is decoded once, each pair compared once (measured: decoding
    // and comparing per path was most of a diff in which 132k paths had changed).
    const decoded = new Map<number, DiffRecord>();
    const compared = new Map<number, Map<number, FieldChange[]>>();
    const decode = (id: number): DiffRecord => {
      let record = decoded.get(id);
      if (record === undefined) decoded.set(id, (record = decodeRecord(this.table.record(id))));
      return record;
    };
    const fieldsOf = (b: DiffRecord, beforeId: number, a: DiffRecord, afterId: number): FieldChange[] => {
      let byAfter = compared.get(beforeId);
      if (byAfter === undefined) compared.set(beforeId, (byAfter = new Map()));
      let fields = byAfter.get(afterId);
      if (fields === undefined) byAfter.set(afterId, (fields = compareRecords(b, a, ignore)));
      return fields;
    };
    // A path that is a symlink on a side is not on it: there is nothing of it to compare.
    const symlink = this.table.id(SYMLINK_RECORD);
    for (let slot = 0; slot < this.before.size; slot++) {
      const beforeId = this.beforeIds.get(slot);
      const after = this.afterIds.get(slot);
      const afterId = after === 0 || after - 1 === symlink ? null : after - 1;
      if (beforeId === symlink) {
        this.symlinksBefore++;
        if (afterId !== null) changes.extra(this.before.path(slot), decode(afterId));
        continue;
      }
      if (afterId === null) {
        const path = this.before.path(slot);
        if (path === ROOT) rootBeforeOnly = true;
        else changes.missing(path, decode(beforeId));
        continue;
      }
      common++;
      if (afterId === beforeId) continue;
      const b = decode(beforeId);
      const a = decode(afterId);
      const fields = fieldsOf(b, beforeId, a, afterId);
      if (fields.length > 0) changes.modified(this.before.path(slot), fields, b, a);
    }
    for (const [path, id] of this.extra) if (path !== ROOT && id !== symlink) changes.extra(path, decode(id));
    return { changes: changes.sorted(), common, rootBeforeOnly };
  }
}
