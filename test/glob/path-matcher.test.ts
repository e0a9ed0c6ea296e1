import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { beneathMatcher, compileGlobs } from '../../src/glob/path-matcher.js';

describe('compileGlobs', () => {
  it('matches a slash-less pattern against a name at any depth, dotfiles included', () => {
    const m = compileGlobs(['*.log', '.cache'])!;
    expect(m('var/log/syslog.log')).toBe(true);
    expect(m('a.log')).toBe(true);
    expect(m('home/u/.cache')).toBe(true);
    expect(m('var/log')).toBe(false);
  });

  it('anchors a pattern with a slash, or a leading slash, at the root', () => {
    expect(['a', 'x/a'].map((p) => compileGlobs(['.//a', '/./b'])!(p))).toEqual([true, false]);
    const m = compileGlobs(['etc/ssl', '/home', './srv/tmp'])!;
    expect(m('etc/ssl')).toBe(true);
    expect(m('/etc/ssl')).toBe(true);
    expect(m('./etc/ssl')).toBe(true);
    expect(m('usr/etc/ssl')).toBe(false);
    expect(m('home')).toBe(true);
    expect(m('x/home')).toBe(false);
    expect(m('srv/tmp')).toBe(true);
  });

  it('takes "." (or "./", "/.") for the root, and so for every path', () => {
    for (const root of ['.', './', '/.', './.']) {
      const m = compileGlobs([root])!;
      expect([root, m('.'), m('a'), m('./a/b'), m('/etc/x')]).toEqual([root, true, true, true, true]);
    }
    expect(compileGlobs(['.x'])!('a')).toBe(false);
  });

  it('lets ** cross directories and ignores a trailing slash', () => {
    const m = compileGlobs(['usr/**/*.pyc', 'cache/'])!;
    expect(m('usr/lib/python3/x/y.pyc')).toBe(true);
    expect(m('var/cache')).toBe(true);
  });

  it('lets ** and * match a name with a line break in it (a newline, CR, U+2028, U+2029), as they match any other name', () => {
    for (const odd of ['p\nq', 'p\rq', 'u\u2028v', 'w\u2029z']) {
      expect(compileGlobs(['**/sub'])!(`${odd}/sub`), odd).toBe(true);
      expect(compileGlobs(['**/*.log'])!(`${odd}/a.log`), odd).toBe(true);
      expect(compileGlobs(['**'])!(odd), odd).toBe(true);
      expect(compileGlobs(['d/**'])!(`d/${odd}/x`), odd).toBe(true);
      expect(compileGlobs(['*'])!(odd), odd).toBe(true);
      expect(compileGlobs(['**/sub'])!(`${odd}/other`), odd).toBe(false);
    }
  });

  it('reads [!p] as any one character but p, as [^p], fast-glob, the shells and .gitignore do (picomatch 4 alone took it as "!" or "p")', () => {
    for (const pattern of ['gl/[!p]', 'gl/[^p]']) {
      const m = compileGlobs([pattern])!;
      expect([m('gl/q'), m('gl/!'), m('gl/p')], pattern).toEqual([true, true, false]);
    }
    expect(compileGlobs(['[!a-c]*.log'])!('var/d.log')).toBe(true);
    expect(compileGlobs(['[!a-c]*.log'])!('var/b.log')).toBe(false);
  });

  it('answers as picomatch\'s own matcher does, for anchored and name patterns alike', () => {
    const patterns = ['*.log', '!*.log', 'a[', '[!a]*', '*(a|b)', '@(x|y)', '{a,b}', 'a/**', 'a/*/c', '**/b', '.*', 'x?z', '[[:alpha:]]*', 'a\\*b', '!a/b', 'é*'];
    const paths = [
      'a', 'b', 'x.log', 'd/x.log', '!x.log', 'a[', 'ab', 'aab', 'x', 'a/b', 'a/b/c', 'a/x/c', '.hidden', 'd/.hidden', 'xyz', 'a*b', 'éa', 'd/éa', 'd/a[',
      '{a,b}', 'd/{a,b}', '[!a]*', 'd/[!a]*', 'a/**', '*.log', 'd/*.log',
    ];
    for (const pattern of patterns) {
      const ours = compileGlobs([pattern])!;
      const theirs = picomatch(pattern, { dot: true, basename: !pattern.includes('/'), posix: true });
      for (const path of paths) expect(ours(path), `${pattern} ${path}`).toBe(theirs(path));
    }
  });

  it('reads a backslash before a letter or digit as that letter or digit, as the shells do (picomatch kept \\d, \\w, \\b, \\n as regular-expression classes)', () => {
    const names = ['a1b', 'adb', 'awb', 'ab', 'a\\b', 'nl\nx', 'nlnx', 'a*b', 'axb'];
    const matched = (pattern: string): string[] => names.filter((n) => compileGlobs([pattern])!(`t/${n}`));
    expect(matched('a\\db')).toEqual(['adb']);
    expect(matched('a\\wb')).toEqual(['awb']);
    expect(matched('a\\bb')).toEqual([]);
    expect(matched('nl\\nx')).toEqual(['nlnx']);
    expect(matched('[\\d]')).toEqual([]);
    expect(compileGlobs(['[\\d]'])!('d')).toBe(true);
    expect(compileGlobs(['[\\d]'])!('1')).toBe(false);
    // Escapes of what is special stay literal; an escaped backslash is one.
    expect(matched('a\\*b')).toEqual(['a*b']);
    expect(matched('a\\\\b')).toEqual(['a\\b']);
    expect(matched('a\\\\d')).toEqual([]);
  });

  it('reads "a//b" in a pattern as "a/b", as in a recorded path', () => {
    for (const pattern of ['tree//cache', 'tree///cache/', '/tree//cache', 'tree//c*']) {
      const m = compileGlobs([pattern])!;
      expect([pattern, m('tree/cache'), m('tree//cache'), m('x/tree/cache')]).toEqual([pattern, true, true, false]);
    }
    expect(beneathMatcher(compileGlobs(['tree//cache'])!)('tree/cache/x')).toBe(true);
  });

  it('returns undefined for no patterns', () => {
    expect(compileGlobs([])).toBeUndefined();
  });
});

