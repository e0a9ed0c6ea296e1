// The descriptors a chunk of restore's paths holds from planning to applying: the O_PATH
// descriptor of each file it pinned.

import { closeDescriptor } from '../platform/safe-ops.js';

export class ChunkDescriptors {
  private readonly held: number[] = [];

  /** Keeps `fd` until closeAll(); returns it. */
  hold(fd: number): number {
    this.held.push(fd);
    return fd;
  }

  closeAll(): void {
    for (const fd of this.held) closeDescriptor(fd);
    this.held.length = 0;
  }
}
