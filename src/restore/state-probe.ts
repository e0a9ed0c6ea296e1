// A cheap, read-only look at a path's current state, so the paths that are already right
// (all of a healthy tree) are never opened: statx of the final name relative to its parent
// directory (directory-cache.ts) without following it, one listxattr, and only the xattrs
// present. Its answer is only used to skip: a path it finds different goes through the
// pinned descriptor (safe-ops.ts), which reads the state again before changing anything.

import { listXattrsAt, statAt } from '../platform/dir-fd.js';
import type { SystemError } from '../platform/libc.js';
import { getXattr } from '../platform/xattr.js';
import { fileTypeOf } from '../model/mode.js';
import { splitParent, type DirectoryCache } from './directory-cache.js';
import { stateOf, type FdState } from './fd-io.js';
import { shownTarget, type TargetPath } from './target-path.js';

export type Probe = { kind: 'state'; state: FdState } | { kind: 'missing' } | { kind: 'unknown' };

export function probeState(directories: DirectoryCache, target: TargetPath): Probe {
  if (target.relative === '') return { kind: 'unknown' };
  const { parent, name } = splitParent(target.relative);
  const shown = shownTarget(target);
  try {
    const dirfd = directories.directory(target.root, parent, shown);
    const st = statAt(dirfd, name, false, shown);
    const type = fileTypeOf(st.mode);
    // A symlink goes the careful way, to be refused and reported there.
    if (type === 'symlink') return { kind: 'unknown' };
    const present = listXattrsAt(dirfd, name, shown, false);
    return { kind: 'state', state: stateOf(st, type, false, present, (xattr) => getXattr(shown, xattr, false)) };
  } catch (err) {
    return (err as SystemError).code === 'ENOENT' ? { kind: 'missing' } : { kind: 'unknown' };
  }
}
