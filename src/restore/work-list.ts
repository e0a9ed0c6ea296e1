// The paths with work between restore's two passes: the packed pieces the first pass gave
// (packed-items.ts) kept as they are, and one small WorkRef per path for ordering and
// chunking; a chunk is packed for its worker by copying. Unpacked into WorkItems (three
// objects a path), a damaged 132k-path tree kept the main thread 150 ms or more in
// allocation and garbage collection while both workers waited, and the main thread's heap
// held them all through the second pass.

import { ItemPacker, isDirectoryOnly, packItems, rootOf, type Extra, type PackedItems } from './packed-items.js';
import type { TargetPath } from './target-path.js';
import type { WorkItem } from './work-item.js';

/** A path of a WorkList: where it lands (it is its own target), and where its fields are. */
export class WorkRef implements TargetPath {
  constructor(
    readonly root: string,
    readonly relative: string,
    readonly piece: number,
    readonly index: number,
    readonly directory: true | undefined,
  ) {}

  get target(): TargetPath {
    return this;
  }
}

export class WorkList {
  /** The paths, in the order of the pieces (file order). */
  readonly refs: WorkRef[] = [];
  /** Per piece, its extras by index (null: none, as for most pieces). */
  private readonly extras: (Map<number, Extra> | null)[];

  constructor(private readonly pieces: readonly PackedItems[]) {
    this.extras = pieces.map((p) => (p.extras.length === 0 ? null : new Map(p.extras.map((e) => [e[0], e]))));
    pieces.forEach((packed, piece) => {
      if (packed.numbers.length === 0) return; // ''.split() would give one path
      packed.relatives.split('\0').forEach((relative, i) => {
        this.refs.push(new WorkRef(rootOf(packed, i), relative, piece, i, isDirectoryOnly(packed, i) ? true : undefined));
      });
    });
  }

  static ofItems(items: readonly WorkItem[]): WorkList {
    return new WorkList([packItems(items)]);
  }

  /** Paths of this list, packed in the order given (a chunk, for its worker). */
  packed(refs: readonly WorkRef[]): PackedItems {
    const packer = new ItemPacker(refs.length);
    for (const { piece, index, relative } of refs) {
      packer.pushPacked(this.pieces[piece] as PackedItems, index, relative, this.extras[piece]?.get(index));
    }
    return packer.packed();
  }
}
