// The paths with work between restore's two passes: the packed pieces the first pass gave
// (packed-items.ts) kept as they are, with each path's root and relative path as columns
// for ordering and chunking (target-path.ts); a chunk is packed for its worker by copying.
// Unpacked into WorkItems (three objects a path), a damaged 132k-path tree kept the main
// thread 150 ms or more in allocation and garbage collection while both workers waited,
// and the main thread's heap held them all through the second pass.

import { objectList } from '../platform/object-list.js';
import { indexAdded, isDirectoryOnly, ItemPacker, Repacker, rootNumber, type Extra, type PackedColumns, type PackedItems, type PackedPiece } from './packed-items.js';
import type { PathColumns, TargetPath } from './target-path.js';
import type { WorkItem } from './work-item.js';

/**
 * A packed piece with its relative paths split out, which the first pass in pieces does as
 * each piece comes, while the workers go on with theirs (done for all at the end, listing
 * the 170k paths of a damaged /usr copy kept both workers waiting 31-100 ms).
 */
export interface ListedPiece {
  packed: PackedColumns;
  relatives: readonly string[];
}

/** A piece's packed items, as a worker hands them over, listed. */
export function listPiece(packed: PackedPiece): ListedPiece {
  // ''.split() would give one path
  if (packed.numbers.length === 0) return { packed, relatives: [] };
  const { buffer, byteOffset, length } = packed.relativeBytes;
  return { packed, relatives: Buffer.from(buffer, byteOffset, length).toString('latin1').split('\0') };
}

export class WorkList implements PathColumns {
  /** The paths, in the order of the pieces (file order): root, relative path, and where each is packed. */
  readonly rootIds: Int32Array;
  readonly roots = objectList<string>();
  readonly relatives: string[];
  private readonly pieces: readonly PackedColumns[];
  private readonly pieceOf: Int32Array;
  private readonly indexIn: Int32Array;
  /** Per piece, its extras by index (null: none, as for most pieces). */
  private readonly extras: (Map<number, Extra> | null)[];

  constructor(listed: readonly ListedPiece[]) {
    this.pieces = listed.map((l) => l.packed);
    this.extras = this.pieces.map((p) => (p.extras.length === 0 ? null : new Map(p.extras.map((e) => [e[0], e]))));
    this.relatives = ([] as string[]).concat(...listed.map((l) => l.relatives));
    const count = this.relatives.length;
    this.rootIds = new Int32Array(count);
    this.pieceOf = new Int32Array(count);
    this.indexIn = new Int32Array(count);
    let at = 0;
    listed.forEach(({ packed, relatives }, piece) => {
      const rootIds = packed.roots.map((root) => indexAdded(this.roots, root));
      this.pieceOf.fill(piece, at, at + relatives.length);
      for (let i = 0; i < relatives.length; i++, at++) {
        this.rootIds[at] = rootIds[rootNumber(packed, i)] as number;
        this.indexIn[at] = i;
      }
    });
  }

  /** The items of the pass on one thread: their paths listed as they are (not joined, to be split again). */
  static ofItems(items: readonly WorkItem[]): WorkList {
    const packer = new ItemPacker(items.length);
    for (const item of items) packer.push(item);
    return new WorkList([{ packed: packer.packedPiece(), relatives: items.map((i) => i.target.relative) }]);
  }

  /** Where path `i` lands (shown in progress). */
  target(i: number): TargetPath {
    const target: TargetPath = { root: this.roots[this.rootIds[i] as number] as string, relative: this.relatives[i] as string };
    if (isDirectoryOnly(this.pieces[this.pieceOf[i] as number] as PackedColumns, this.indexIn[i] as number)) target.directory = true;
    return target;
  }

  /** Paths of this list, packed in the order given (a chunk, for its worker). */
  packed(paths: ArrayLike<number>): PackedItems {
    const packer = new Repacker(paths.length);
    for (let k = 0; k < paths.length; k++) {
      const i = paths[k] as number;
      const piece = this.pieceOf[i] as number;
      const index = this.indexIn[i] as number;
      packer.push(this.pieces[piece] as PackedColumns, index, this.relatives[i] as string, this.extras[piece]?.get(index));
    }
    return packer.packed();
  }
}
