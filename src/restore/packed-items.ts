// WorkItems packed to cross to a restore worker cheaply: structured cloning 130k small
// objects twice (look, then plan) cost the main thread about 0.45 s; as one string of paths
// and one Int32Array, with the rare ACLs and capabilities aside, it is a copy or two.

import type { Acl } from '../model/acl.js';
import { objectList } from '../platform/object-list.js';
import { asBuffer } from './restore-protocol.js';
import type { WantedState } from './path-state.js';
import type { TargetPath } from './target-path.js';
import type { WorkItem } from './work-item.js';

export interface PackedItems {
  roots: string[];
  /** The relative paths, joined by NUL (which no path holds: resolveTarget refuses one). */
  relatives: string;
  /**
   * Per item: root index, uid, gid, mode (NONE: leave alone; the high half holds
   * modeWithoutAcl with WITHOUT_ACL_SET when there is one), flags (FLAG_*).
   */
  numbers: Uint32Array;
  /** Items whose ACLs or capability are wanted set: [index, acl, defaultAcl, capability]. */
  extras: Extra[];
}

export type Extra = [index: number, acl: Acl | null, defaultAcl: Acl | null, capability: Uint8Array | null];

/** What of packed items says which they are and what they want: all but their paths. */
export type PackedColumns = Omit<PackedItems, 'relatives'>;

/**
 * Packed items as a first-pass piece answers with them: the relative paths as their bytes
 * (joined by NULs), in an ArrayBuffer of their own, handed over (transferred) with the
 * numbers' rather than copied. As a string, the 3.7 MB of paths of a damaged 54k-path piece
 * took its worker 10-25 ms to copy out and the main thread 11-15 ms to copy in, both
 * workers' time in effect on two cores.
 */
export interface PackedPiece extends PackedColumns {
  relativeBytes: Uint8Array;
}

/** The buffers a PackedPiece hands over with it. */
export function transferablesOf(piece: PackedPiece): ArrayBuffer[] {
  return [piece.relativeBytes.buffer as ArrayBuffer, piece.numbers.buffer as ArrayBuffer];
}

const FIELDS = 5;
// (uid_t)-1, which chown(2) itself reads as "leave alone".
const NONE = 0xffffffff;
const FLAG_DEFAULT_ACL_WANTED = 1;
const FLAG_PROBED = 2;
// The wanted ACL, default ACL or capability is undefined: left alone.
const FLAG_KEEP_ACL = 4;
const FLAG_KEEP_DEFAULT_ACL = 8;
const FLAG_KEEP_CAPABILITY = 16;
const FLAG_DIRECTORY = 32;
const FLAG_GROUP_BITS_NARROW_ONLY = 64;
const WITHOUT_ACL_SET = 0x8000;

function packMode(mode: number | null, withoutAcl: number | undefined): number {
  if (mode === null) return NONE;
  return withoutAcl === undefined ? mode : (mode | ((withoutAcl | WITHOUT_ACL_SET) << 16)) >>> 0;
}

/** Whether item `i` of `packed` was recorded with a trailing "/" (TargetPath.directory). */
export function isDirectoryOnly(packed: PackedColumns, i: number): boolean {
  return ((packed.numbers[i * FIELDS + 4] as number) & FLAG_DIRECTORY) !== 0;
}

/** The index in `packed.roots` of item `i`'s root. */
export function rootNumber(packed: PackedColumns, i: number): number {
  return packed.numbers[i * FIELDS] as number;
}

function rootOf(packed: PackedColumns, i: number): string {
  return packed.roots[rootNumber(packed, i)] as string;
}

export function packItems(items: readonly WorkItem[]): PackedItems {
  const packer = new ItemPacker(items.length);
  for (const item of items) packer.push(item);
  return packer.packed();
}

/**
 * Packs WorkItems one at a time, as they are found: a restore worker's first pass keeps no
 * WorkItem alive until its piece ends (on a damaged tree every path is one, and keeping
 * them made the worker's garbage collector copy them all). The paths are copied as their
 * bytes (paths are byte strings, one char a byte): a path cut from the parser's text keeps
 * all of that 64 KiB text alive as long as it is held, and a damaged 170k-path piece kept
 * its whole text so, for the garbage collector to copy.
 */
