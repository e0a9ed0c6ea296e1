// The descriptors a chunk of restore's paths holds from planning to applying: the O_PATH
// descriptor of each file it pinned.

import { closeDescriptors } from '../platform/safe-ops.js';

export class ChunkDescriptors {
  private readonly held: number[] = [];

  /** Keeps `fd` until closeAll(); returns it. */
  hold(fd: number): number {
    this.held.push(fd);
    return fd;
  }

  closeAll(): void {
    closeDescriptors(this.held);
    this.held.length = 0;
  }
}
