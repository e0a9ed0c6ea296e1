import { describe, expect, it } from 'vitest';
import { CONTROL_QUOTED, OWNER_QUOTED, PATH_QUOTED, QUALIFIER_QUOTED, quote, unquote } from '../../src/format/quote.js';

describe('quote', () => {
  it('doubles a backslash and octal-escapes newline and carriage return in paths', () => {
    expect(quote('a\\b\nc\rd', PATH_QUOTED)).toBe('a\\\\b\\012c\\015d');
  });

  it('leaves spaces, tabs, # and non-UTF-8 bytes of paths raw', () => {
    expect(quote(' a\tb#\xff', PATH_QUOTED)).toBe(' a\tb#\xff');
  });

  it('escapes spaces and tabs in owner names', () => {
    expect(quote('a b\tc', OWNER_QUOTED)).toBe('a\\040b\\011c');
  });

  it('escapes colons and commas in qualifiers', () => {
    expect(quote('a:b,c', QUALIFIER_QUOTED)).toBe('a\\072b\\054c');
  });

  it('quotes every byte of its set and the backslash, and no other, wherever it stands', () => {
    for (const set of [PATH_QUOTED, OWNER_QUOTED, QUALIFIER_QUOTED, CONTROL_QUOTED]) {
      for (let code = 0; code < 256; code++) {
        const ch = String.fromCharCode(code);
        const quoted = ch === '\\' ? '\\\\' : set.includes(ch) ? `\\${code.toString(8).padStart(3, '0')}` : ch;
        for (const [before, after] of [['', ''], ['name', ''], ['', 'name'], ['a/b', 'c']]) {
          expect(quote(before + ch + after, set), `${JSON.stringify(set)} ${code}`).toBe(before + quoted + after);
        }
      }
    }
  });

  it('returns the same string when nothing needs quoting', () => {
    const s = 'plain/path';
    expect(quote(s, PATH_QUOTED)).toBe(s);
  });
});

describe('unquote', () => {
  it('inverts quote for every byte value', () => {
    let all = '';
    for (let i = 1; i < 256; i++) all += String.fromCharCode(i);
    for (const set of [PATH_QUOTED, OWNER_QUOTED, QUALIFIER_QUOTED]) expect(unquote(quote(all, set))).toBe(all);
  });

  it('keeps a backslash that is not followed by three octal digits or a backslash', () => {
    expect(unquote('a\\x\\12')).toBe('a\\x\\12');
  });
});
