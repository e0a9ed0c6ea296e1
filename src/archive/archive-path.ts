// Member names as paths: the form `getfacl -R` would have walked them in the archive's root
// (`./a/b/` -> `./a/b`, then printed as `a/b`; `./` -> `.`), with permsnap's guarantees
// (contracts.md, "Paths"): no `//`, no trailing `/`, and no `..` component, which restore
// would refuse and which no tar writes for a tree it walked.

/** The member's path, normalised but with any leading `/` or `./` kept; or why it is refused. */
export function normalizeMemberPath(name: string): { path: string } | { problem: string } {
  if (name === '') return { problem: 'member with an empty name' };
  // A PAX path record can hold one; no file name can, and every system call would stop at it.
  if (name.includes('\0')) return { problem: 'member name with a NUL byte' };
  const absolute = name.startsWith('/');
  const parts = name.split('/').filter((part, i) => part !== '' && (part !== '.' || i === 0));
  if (parts.includes('..')) return { problem: 'member name with a ".." component' };
  const joined = parts.join('/');
  if (absolute) return { path: `/${joined}` };
  return { path: joined === '' ? '.' : joined };
}

/**
 * The order of `--sort` (contracts.md, "Sorted order"): component by component, as byte
 * strings. Mapping "/" to NUL makes that a plain string comparison, since NUL sorts before
 * every byte a name can hold; "." (the root, printed for `./`) sorts before everything.
 */
export function sortKey(printedPath: string): string {
  return printedPath === '.' ? '' : printedPath.replaceAll('/', '\0');
}