describe('beneathMatcher', () => {
  /** The rule it must keep: the path, or any prefix of it that ends before a "/". */
  const byEveryPrefix = (m: (p: string) => boolean, path: string): boolean => {
    const parts = path.split('/');
    for (let n = parts.length; n > 0; n--) if (m(parts.slice(0, n).join('/'))) return true;
    return false;
  };

  it('matches what lies beneath a matched directory, and only that', () => {
    const m = beneathMatcher(compileGlobs(['share/doc', '*.pyc'])!);
    expect(m('share/doc')).toBe(true);
    expect(m('share/doc/x/y')).toBe(true);
    expect(m('share/docs/x')).toBe(false);
    expect(m('lib/a.pyc/inner')).toBe(true);
    expect(m('lib/a.py')).toBe(false);
  });

  it('gives the per-prefix answer for every path, in any order, kept verdicts or not', () => {
    const plain = compileGlobs(['a/b', '/c', 'x*', 'd/**/e'])!;
    const paths: string[] = [];
    for (const first of ['a', 'c', 'd', 'xa', '', '.']) {
      for (const second of ['b', 'bb', 'e', '', 'q']) {
        for (const third of ['e', 'f', 'x1']) paths.push(`${first}/${second}/${third}`, `${first}/${second}`, `/${first}/${second}`, `${first}//${second}/`);
      }
    }
    const m = beneathMatcher(plain);
    // Twice, the second time in reverse: answers from kept verdicts must not differ.
    for (const path of [...paths, ...paths.reverse()]) expect(m(path), path).toBe(byEveryPrefix(plain, path));
    expect(paths.filter((p) => m(p)).length).toBeGreaterThan(10);
    expect(paths.filter((p) => !m(p)).length).toBeGreaterThan(10);
  });

  it('matches the lexical path ("t/sub/../a" is t/a, "t/../s" is s), and no wildcard matches ".."', () => {
    const m = beneathMatcher(compileGlobs(['.*', '??', 't'])!);
    for (const path of ['..', '../proj', '../proj/a', 't/..', 't/../s', 't/../s/x', 't/..//s', '../../u', '/srv/t/../x', '/../srv']) {
      expect(m(path), path).toBe(false);
    }
    for (const path of ['../.git', '../proj/.cache/x', 't/../s/t', 't/../s/ab/x', 't/./x', 'a/./t/y', 't/sub/..', 'a/t/sub/..', 't/sub/../a', '/../t/x']) {
      expect(m(path), path).toBe(true);
    }
    // Anchored wildcards do not match ".." either; a pattern that climbs as the path does, and
    // one written as the path is, match.
    const anchored = beneathMatcher(compileGlobs(['.?*/**', '??/*', '**/.?*/**'])!);
    expect(['../sib', '../sib/x', '.git/x'].map((p) => anchored(p))).toEqual([false, false, true]);
    expect(['../proj/a.o', '../proj/a.c', 'proj/a.o'].map((p) => compileGlobs(['../proj/*.o'])!(p))).toEqual([true, false, false]);
    expect(['..', '../x', 'x', '../..', '../../x'].map((p) => beneathMatcher(compileGlobs(['..'])!)(p))).toEqual([true, true, false, false, false]);
    expect(['../..', '../ab', '../../ab'].map((p) => compileGlobs(['../??'])!(p))).toEqual([false, true, false]);
    // A pattern is not taken lexically: one with ".." matches the path written as it is, and
    // wildcards before its ".." match nothing ('**/..' is no root, 't/*/..' no 't').
    expect(['t/..', '.', 'a', 't/x/..'].map((p) => compileGlobs(['t/..'])!(p))).toEqual([true, false, false, false]);
    for (const pattern of ['**/..', '*/..', 't/*/..', 't/**/../a']) {
      const wild = beneathMatcher(compileGlobs([pattern])!);
      expect([pattern, ...['t', 't/a', 't/sub/x', 't/sub/..', 't/sub/../a', '..'].map((p) => wild(p))]).toEqual([pattern, false, false, false, false, false, false]);
    }
    // What is beneath a path written as a pattern with ".." is, as the walk leaves it out.
    expect(['t/../s', 't/../s/x', 's/x', 't/x'].map((p) => beneathMatcher(compileGlobs(['t/..'])!)(p))).toEqual([true, true, false, false]);
    expect(['t/../s/g', 't/../s', 't/../sx', 's/g'].map((p) => beneathMatcher(compileGlobs(['t/../s'])!)(p))).toEqual([true, true, false, false]);
    // The live side's "/../tmp/x" is the file side's "../tmp/x" (getfacl's printed form).
    const absolute = beneathMatcher(compileGlobs(['/tmp'])!);
    expect([absolute('/../tmp/x'), absolute('../tmp/x'), absolute('/tmp/x')]).toEqual([false, false, true]);
  });

  it('takes a "!" left first by "/", "./" or "../" as a name\'s, not a negation of what follows', () => {
    expect(['b', 'a'].map((p) => compileGlobs(['/./!(a)'])!(p))).toEqual([false, false]);
    for (const pattern of ['/!x', './!x', '../!x', '/./!x', '././!x', './/!x', '.././!x']) {
      const m = beneathMatcher(compileGlobs([pattern])!);
      const named = pattern.startsWith('../') ? '../!x' : '!x';
      expect([pattern, m('a'), m('../a'), m(named), m(`${named}/y`)]).toEqual([pattern, false, false, true, true]);
    }
  });

  it('leaves out of a recorded path what a walk of the same path leaves out, "..", "." and "/" written in as they may be', () => {
    // A walk tests its argument with beneathMatcher, then each path it walks, as it is
    // written, with the plain matcher, and enters nothing it left out; a snapshot file's
    // path (diff, restore) is tested with beneathMatcher alone. The two must agree.
    const argumentsWalked = ['t', 't/..', 't/sub/..', '../w/t', 't/../s', '.', './t', 't/sub/../..', '/srv/t', '/../srv/t', 't/', 'w/./t'];
    const beneath = ['', 'a', 'sub', 'sub/y', 'sub/deep/z', 'x/../a'];
    const patterns = ['t', 's', 'sub', 't/..', 't/../s', 't/sub/..', '**/..', '.*', '??', 'a', '/t', 't/a', '../w/t', '../w', 'deep', 's/*', '*/..', '..', 'srv', '/srv/t/sub', 'w/t', 'x/..'];
    let agreed = 0;
    for (const pattern of patterns) {
      const plain = compileGlobs([pattern])!;
      const recorded = beneathMatcher(plain);
      for (const argument of argumentsWalked) {
        for (const below of beneath) {
          const walked = [argument];
          for (const name of below === '' ? [] : below.split('/')) walked.push(`${walked[walked.length - 1]}/${name}`);
          const path = walked[walked.length - 1] as string;
          const byWalk = recorded(argument) || walked.slice(1).some((p) => plain(p));
          expect(recorded(path), `${pattern} on ${path}`).toBe(byWalk);
          agreed++;
        }
      }
    }
    expect(agreed).toBe(patterns.length * argumentsWalked.length * beneath.length);
  });

  it('matches each ancestor once however many paths lie beneath it', () => {
    let calls = 0;
    const counting = (path: string): boolean => {
      calls++;
      return path === 'never';
    };
    const m = beneathMatcher(counting);
    for (let i = 0; i < 100; i++) m(`usr/share/doc/f${i}`);
    // 100 leaves, and usr/share/doc, usr/share and usr once each.
    expect(calls).toBe(103);
  });
});
