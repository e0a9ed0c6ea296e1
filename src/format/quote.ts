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

/** Per set of quoted bytes: 1 at each of them and at the backslash, and the pattern that finds them. */
interface Quoting {
  table: Uint8Array;
  pattern: RegExp;
}

const quotings = new Map<string, Quoting>();

function quotingFor(quoted: string): Quoting {
  let quoting = quotings.get(quoted);
  if (!quoting) {
    const table = new Uint8Array(256);
    table[0x5c] = 1;
    for (let i = 0; i < quoted.length; i++) table[quoted.charCodeAt(i)] = 1;
    const cls = [...quoted].map((c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
    quoting = { table, pattern: new RegExp(`[\\\\${cls}]`, 'g') };
    quotings.set(quoted, quoting);
  }
  return quoting;
}

export function quote(text: string, quoted: string): string {
  // Whether anything needs quoting, by a loop: nearly nothing does, and the regular
  // expression's test was a call into its own code for every path a journal or a snapshot
  // prints (0.6% of a damaged /usr restore's workers).
  const { table, pattern } = quotingFor(quoted);
  let i = 0;
  while (i < text.length && table[text.charCodeAt(i)] !== 1) i++;
  if (i === text.length) return text;
  pattern.lastIndex = 0;
  return text.replace(pattern, (ch) => (ch === '\\' ? '\\\\' : octal(ch)));
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
