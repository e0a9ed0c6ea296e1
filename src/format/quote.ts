// getfacl's quoting (acl 2.3.1, libmisc/quote.c): a backslash doubles, each listed byte
// becomes a backslash and three octal digits, every other byte is copied raw. Paths and
// names are byte strings, so "bytes" here are chars 0-255.

// NUL is not getfacl's (no path it reads holds one), but an archive member's name can: the
// message that refuses it must not print the byte raw.
export const PATH_QUOTED = '\n\r\0';
export const OWNER_QUOTED = ' \t\n\r';
export const QUALIFIER_QUOTED = ':, \t\n\r';
/** Every control byte: for text a file says of itself in a message (no line or terminal escape of its own). */
export const CONTROL_QUOTED = String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i), 0x7f);

function octal(ch: string): string {
  return '\\' + ch.charCodeAt(0).toString(8).padStart(3, '0');
}

/** Per set of quoted bytes: each of them and the backslash, and the pattern that finds them. */
interface Quoting {
  chars: readonly string[];
  pattern: RegExp;
}

const quotings = new Map<string, Quoting>();

function quotingFor(quoted: string): Quoting {
  let quoting = quotings.get(quoted);
  if (!quoting) {
    const cls = [...quoted].map((c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
    quoting = { chars: ['\\', ...quoted], pattern: new RegExp(`[\\\\${cls}]`, 'g') };
    quotings.set(quoted, quoting);
  }
  return quoting;
}

/** Sets of more chars than this are looked for with their pattern, not one search each. */
const SEARCHED_ONE_BY_ONE = 8;

export function quote(text: string, quoted: string): string {
  // Whether anything needs quoting: nearly nothing does. A search for each char of a small
  // set (a string builtin, reading the bytes in place) took 50 ns a /usr path; a loop over
  // the path's chars took 210 (restore's paths are slices of the parser's text, each char
  // one more indirection), the regular expression's test 70.
  const { chars, pattern } = quotingFor(quoted);
  if (chars.length <= SEARCHED_ONE_BY_ONE) {
    let i = 0;
    while (i < chars.length && !text.includes(chars[i] as string)) i++;
    if (i === chars.length) return text;
  }
  pattern.lastIndex = 0;
  return text.replace(pattern, (ch) => (ch === '\\' ? '\\\\' : octal(ch)));
}

/**
 * The first escape above `\377` in quoted text (`457` for `\457`), else undefined. getfacl
 * writes none; setfacl takes one modulo 256, so `\457` is a `/` there and `\400` a NUL:
 * readers refuse them rather than read a name the text does not show.
 */
export function escapeAbove377(text: string): string | undefined {
  if (!text.includes('\\')) return undefined;
  for (const [, code] of text.matchAll(/\\(\\|[0-7]{3})/g)) {
    if (code !== '\\' && parseInt(code as string, 8) > 0o377) return code;
  }
  return undefined;
}

/**
 * setfacl's unquoting: a backslash and exactly three octal digits is that byte, `\\` is a
 * backslash, any other backslash stays as it is.
 */
export function unquote(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(\\|[0-7]{3})/g, (_, code: string) =>
    code === '\\' ? '\\' : String.fromCharCode(parseInt(code, 8) & 0xff),
  );
}
