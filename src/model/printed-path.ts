// The path getfacl prints for a walked path (acl 2.3.1 do_print): all leading slashes
// removed (with a one-time notice), else one leading "./" and the slashes after it;
// an empty result prints as ".". With -p nothing is removed.

export interface PrintedPath {
  path: string;
  /** True when leading slashes were removed (getfacl then says so once on stderr). */
  strippedAbsolute: boolean;
}

export function printedPath(walked: string, strip: boolean): PrintedPath {
  if (!strip) return { path: walked, strippedAbsolute: false };
  let i = 0;
  const absolute = walked.startsWith('/');
  if (absolute) {
    while (walked[i] === '/') i++;
  } else if (walked.startsWith('./')) {
    i = 1;
    while (walked[i] === '/') i++;
  }
  const path = walked.slice(i);
  return { path: path === '' ? '.' : path, strippedAbsolute: absolute };
}

/** The form globs match and sides of a diff are compared in: no leading "/" or "./". */
export function relativeForm(path: string): string {
  return printedPath(path, true).path;
}

/**
 * A path in the form globs match and the sides of a diff are compared in: relative, and
 * (contracts.md) "a//b" and "a/b/" mean "a/b", as `getfacl -R tree/` prints them ("tree/",
 * "tree//a"); so does "a/./b", as `getfacl -R a/.` prints them ("a/.", "a/./b"), and as
 * restore takes it.
 */
export function normalPath(path: string): string {
  // Most paths are already in that form: no "/" or "." first, no "//", no "/" last, no "/.".
  const first = path.charCodeAt(0);
  if (path.length > 0 && first !== 47 && first !== 46 && path.charCodeAt(path.length - 1) !== 47 && !path.includes('//') && !path.includes('/.')) return path;
  return withoutDotComponents(relativeForm(tidyPath(path)));
}

const DOT_COMPONENT = /(?:^|\/)\.(?:\/|$)/;

/** "a/./b" as "a/b", "a/." as "a" ("." itself stays). */
function withoutDotComponents(path: string): string {
  if (!DOT_COMPONENT.test(path)) return path;
  const kept = path.split('/').filter((c) => c !== '.');
  return kept.length === 0 ? '.' : kept.join('/');
}

/**
 * A path without "//" or a trailing "/" ("/" itself aside), as contracts.md has permsnap's
 * own output write them; the getfacl text keeps getfacl's "tree//a" (byte for byte).
 */
export function tidyPath(path: string): string {
  const collapsed = path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
  return collapsed.length > 1 && collapsed.endsWith('/') ? collapsed.slice(0, -1) : collapsed;
}

/**
 * A relative path (normalPath) with each "name/.." taken away ("t/sub/../a" is "t/a", "t/.."
 * is "."), as the words say, not as the tree may (a symlinked "sub" aside): what globs
 * match, so that a path is beneath an excluded directory however it is written. The ".."
 * that climb above the start stay, first ("../x"); such a path comes back as it is, without
 * being split, as does one without "..".
 */
export function lexicalPath(relative: string): string {
  let i = 0;
  while (relative.startsWith('../', i)) i += 3;
  if (relative.indexOf('..', i) < 0) return relative;
  const components = relative.split('/');
  if (!components.includes('..', i / 3)) return relative;
  const kept: string[] = [];
  for (const component of components) {
    if (component === '..' && kept.length > 0 && kept[kept.length - 1] !== '..') kept.pop();
    else kept.push(component);
  }
  return kept.length === 0 ? '.' : kept.join('/');
}
