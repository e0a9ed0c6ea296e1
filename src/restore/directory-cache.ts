// Open descriptors of the directories restore works in, reached beneath their root without
// following any symlink (by name in a kept parent, else safe-ops.ts openBeneath from the
// root), a few kept at once: restore order keeps a directory's entries together, so each
// directory is resolved about once per pass. A kept directory that another process moves
// out of the root takes its subtree's changes with it while kept (README, "Safety").

import { fileTypeOf } from '../model/mode.js';
import { statFd } from '../platform/dir-fd.js';
import { errno, systemError, type SystemError } from '../platform/libc.js';
import { keptDirectories } from './descriptor-budget.js';
import { closeDescriptor, failedComponent, openBeneath, openDirectoryIn, openRoot } from '../platform/safe-ops.js';
import { lastSlash } from './target-path.js';

// Fewer under a low descriptor limit (descriptor-budget.ts).
const KEPT = keptDirectories();
// Directories found missing, the highest of each missing subtree: a missing subtree then
// costs a few failed opens, not one per path beneath it (each with an error object: 8 us).
const MISSING_KEPT = 4096;

export class DirectoryCache {
  private readonly roots = new Map<string, number>();
  private readonly directories = new Map<string, number>();
  /** Per root, directories found missing. */
  private readonly missing = new Map<string, MissingDirectories>();
  // The directory asked for last: consecutive paths nearly always share one, and finding it
  // again by a joined key cost restore's look 1-2 us a path. Dropped when a missing directory
  // is found (which may be its ancestor), and on close. (Letting a kept directory go makes
  // room for a new one, which becomes the last at once.)
  private last: { root: string; relative: string; fd: number } | null = null;

  /** The descriptor of a root, opened once for the whole run. */
  root(root: string): number {
    let fd = this.roots.get(root);
    if (fd === undefined) {
      fd = openRoot(root);
      this.roots.set(root, fd);
    }
    return fd;
  }

  /** The O_PATH descriptor of the directory `relative` beneath `root`; anything else refused (a symlink with ELOOP). */
  directory(root: string, relative: string, shownPath: string): number {
    if (relative === '') return this.root(root);
    const last = this.lastIf(root, relative);
    if (last !== null) return last;
    const fd = this.kept(root, relative, shownPath);
    this.last = { root, relative, fd };
    return fd;
  }

  private kept(root: string, relative: string, shownPath: string): number {
    const key = `${root}\0${relative}`;
    const cached = this.directories.get(key);
    if (cached !== undefined) return cached;
    const fd = this.open(root, relative, shownPath);
    if (this.directories.size >= KEPT) {
      const [oldestKey, oldestFd] = this.directories.entries().next().value as [string, number];
      this.directories.delete(oldestKey);
      closeDescriptor(oldestFd);
    }
    this.directories.set(key, fd);
    return fd;
  }

  /**
   * Opens a directory not kept: by its name in its parent when that is kept (one component:
   * a whole path walked again from the root cost restore's look 120 ms a worker on a /usr
   * copy), the parent then kept longer; else from the root.
   */
  private open(root: string, relative: string, shownPath: string): number {
    const { parent, name } = splitParent(relative);
    const parentFd = parent === '' ? this.root(root) : this.keptLonger(`${root}\0${parent}`);
    if (parentFd !== undefined) return openDirectoryIn(parentFd, name, shownPath);
    const fd = openBeneath(this.root(root), relative, shownPath);
    const type = fileTypeOf(statFd(fd, shownPath).mode);
    if (type !== 'dir') {
      closeDescriptor(fd);
      // A symlink where a directory should be is refused as openat2 refuses it (ELOOP).
      throw systemError('open', type === 'symlink' ? errno.ELOOP : errno.ENOTDIR, shownPath);
    }
    return fd;
  }

  /** A kept directory's descriptor, now the last to be let go (the Map keeps insertion order); undefined when not kept. */
  private keptLonger(key: string): number | undefined {
    const fd = this.directories.get(key);
    if (fd !== undefined) {
      this.directories.delete(key);
      this.directories.set(key, fd);
    }
    return fd;
  }

  /** As directory(), but null when it does not exist (ENOENT, ENOTDIR) or lies in a subtree known to be missing. */
  directoryIfPresent(root: string, relative: string, shownPath: string): number | null {
    const last = this.lastIf(root, relative);
    if (last !== null) return last;
    let missing = this.missing.get(root);
    if (missing !== undefined && missing.holds(relative)) return null;
    try {
      return this.directory(root, relative, shownPath);
    } catch (err) {
      const code = (err as SystemError).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      // The highest missing directory is remembered, and covers this one: named by the open
      // when it walked component by component, else found by asking its parent.
      const at = failedComponent(err);
      let highest = relative;
      if (at !== undefined) highest = relative.split('/').slice(0, at + 1).join('/');
      else {
        const { parent } = splitParent(relative);
        if (parent !== '' && this.directoryIfPresent(root, parent, shownPath) === null) return null;
      }
      if (missing === undefined) this.missing.set(root, (missing = new MissingDirectories()));
      missing.add(highest);
      this.last = null;
      return null;
    }
  }

  /** The last directory's descriptor when it is `relative` beneath `root`, else null. */
  private lastIf(root: string, relative: string): number | null {
    const last = this.last;
    return last !== null && last.relative === relative && last.root === root ? last.fd : null;
  }

  close(): void {
    this.last = null;
    for (const fd of this.directories.values()) closeDescriptor(fd);
    for (const fd of this.roots.values()) closeDescriptor(fd);
    this.directories.clear();
    this.roots.clear();
  }
}

/** A target's parent directory (relative to its root) and final name; "" for the root itself. */
export function splitParent(relative: string): { parent: string; name: string } {
  const slash = lastSlash(relative);
  return { parent: slash < 0 ? '' : relative.slice(0, slash), name: relative.slice(slash + 1) };
}

/** Directories found missing (the first MISSING_KEPT let go first), by their relative paths. */
class MissingDirectories {
  private readonly paths = new Set<string>();
  /**
   * How many have each length: only an ancestor of that length is sliced and looked up.
   * Each of them was, for every path beneath a missing 2,500-level chain: 8.7 s of a
   * 9.1 s restore (review helper-133).
   */
  private readonly lengths = new Map<number, number>();

  add(relative: string): void {
    if (this.paths.has(relative)) return;
    if (this.paths.size >= MISSING_KEPT) {
      const oldest = this.paths.values().next().value as string;
      this.paths.delete(oldest);
      const left = (this.lengths.get(oldest.length) as number) - 1;
      if (left === 0) this.lengths.delete(oldest.length);
      else this.lengths.set(oldest.length, left);
    }
    this.paths.add(relative);
    this.lengths.set(relative.length, (this.lengths.get(relative.length) ?? 0) + 1);
  }

  /** Whether `relative` is one of them or beneath one. */
  holds(relative: string): boolean {
    for (let end = relative.length; end > 0; end = lastSlash(relative, end)) {
      if (this.lengths.has(end) && this.paths.has(end === relative.length ? relative : relative.slice(0, end))) return true;
    }
    return false;
  }
}
