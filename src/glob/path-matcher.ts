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
    // "dir/" means the directory: excluding it excludes what is beneath it anyway; "a//b"
    // means "a/b", as in a recorded path (a pattern made as "$PREFIX/dir" matched nothing).
    const pattern = (raw.length > 1 ? raw.replace(/\/+$/, '') : raw).replace(/\/{2,}/g, '/');
    // The root itself ("." in the relative form, as `snapshot .` prints it): every path is
    // in it, as the walks, which do not enter what is excluded, take it.
    if (/^(\.?\/+)*\.$/.test(pattern)) return () => true;
    // "/x", "./x", "/./x" and ".//x" are all "x" at the root.
    if (/^\.?\//.test(pattern)) anchored.push(notNegation(withoutLeadingDots(pattern)));
    else if (pattern.includes('/')) anchored.push(pattern);
    else floating.push(pattern);
  }
  if (anchored.length + floating.length === 0) return undefined;
  const tests = [...anchored.map((p) => globTest(asText(p), false)), ...floating.map((p) => globTest(asText(p), true))];
  return (path) => {
    // "tree//a" (from `snapshot tree/`, as getfacl prints it) is matched as "tree/a".
    const written = asText(normalPath(path));
    // "tree/sub/../a" as "tree/a" (and by a pattern written as it is).
    const relative = lexicalPath(written);
    if (relative !== written && tests.some((test) => test.written(written))) return true;
    // The root ("."): only the pattern for it (above) leaves it out; `?` and `[!p]` matched
    // it as a one-letter name, and `--exclude '?'` left out the whole of `snapshot .`.
    if (relative === '' || relative === '.') return false;
    const name = relative.slice(relative.lastIndexOf('/') + 1);
    const climb = climbOf(relative);
    return tests.some((test) => test(relative, name, climb));
  };
}

interface GlobTest {
  /** `relative` is lexical (lexicalPath); `climb`, its leading ".." (climbOf). */
  (relative: string, name: string, climb: number): boolean;
  /** Whether the pattern is the path as written. */
  written(path: string): boolean;
}

/**
 * One pattern's test, as picomatch's matcher makes it (picomatch.test): the path equal to
 * the pattern, or its regular expression (dotfiles matched) matching the path, or only its
 * last name for a pattern without "/". Its own matcher builds a result object and splits
 * the path on every call: 0.9 us a path, against 0.25 us for this (a 132k-path restore
 * with one --exclude).
 */
function globTest(pattern: string, lastNameOnly: boolean): GlobTest {
  // ".." is no name, and no wildcard matches it (picomatch's `*` does not; its `.*`, `??`
  // and `.?*/**` did, and `--exclude '.*'` left out `snapshot ../proj`). A path above the
  // start is matched by a name pattern, or by an anchored one that climbs as far, its
  // wildcards matched against what comes after the ".." ("../proj/*.o").
  const climb = lastNameOnly ? 0 : climbOf(pattern);
  const rest = climb === 0 ? pattern : notNegation(withoutLeadingDots(pattern.slice(3 * climb)));
  // dotAll: picomatch builds `**` of ".", which without it skips a name holding a newline,
  // CR, U+2028 or U+2029 ("*", built of [^/], matched them). posix: picomatch 4 reads
  // `[!p]` as the set of "!" and "p" without it; fast-glob's picomatch (2.x), the shells and
  // .gitignore read it as any one character but "p", as `[^p]`.
  const regex = rest === '' ? null : picomatch().makeRe(plainEscapes(rest), { dot: true, flags: 's', posix: true });
  const test = lastNameOnly
    ? (path: string, name: string): boolean => path === pattern || (name !== '..' && regex !== null && regex.test(name))
    : (path: string, _name: string, pathClimb: number): boolean => path === pattern || (pathClimb === climb && regex !== null && regex.test(climb === 0 ? path : path.slice(3 * climb)));
  return Object.assign(test, { written: (path: string): boolean => path === pattern });
}

