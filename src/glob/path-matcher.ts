// User globs (--exclude, --only; contracts.md "Globs"): fast-glob's dialect through its
// matcher, picomatch, with dotfiles matched. A pattern without "/" matches a name at any
// depth; one with "/" (or a leading "/") is anchored at the root; "**" crosses directories.
// Paths are matched in the relative form: no leading "/" or "./", no "//" or trailing "/".

import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';
import { normalPath } from '../model/printed-path.js';
import { escapedText, isAscii } from '../platform/byte-path.js';

// Loaded when a glob is first compiled: most runs have none, and loading it took 8 ms of
// the start of every thread (the main one and each worker), when they all compete for the
// cores. picomatch is CommonJS, so it can be required on the spot.
let loaded: typeof picomatchType | undefined;
const picomatch = (patterns: string[], options: picomatchType.PicomatchOptions): PathMatcher =>
  (loaded ??= createRequire(import.meta.url)('picomatch') as typeof picomatchType)(patterns, options);

export type PathMatcher = (path: string) => boolean;

/** A matcher for a list of patterns, or undefined when the list is empty. */
export function compileGlobs(patterns: readonly string[]): PathMatcher | undefined {
  const anchored: string[] = [];
  const floating: string[] = [];
  for (const raw of patterns) {
    // "dir/" means the directory: excluding it excludes what is beneath it anyway.
    const pattern = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
    if (pattern.startsWith('/')) anchored.push(pattern.replace(/^\/+/, ''));
    else if (pattern.startsWith('./')) anchored.push(pattern.slice(2));
    else if (pattern.includes('/')) anchored.push(pattern);
    else floating.push(pattern);
  }
  const matchers: PathMatcher[] = [];
  if (anchored.length > 0) matchers.push(picomatch(anchored.map(asText), { dot: true }));
  if (floating.length > 0) matchers.push(picomatch(floating.map(asText), { dot: true, basename: true }));
  if (matchers.length === 0) return undefined;
  return (path) => {
    // "tree//a" (from `snapshot tree/`, as getfacl prints it) is matched as "tree/a".
    const relative = asText(normalPath(path));
    return matchers.some((m) => m(relative));
  };
}

/** A recorded path matches when it or one of its ancestors does (a matched directory takes its contents along). */
export function matchesOrBeneath(recorded: string, matcher: PathMatcher): boolean {
  const parts = recorded.split('/');
  for (let n = parts.length; n > 0; n--) if (matcher(parts.slice(0, n).join('/'))) return true;
  return false;
}

/**
 * A byte string (pattern or path) as the text globs work on, so that `?` and `[é]` take one
 * character of a UTF-8 name, not one byte; a byte that is not UTF-8 stays one character
 * of its own (escapedText), the same in a pattern and in a path.
 */
function asText(bytes: string): string {
  return isAscii(bytes) ? bytes : escapedText(Buffer.from(bytes, 'latin1'));
}