export class ItemPacker {
  private readonly roots = objectList<string>();
  private paths: Buffer;
  private pathBytes = 0;
  private count = 0;
  private readonly extras: PackedItems['extras'] = [];
  private numbers: Uint32Array;

  /**
   * Room for `expected` items to start with; when that is not enough, room for `most` at
   * once, if given: growing by doubling as a damaged piece's paths came cost its worker
   * 60-80 ms of copies and page faults, while room for the whole piece from the start slowed
   * a healthy restore, which has few paths with work, by 90 ms (the big buffers, made for
   * every piece, and the garbage collection their size brought on).
   */
  constructor(expected = 1024, private readonly most?: { items: number; pathBytes: number }) {
    this.numbers = new Uint32Array(Math.max(1, expected) * FIELDS);
    // Never from Buffer's shared pool: packedPiece() hands the whole ArrayBuffer over.
    this.paths = Buffer.allocUnsafeSlow(Math.max(1, expected) * 64);
  }

  push(item: WorkItem): void {
    const o = this.grow();
    const { wanted } = item;
    const root = indexAdded(this.roots, item.target.root);
    if (wanted.acl || wanted.defaultAcl || wanted.capability) this.extras.push([this.count, wanted.acl ?? null, wanted.defaultAcl ?? null, wanted.capability ?? null]);
    this.addPath(item.target.relative);
    const numbers = this.numbers;
    numbers[o] = root;
    numbers[o + 1] = wanted.uid ?? NONE;
    numbers[o + 2] = wanted.gid ?? NONE;
    numbers[o + 3] = packMode(wanted.mode, wanted.modeWithoutAcl);
    numbers[o + 4] = (item.wantsDefaultAcl ? FLAG_DEFAULT_ACL_WANTED : 0) | (item.probed ? FLAG_PROBED : 0)
      | (wanted.acl === undefined ? FLAG_KEEP_ACL : 0) | (wanted.defaultAcl === undefined ? FLAG_KEEP_DEFAULT_ACL : 0)
      | (wanted.capability === undefined ? FLAG_KEEP_CAPABILITY : 0) | (item.target.directory ? FLAG_DIRECTORY : 0)
      | (wanted.groupBitsNarrowOnly ? FLAG_GROUP_BITS_NARROW_ONLY : 0);
  }

  /** Where the next item's numbers go, room made for them. */
  private grow(): number {
    const o = this.count * FIELDS;
    if (o + FIELDS > this.numbers.length) {
      const bigger = new Uint32Array(Math.max(this.numbers.length * 2, (this.most?.items ?? 0) * FIELDS));
      bigger.set(this.numbers);
      this.numbers = bigger;
    }
    return o;
  }

  /** The path's bytes, after a NUL when it is not the first. */
  private addPath(relative: string): void {
    const needed = this.pathBytes + relative.length + 1;
    if (needed > this.paths.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(needed, this.paths.length * 2, this.most?.pathBytes ?? 0));
      this.paths.copy(bigger, 0, 0, this.pathBytes);
      this.paths = bigger;
    }
    const paths = this.paths;
    let at = this.pathBytes;
    if (this.count > 0) paths[at++] = 0;
    // A byte string: one char a byte. Buffer.write copies the bytes in place: 65 ns a /usr
    // path, where a loop over its chars took 180 (the parser's paths are slices of its text,
    // each char read through one more indirection).
    this.pathBytes = at + paths.write(relative, at, 'latin1');
    this.count++;
  }

  /** The items added so far, packed (their numbers in an array of their own size: a copy unless full). */
  packed(): PackedItems {
    const { relativeBytes, ...columns } = this.packedPiece();
    return { ...columns, relatives: this.paths.toString('latin1', 0, relativeBytes.length) };
  }

  /** The same, the paths as their bytes: the packer's own buffer, to be handed over (it packs no more). */
  packedPiece(): PackedPiece {
    const used = this.count * FIELDS;
    const numbers = used === this.numbers.length ? this.numbers : this.numbers.slice(0, used);
    return { roots: [...this.roots], relativeBytes: new Uint8Array(this.paths.buffer, this.paths.byteOffset, this.pathBytes), numbers, extras: [...this.extras] };
  }
}

