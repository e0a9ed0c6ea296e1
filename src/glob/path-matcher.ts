// User globs (--exclude, --only; contracts.md "Globs"): fast-glob's dialect through its
// matcher, picomatch, with dotfiles matched. A pattern without "/" matches a name at any
// depth; one with "/" (or a leading "/") is anchored at the root; "**" crosses directories.
// Paths are matched in the relative form: no leading "/" or "./", no "//" or trailing "/".

import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';
import { lexicalPath, normalPath } from '../model/printed-path.js';
import { escapedText, isAscii } from '../platform/byte-path.js';

// Loaded when a glob is first compiled: most runs have none, and loading it took 8 ms of
// the start of every thread (the main one and each worker), when they all compete for the
// cores. picomatch is CommonJS, so it can be required on the spot.
let loaded: typeof picomatchType | undefined;
const picomatch = (): typeof picomatchType => (loaded ??= createRequire(import.meta.url)('picomatch') as typeof picomatchType);

export type PathMatcher = (path: string) => boolean;

/** A matcher for a list of patterns, or undefined when the list is empty. */
export function compileGlobs(patterns: readonly string[]): PathMatcher | undefined {
  const anchored: string[] = [];
  const floating: string[] = [];
  for (const raw of patterns) {
    // "dir/" means the directory: excluding it excludes what is beneath it anyway.
    const pattern = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
    // The root itself ("." in the relative form, as `snapshot .` prints it, or "t/.."): every
    // path is in it, as the walks, which do not enter what is excluded, take it.
    const lexical = lexicalPath(pattern);
    if (/^(\.?\/+)*\.$/.test(lexical) || lexical === '/') return () => true;
    if (lexical.startsWith('/')) anchored.push(lexical.replace(/^\/+/, ''));
    else if (lexical.startsWith('./')) anchored.push(lexical.slice(2));
    else if (pattern.includes('/')) anchored.push(lexical);
    else floating.push(lexical);
  }
  if (anchored.length + floating.length === 0) return undefined;
  const tests = [...anchored.map((p) => globTest(asText(p), false)), ...floating.map((p) => globTest(asText(p), true))];
  return (path) => {
    // "tree//a" (from `snapshot tree/`, as getfacl prints it) is matched as "tree/a", and
    // "tree/sub/../a" as "tree/a".
    const relative = asText(normalPath(lexicalPath(path)));
    // The root ("."): only the pattern for it (above) leaves it out; `?` and `[!p]` matched
    // it as a one-letter name, and `--exclude '?'` left out the whole of `snapshot .`.
    if (relative === '' || relative === '.') return false;
    const name = relative.slice(relative.lastIndexOf('/') + 1);
    return tests.some((test) => test(relative, name, isAbove(relative)));
  };
}

/** A path, in the relative form, that climbs above where paths start ("..", "../x"). */
const isAbove = (relative: string): boolean => relative.startsWith('..') && (relative.length === 2 || relative[2] === '/');

/**
 * One pattern's test, as picomatch's matcher makes it (picomatch.test): the path equal to
 * the pattern, or its regular expression (dotfiles matched) matching the path, or only its
 * last name for a pattern without "/". Its own matcher builds a result object and splits
 * the path on every call: 0.9 us a path, against 0.25 us for this (a 132k-path restore
 * with one --exclude).
 */
function globTest(pattern: string, lastNameOnly: boolean): (path: string, name: string, above: boolean) => boolean {
  // dotAll: picomatch builds `**` of ".", which without it skips a name holding a newline,
  // CR, U+2028 or U+2029 ("*", built of [^/], matched them). posix: picomatch 4 reads
  // `[!p]` as the set of "!" and "p" without it; fast-glob's picomatch (2.x), the shells and
  // .gitignore read it as any one character but "p", as `[^p]`.
  const regex = picomatch().makeRe(pattern, { dot: true, flags: 's', posix: true });
  // ".." is no name: a wildcard never matches it (picomatch's `*` does not, its `.*` and `??`
  // did, and `--exclude '.*'` left out `snapshot ../proj`). A path above the start is
  // matched by a name pattern, or by an anchored one that climbs as it does ("../proj/*.o").
  const climbs = isAbove(pattern);
  if (lastNameOnly) return (path, name) => path === pattern || (name !== '..' && regex.test(name));
  return (path, _name, above) => path === pattern || ((!above || climbs) && regex.test(path));
}

/** compileGlobs(), for paths that match when an ancestor does (beneathMatcher). */
export function compileGlobsBeneath(patterns: readonly string[]): PathMatcher | undefined {
  const matcher = compileGlobs(patterns);
  return matcher && beneathMatcher(matcher);
}

// Ancestors whose verdict is kept at once. Paths come in tree order, so the ones kept are
// nearly always the ones asked about next; when full, the lot is dropped and rebuilt.
const ANCESTORS_KEPT = 4096;

/**
 * A matcher for recorded paths that matches a path when it or one of its ancestors does (a
 * matched directory takes its contents along), for walks that do not prune: restore, diff
 * and tar listings see every path beneath a matched directory. Each ancestor's verdict is
 * worked out once, not once per path beneath it: matching every ancestor of each path made
 * a 132k-path restore with one --exclude take 2.0 s instead of 1.15 s.
 */
export function beneathMatcher(matcher: PathMatcher): PathMatcher {
  const ancestors = new Map<string, boolean>();
  const ancestorMatches = (directory: string): boolean => {
    const known = ancestors.get(directory);
    if (known !== undefined) return known;
    const verdict = matchesHereOrAbove(directory);
    if (ancestors.size >= ANCESTORS_KEPT) ancestors.clear();
    ancestors.set(directory, verdict);
    return verdict;
  };
  // "a/b/c" is matched as itself, then (through the kept verdicts) "a/b" and "a": the
  // prefixes ending before each "/", as "/x" gives "" and "a//b" gives "a/" and "a".
  const matchesHereOrAbove = (path: string): boolean => {
    const slash = path.lastIndexOf('/');
    return (slash >= 0 && ancestorMatches(path.slice(0, slash))) || matcher(path);
  };
  // The prefixes of the lexical path: "t/../s" is not in t, and "t/sub/../a" is.
  return (path) => matchesHereOrAbove(lexicalPath(path));
}

/**
 * A byte string (pattern or path) as the text globs work on, so that `?` and `[é]` take one
 * character of a UTF-8 name, not one byte; a byte that is not UTF-8 stays one character
 * of its own (escapedText), the same in a pattern and in a path.
 */
function asText(bytes: string): string {
  return isAscii(bytes) ? bytes : escapedText(Buffer.from(bytes, 'latin1'));
}
