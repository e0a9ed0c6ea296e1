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
  /** The paths, in the order of the pieces (file order): root, relative path, and where each is packed (columns with room to grow past relatives.length). */
  rootIds = new Int32Array(0);
  readonly roots = objectList<string>();
  readonly relatives: string[] = [];
  private readonly pieces: PackedColumns[] = [];
  private pieceOf = new Int32Array(0);
  private indexIn = new Int32Array(0);
  /** Per piece, its extras by index (null: none, as for most pieces). */
  private readonly extras: (Map<number, Extra> | null)[] = [];

  /**
   * The pieces' paths, in the order given; more can be added. The first pass in pieces adds
   * each piece once those before it are in, while the workers go on: listed at the end, the
   * 170k paths of a damaged /usr copy kept both workers waiting 4-17 ms.
   */
  constructor(listed: readonly ListedPiece[] = []) {
    for (const piece of listed) this.add(piece);
  }

  /** Adds a piece's paths after those added; returns the numbers its roots have in `roots`, by its own root numbers. */
  add({ packed, relatives }: ListedPiece): number[] {
    const piece = this.pieces.length;
    this.pieces.push(packed);
    this.extras.push(packed.extras.length === 0 ? null : new Map(packed.extras.map((e) => [e[0], e])));
    const rootIds = packed.roots.map((root) => indexAdded(this.roots, root));
    const at = this.relatives.length;
    this.makeRoom(at + relatives.length);
    for (let i = 0; i < relatives.length; i++) {
      this.relatives.push(relatives[i] as string);
      this.rootIds[at + i] = rootIds[rootNumber(packed, i)] as number;
      this.pieceOf[at + i] = piece;
      this.indexIn[at + i] = i;
    }
    return rootIds;
  }

  private makeRoom(count: number): void {
    if (count <= this.rootIds.length) return;
    const room = Math.max(count, 2 * this.rootIds.length);
    const grown = (column: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const bigger = new Int32Array(room);
      bigger.set(column);
      return bigger;
    };
    this.rootIds = grown(this.rootIds);
    this.pieceOf = grown(this.pieceOf);
    this.indexIn = grown(this.indexIn);
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