/**
 * "\d" as "d": a backslash makes the next character literal, and a letter or digit is one
 * already. picomatch kept "\d", "\w", "\b", "\n"... as the regular expression's
 * (`--only 'a\db'` matched a1b, not adb); the rest ("\*", "\ ", "\\") are literal in both.
 */
const plainEscapes = (pattern: string): string => pattern.replace(/\\(.)/gs, (escape, char: string) => (/[A-Za-z0-9]/.test(char) ? char : escape));

/** A pattern without the "/" and "./" it begins with (picomatch would take away a "./" itself, and read a "!" after it as a negation). */
const withoutLeadingDots = (pattern: string): string => pattern.replace(/^(\.?\/+)+/, '');

/**
 * A pattern's rest after the "/", "./" or "../" it began with: a "!" first is a negation to
 * picomatch, which the CLI refuses at the start of a pattern; here it was a name's ("!x" at
 * the root), and `--exclude '/!x'` matched every other path.
 */
const notNegation = (rest: string): string => (rest.startsWith('!') ? `\\${rest}` : rest);

/** How many ".." a lexical path (lexicalPath) climbs above where paths start: "../../x" 2. */
function climbOf(relative: string): number {
  let climb = 0;
  while (relative.startsWith('..', 3 * climb) && (relative.length === 3 * climb + 2 || relative[3 * climb + 2] === '/')) climb++;
  return climb;
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
  // "a/b/c" is matched as itself, then (through the kept verdicts) "a/b" and "a": the
  // prefixes ending before each "/". "../.." is above "..", not in it: a path ending in
  // ".." (lexical: all "..") has no ancestor to match.
  const matchesHereOrAbove = (path: string): boolean => {
    const slash = path.lastIndexOf('/');
    return (slash >= 0 && !path.endsWith('/..') && ancestorMatches(path.slice(0, slash))) || matcher(path);
  };
  const ancestorMatches = keptVerdicts(matchesHereOrAbove);
  // A path written with a ".." that lexicalPath takes away is also matched as written, with
  // its written prefixes from that ".." on ("t/..", "t/../s"): a pattern written as one
  // matches what is beneath it, as the walk, which stops at "t/../s" for `--exclude t/../s`,
  // leaves that out. Kept too: `snapshot t/..` gives every path such a prefix.
  const writtenAbove = (written: string): boolean => {
    const parent = written.slice(0, Math.max(0, written.lastIndexOf('/')));
    return lexicalPath(parent) !== parent && writtenPrefixMatches(parent);
  };
  const writtenPrefixMatches = keptVerdicts((written) => matcher(written) || writtenAbove(written));
  // The prefixes of the lexical path: "t/../s" is not in t, and "t/sub/../a" is.
  return (path) => {
    if (!path.includes('..')) return matchesHereOrAbove(path);
    const written = normalPath(path);
    const lexical = lexicalPath(written);
    return (lexical !== written && (matcher(written) || writtenAbove(written))) || matchesHereOrAbove(lexical);
  };
}

/** `verdict`, each answer kept (ANCESTORS_KEPT at once) for the next path beneath the same directory. */
function keptVerdicts(verdict: (path: string) => boolean): (path: string) => boolean {
  const kept = new Map<string, boolean>();
  return (path) => {
    const known = kept.get(path);
    if (known !== undefined) return known;
    const answer = verdict(path);
    if (kept.size >= ANCESTORS_KEPT) kept.clear();
    kept.set(path, answer);
    return answer;
  };
}

/**
 * A byte string (pattern or path) as the text globs work on, so that `?` and `[é]` take one
 * character of a UTF-8 name, not one byte; a byte that is not UTF-8 stays one character
 * of its own (escapedText), the same in a pattern and in a path.
 */
function asText(bytes: string): string {
  return isAscii(bytes) ? bytes : escapedText(Buffer.from(bytes, 'latin1'));
}
