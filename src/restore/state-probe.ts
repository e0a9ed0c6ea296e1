// A cheap, read-only look at a path's current state, so the paths that are already right
// (all of a healthy tree) are never opened. The parent directory is reached by O_PATH,
// no-follow opens beneath the root (cached: restore order keeps siblings together), then
// statx of the final name without following it, one listxattr, and only the xattrs present.
// Its answer is only used to skip: a path it finds different goes through the pinned
// descriptor (safe-ops.ts), which reads the state again before changing anything.

import { statAt, listXattrsAt } from '../platform/dir-fd.js';
import { closeDescriptor, openBeneath } from '../platform/safe-ops.js';
import type { SystemError } from '../platform/libc.js';
import { getXattr } from '../platform/xattr.js';
import { fileTypeOf } from '../model/mode.js';
import { stateOf, type FdState } from './fd-io.js';
import { shownTarget, type TargetPath } from './target-path.js';

export type Probe = { kind: 'state'; state: FdState } | { kind: 'missing' } | { kind: 'unknown' };

/** Open parent directories kept at once; restore order visits a directory's entries together. */
const CACHED_DIRECTORIES = 32;

export class StateProbe {
  private readonly directories = new Map<string, number>();

  /** rootFd: the descriptor of target.root. */
  probe(rootFd: number, target: TargetPath): Probe {
    if (target.relative === '') return { kind: 'unknown' };
    const slash = target.relative.lastIndexOf('/');
    const parent = slash < 0 ? '' : target.relative.slice(0, slash);
    const name = target.relative.slice(slash + 1);
    const shown = shownTarget(target);
    try {
      const dirfd = this.directory(rootFd, target.root, parent, shown);
      const st = statAt(dirfd, name, false, shown);
      const type = fileTypeOf(st.mode);
      // A symlink goes the careful way, to be refused and reported there.
      if (type === 'symlink') return { kind: 'unknown' };
      const present = listXattrsAt(dirfd, name, shown, false);
      return { kind: 'state', state: stateOf(st, type, false, present, (xattr) => getXattr(shown, xattr, false)) };
    } catch (err) {
      const code = (err as SystemError).code;
      return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'unknown' };
    }
  }

  close(): void {
    for (const fd of this.directories.values()) closeDescriptor(fd);
    this.directories.clear();
  }

  private directory(rootFd: number, root: string, parent: string, shown: string): number {
    const key = `${root}\0${parent}`;
    const cached = this.directories.get(key);
    if (cached !== undefined) return cached;
    const fd = openBeneath(rootFd, parent, shown);
    if (this.directories.size >= CACHED_DIRECTORIES) {
      const [oldestKey, oldestFd] = this.directories.entries().next().value as [string, number];
      this.directories.delete(oldestKey);
      closeDescriptor(oldestFd);
    }
    this.directories.set(key, fd);
    return fd;
  }
}
