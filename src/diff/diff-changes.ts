// A diff's changes in sorted order, held as columns and made into DiffChange objects only
// as they are read. A million-path diff can find a million changes: held as objects (with
// their sort keys), the garbage collector copied them twice on their way to the old
// generation, a third of the time a diff spent after reading its sides.

import { sortedOrder } from '../model/path-order.js';
import type { DiffRecord } from './diff-record.js';
import type { DiffChange, FieldChange } from './diff-records.js';
import type { DiffCounts } from './diff-report.js';

export type ChangeKind = DiffChange['kind'];

/** The changes as they are found, in any order; sorted() gives them in contracts.md's. */
export class ChangeColumns {
  readonly paths: string[] = [];
  readonly befores: (DiffRecord | null)[] = [];
  readonly afters: (DiffRecord | null)[] = [];
  readonly fields: (FieldChange[] | null)[] = [];

  modified(path: string, fields: FieldChange[], before: DiffRecord, after: DiffRecord): void {
    this.add(path, before, after, fields);
  }

  missing(path: string, before: DiffRecord): void {
    this.add(path, before, null, null);
  }

  extra(path: string, after: DiffRecord): void {
    this.add(path, null, after, null);
  }

  sorted(): DiffChanges {
    return new DiffChanges(this, sortedOrder(this.paths));
  }

  private add(path: string, before: DiffRecord | null, after: DiffRecord | null, fields: FieldChange[] | null): void {
    this.paths.push(path);
    this.befores.push(before);
    this.afters.push(after);
    this.fields.push(fields);
  }
}

export class DiffChanges implements Iterable<DiffChange> {
  constructor(
    private readonly columns: ChangeColumns,
    /** Indices into the columns, in the order the changes are read. */
    private readonly order: Int32Array,
  ) {}

  get length(): number {
    return this.order.length;
  }

  counts(): DiffCounts {
    const counts: DiffCounts = { modified: 0, missing: 0, extra: 0 };
    for (const i of this.order) counts[this.kind(i)]++;
    return counts;
  }

  /** The changes `drop` does not want, in the same order. */
  without(drop: (path: string, kind: ChangeKind) => boolean): DiffChanges {
    const kept = this.order.filter((i) => !drop(this.columns.paths[i] as string, this.kind(i)));
    return kept.length === this.order.length ? this : new DiffChanges(this.columns, kept);
  }

  /** The first `n` changes. */
  first(n: number): DiffChange[] {
    return Array.from(this.order.subarray(0, n), (i) => this.change(i));
  }

  *[Symbol.iterator](): Iterator<DiffChange> {
    for (const i of this.order) yield this.change(i);
  }

  private kind(i: number): ChangeKind {
    return this.columns.befores[i] === null ? 'extra' : this.columns.afters[i] === null ? 'missing' : 'modified';
  }

  private change(i: number): DiffChange {
    const { paths, befores, afters, fields } = this.columns;
    const path = paths[i] as string;
    const before = befores[i] as DiffRecord | null;
    const after = afters[i] as DiffRecord | null;
    if (before === null) return { kind: 'extra', path, after: after as DiffRecord };
    if (after === null) return { kind: 'missing', path, before };
    return { kind: 'modified', path, fields: fields[i] as FieldChange[], before, after };
  }
}