/**
 * Items of packed pieces, picked one at a time and packed again as they stand (a chunk of a
 * WorkList, for its worker). The paths, which the WorkList holds as strings, are joined:
 * copied a byte at a time into a buffer, as ItemPacker copies them, the 170k paths of a
 * damaged /usr copy took as long or a little longer (110 ms against 100, 5 runs).
 */
export class Repacker {
  private readonly roots = objectList<string>();
  private readonly relatives: string[];
  private readonly numbers: Uint32Array;
  private readonly extras: Extra[] = [];
  private count = 0;

  constructor(size: number) {
    this.relatives = new Array<string>(size);
    this.numbers = new Uint32Array(size * FIELDS);
  }

  /** Item `i` of `from`, its relative path given (the caller splits `from`'s paths once) and its extra, if any. */
  push(from: PackedColumns, i: number, relative: string, extra: Extra | undefined): void {
    const o = this.count * FIELDS;
    const numbers = this.numbers;
    numbers[o] = indexAdded(this.roots, rootOf(from, i));
    for (let k = 1; k < FIELDS; k++) numbers[o + k] = from.numbers[i * FIELDS + k] as number;
    if (extra !== undefined) this.extras.push([this.count, extra[1], extra[2], extra[3]]);
    this.relatives[this.count++] = relative;
  }

  /** The items pushed: as many as the size given. */
  packed(): PackedItems {
    return { roots: this.roots, relatives: this.relatives.join('\0'), numbers: this.numbers, extras: this.extras };
  }
}

/** The index of `value` in `list`, added at the end if not there. */
export function indexAdded(list: string[], value: string): number {
  const at = list.indexOf(value);
  return at >= 0 ? at : list.push(value) - 1;
}

export function unpackItems(packed: PackedItems): WorkItem[] {
  const { roots, numbers } = packed;
  if (numbers.length === 0) return []; // ''.split() would give one path
  const relatives = packed.relatives.split('\0');
  const items = new Array<WorkItem>(relatives.length);
  // No object spread and no closure per item: with them, 132k items took 52-76 ms to unpack
  // (each chunk is unpacked by the worker that plans it).
  for (let i = 0; i < relatives.length; i++) {
    const o = i * FIELDS;
    const flags = numbers[o + 4] as number;
    const uid = numbers[o + 1] as number;
    const gid = numbers[o + 2] as number;
    const mode = numbers[o + 3] as number;
    const target: TargetPath = { root: roots[numbers[o] as number] as string, relative: relatives[i] as string };
    if (flags & FLAG_DIRECTORY) target.directory = true;
    const wanted: WantedState = {
      uid: uid === NONE ? null : uid,
      gid: gid === NONE ? null : gid,
      mode: mode === NONE ? null : mode & 0xffff,
      acl: flags & FLAG_KEEP_ACL ? undefined : null,
      defaultAcl: flags & FLAG_KEEP_DEFAULT_ACL ? undefined : null,
      capability: flags & FLAG_KEEP_CAPABILITY ? undefined : null,
    };
    const withoutAcl = mode === NONE ? 0 : mode >>> 16;
    if (withoutAcl & WITHOUT_ACL_SET) wanted.modeWithoutAcl = withoutAcl & ~WITHOUT_ACL_SET;
    if (flags & FLAG_GROUP_BITS_NARROW_ONLY) wanted.groupBitsNarrowOnly = true;
    items[i] = { target, wantsDefaultAcl: (flags & FLAG_DEFAULT_ACL_WANTED) !== 0, probed: (flags & FLAG_PROBED) !== 0, wanted };
  }
  for (const [i, acl, defaultAcl, capability] of packed.extras) {
    const { wanted } = items[i] as WorkItem;
    if (acl) wanted.acl = acl;
    if (defaultAcl) wanted.defaultAcl = defaultAcl;
    if (capability) wanted.capability = asBuffer(capability);
  }
  return items;
}
