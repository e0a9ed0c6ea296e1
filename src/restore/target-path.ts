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
 * below). Searched for with the string builtins, which read a string's bytes in place: a
 * loop reading each char (it replaced two regular expressions, 55 ms of a 132k-path
 * restore) took 225 ns a /usr path, the parser's paths being slices of bigger strings, each
 * char one more indirection; these searches take about 100.
 */
function isPlainPath(path: string): boolean {
  const n = path.length;
  const first = n > 0 && path.charCodeAt(0) === 47 ? 1 : 0;
  if (first >= n || path.charCodeAt(n - 1) === 47 || path.includes('//') || path.includes('\0')) return false;
  // Each component that starts with a dot: the first, or one after a "/".
  for (let dot = path.charCodeAt(first) === 46 ? first : dotAfterSlash(path, first); dot >= 0; dot = dotAfterSlash(path, dot)) {
    const end = dot + 1 < n && path.charCodeAt(dot + 1) === 46 ? dot + 2 : dot + 1;
    if (end === n || path.charCodeAt(end) === 47) return false;
  }
  return true;
}

/** The index of the next "." that follows a "/" at or after `from`, -1 when there is none. */
function dotAfterSlash(path: string, from: number): number {
  const slash = path.indexOf('/.', from);
  return slash < 0 ? -1 : slash + 1;
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
