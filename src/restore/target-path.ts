// Where a recorded path lands on this host (contracts.md, "Paths"): beneath --root, or
// beneath the current directory (relative paths) and / (absolute ones) without it. A ".."
// component is refused; "a//b", "./a" and "a/" mean "a/b", "a", "a".

export interface TargetPath {
  /** The directory the path is resolved beneath. */
  root: string;
  /** Components joined by "/", "" for the root itself; never contains "..". */
  relative: string;
  /** Recorded with a trailing "/" or "/." ("d/"): only a directory is it, as for the kernel. */
  directory?: boolean;
}

/**
 * Many target paths as columns: each one's root (a number: the same root, the same number)
 * and relative path. Restore orders and chunks the paths with work in this form: with an
 * object made for each, listing, ordering and chunking the 170k paths of a damaged /usr
 * copy kept the main thread 240 ms busy while the workers waited; as columns, 75 ms.
 */
export interface PathColumns {
  /** Per path, the index of its root in `roots`. */
  readonly rootIds: ArrayLike<number>;
  readonly roots: readonly string[];
  readonly relatives: readonly string[];
}

export type TargetResult = { ok: true; target: TargetPath } | { ok: false; problem: string };

/**
 * A path with nothing to normalise: no empty, "." or ".." component, no trailing slash, no
 * NUL byte, at most one leading "/" (most recorded paths; the rest take the general way
 * below). A loop, not the two regular expressions it replaced: they were 55 ms of a
 * 132k-path restore.
 */
function isPlainPath(path: string): boolean {
  let start = path.charCodeAt(0) === 47 ? 1 : 0;
  if (start >= path.length) return false;
  for (let i = start; i <= path.length; i++) {
    // Read within the string only: charCodeAt past its end (NaN) cost a healthy /usr restore
    // 35 ms (paired runs), the loop no longer all small integers.
    if (i < path.length) {
      const c = path.charCodeAt(i);
      if (c !== 47) {
        if (c === 0) return false;
        continue;
      }
    }
    const length = i - start;
    if (length === 0) return false;
    if (path.charCodeAt(start) === 46 && (length === 1 || (length === 2 && path.charCodeAt(start + 1) === 46))) return false;
    start = i + 1;
  }
  return true;
}

export function resolveTarget(recorded: string, root: string | undefined, cwd: string): TargetResult {
  const absolute = recorded.startsWith('/');
  if (isPlainPath(recorded)) {
    return { ok: true, target: { root: root ?? (absolute ? '/' : cwd), relative: absolute ? recorded.slice(1) : recorded } };
  }
  // No name holds one, and a system call would take the path as ending there ("..\0x" as
  // ".."). The getfacl parser refuses it; a tar member's name or a library caller's may not.
  if (recorded.includes('\0')) return { ok: false, problem: 'refused: the path has a NUL byte' };
  const components: string[] = [];
  const parts = recorded.split('/');
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') return { ok: false, problem: 'refused: the path has a ".." component' };
    components.push(part);
  }
  const last = parts[parts.length - 1];
  const target: TargetPath = { root: root ?? (absolute ? '/' : cwd), relative: components.join('/') };
  if (components.length > 0 && (last === '' || last === '.')) target.directory = true;
  return { ok: true, target };
}

/**
 * The index of the last "/" in `relative` before index `before` (its end by default), -1
 * when there is none. String.prototype.lastIndexOf is a call into C++ that flattens the
 * string first: 1.5% of the workers' time in a restore of the /usr copy, for paths whose
 * final name is a few characters long.
 */
export function lastSlash(relative: string, before = relative.length): number {
  let i = before - 1;
  while (i >= 0 && relative.charCodeAt(i) !== 0x2f) i--;
  return i;
}

/** The path to show people: root and relative path joined. */
export function shownTarget(target: TargetPath): string {
  if (target.relative === '') return target.root;
  return target.root.endsWith('/') ? target.root + target.relative : `${target.root}/${target.relative}`;
}
