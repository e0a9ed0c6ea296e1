// Open descriptors of the directories restore works in, reached beneath their root without
// following any symlink (safe-ops.ts openBeneath), a few kept at once: restore order keeps
// a directory's entries together, so each directory is resolved about once per pass.

import { fileTypeOf } from '../model/mode.js';
import { statFd } from '../platform/dir-fd.js';
import { errno, systemError } from '../platform/libc.js';
import { closeDescriptor, openBeneath, openRoot } from '../platform/safe-ops.js';

const KEPT = 32;

export class DirectoryCache {
  private readonly roots = new Map<string, number>();
  private readonly directories = new Map<string, number>();

  /** The descriptor of a root, opened once for the whole run. */
  root(root: string): number {
    let fd = this.roots.get(root);
    if (fd === undefined) {
      fd = openRoot(root);
      this.roots.set(root, fd);
    }
    return fd;
  }

  /** The O_PATH descriptor of `relative` beneath `root` (a final symlink opened as itself). */
  directory(root: string, relative: string, shownPath: string): number {
    if (relative === '') return this.root(root);
    const key = `${root}\0${relative}`;
    const cached = this.directories.get(key);
    if (cached !== undefined) return cached;
    const fd = openBeneath(this.root(root), relative, shownPath);
    const type = fileTypeOf(statFd(fd, shownPath).mode);
    if (type !== 'dir') {
      closeDescriptor(fd);
      // A symlink where a directory should be is refused as openat2 refuses it (ELOOP).
      throw systemError('open', type === 'symlink' ? errno.ELOOP : errno.ENOTDIR, shownPath);
    }
    if (this.directories.size >= KEPT) {
      const [oldestKey, oldestFd] = this.directories.entries().next().value as [string, number];
      this.directories.delete(oldestKey);
      closeDescriptor(oldestFd);
    }
    this.directories.set(key, fd);
    return fd;
  }

  close(): void {
    for (const fd of this.directories.values()) closeDescriptor(fd);
    for (const fd of this.roots.values()) closeDescriptor(fd);
    this.directories.clear();
    this.roots.clear();
  }
}

/** A target's parent directory (relative to its root) and final name; "" for the root itself. */
export function splitParent(relative: string): { parent: string; name: string } {
  const slash = relative.lastIndexOf('/');
  return { parent: slash < 0 ? '' : relative.slice(0, slash), name: relative.slice(slash + 1) };
}
