import { describe, expect, it } from 'vitest';
import { compileGlobs } from '../../src/glob/path-matcher.js';

describe('compileGlobs', () => {
  it('matches a slash-less pattern against a name at any depth, dotfiles included', () => {
    const m = compileGlobs(['*.log', '.cache'])!;
    expect(m('var/log/syslog.log')).toBe(true);
    expect(m('a.log')).toBe(true);
    expect(m('home/u/.cache')).toBe(true);
    expect(m('var/log')).toBe(false);
  });

  it('anchors a pattern with a slash, or a leading slash, at the root', () => {
    const m = compileGlobs(['etc/ssl', '/home', './srv/tmp'])!;
    expect(m('etc/ssl')).toBe(true);
    expect(m('/etc/ssl')).toBe(true);
    expect(m('./etc/ssl')).toBe(true);
    expect(m('usr/etc/ssl')).toBe(false);
    expect(m('home')).toBe(true);
    expect(m('x/home')).toBe(false);
    expect(m('srv/tmp')).toBe(true);
  });

  it('lets ** cross directories and ignores a trailing slash', () => {
    const m = compileGlobs(['usr/**/*.pyc', 'cache/'])!;
    expect(m('usr/lib/python3/x/y.pyc')).toBe(true);
    expect(m('var/cache')).toBe(true);
  });

  it('returns undefined for no patterns', () => {
    expect(compileGlobs([])).toBeUndefined();
  });
});
