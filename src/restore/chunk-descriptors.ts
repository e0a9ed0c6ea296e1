// The descriptors a chunk of restore's paths holds from planning to applying: its own
// descriptor of each directory its paths are in, and of each file pinned itself.

import { closeDescriptor, duplicateDirectory } from '../platform/safe-ops.js';
import type { DirectoryCache } from './directory-cache.js';

/**
 * What a chunk's pins hold from planning to applying: its own descriptor of each directory
 * its paths are in (the directory cache may close its own meanwhile, and the number be
 * reused), and the O_PATH descriptors of the inodes pinned themselves.
 */
export class ChunkDescriptors {
  private readonly directories = new Map<string, number>();
  private readonly inodes: number[] = [];

  directory(cache: DirectoryCache, root: string, parent: string, shown: string): number {
    const key = `${root}\0${parent}`;
    let fd = this.directories.get(key);
    if (fd === undefined) {
      fd = duplicateDirectory(cache.directory(root, parent, shown), shown);
      this.directories.set(key, fd);
    }
    return fd;
  }

  inode(fd: number): number {
    this.inodes.push(fd);
    return fd;
  }

  closeAll(): void {
    for (const fd of this.directories.values()) closeDescriptor(fd);
    for (const fd of this.inodes) closeDescriptor(fd);
    this.directories.clear();
    this.inodes.length = 0;
  }
}
