// Paths are bytes. permsnap carries them as "byte strings": one char per byte (latin1), so a
// name that is not valid UTF-8 (0xFF, say) survives every step. These helpers turn a byte
// string into what node:fs and C calls need.

import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';

// A search for what is not ASCII, rather than a match of the whole string against what
// is: 0.15 us less a name (measured while restore's first look passed its names as strings).
// eslint-disable-next-line no-control-regex
const NOT_ASCII = /[^\x00-\x7f]/;

/** Whether a string holds only ASCII: a byte string that is the same bytes in UTF-8. */
export function isAscii(text: string): boolean {
  return !NOT_ASCII.test(text);
}

/** For node:fs: ASCII strings pass as they are (same bytes in UTF-8); others as a Buffer. */
export function fsPath(bytePath: string): string | Buffer {
  return isAscii(bytePath) ? bytePath : Buffer.from(bytePath, 'latin1');
}

/** Whether every char is ASCII and none is NUL (a loop: a regular expression's test was a call into its code for every path restore opens). */
function isAsciiWithoutNul(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c > 0x7f) return false;
  }
  return true;
}

/**
 * For a `const char *` argument through koffi: NUL-terminated bytes. A NUL inside is refused
 * (EINVAL), never passed: C would take the path as ending there, "..\0x" as "..".
 */
export function cPath(bytePath: string): string | Buffer {
  if (isAsciiWithoutNul(bytePath)) return bytePath;
  if (bytePath.includes('\0')) throw Object.assign(new Error(`EINVAL: a NUL byte in the path ${JSON.stringify(bytePath)}`), { code: 'EINVAL' });
  return Buffer.from(bytePath + '\0', 'latin1');
}

export function byteString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Whether a byte string's bytes are valid UTF-8 (so its displayString() is exact). */
export function isUtf8Bytes(bytePath: string): boolean {
  return isAscii(bytePath) || isUtf8(Buffer.from(bytePath, 'latin1'));
}

/**
 * The current directory as a byte string; null when it cannot be named (see
 * unnamedCurrentDirectory). process.cwd() decodes it as UTF-8, turning a byte that is not
 * UTF-8 into U+FFFD (a directory that does not exist); the kernel's link says the bytes.
 * Either is used only when it leads back to the current directory itself: the link reads
 * "/" for a directory on a lazily unmounted filesystem, which would put the paths beneath
 * another tree.
 */
export function currentDirectory(): string | null {
  try {
    const link = fs.readlinkSync('/proc/self/cwd', { encoding: 'buffer' }).toString('latin1');
    if (link.startsWith('/') && !link.endsWith(' (deleted)') && isCurrentDirectory(fsPath(link))) return link;
  } catch {
    // no /proc: the decoded form is all there is
  }
  // A directory named "x (deleted)" is found here; a deleted one is null.
  const decoded = cwdIfPresent();
  return decoded !== null && isCurrentDirectory(decoded) ? toByteString(decoded) : null;
}

function isCurrentDirectory(path: string | Buffer): boolean {
  try {
    const [named, here] = [fs.statSync(path), currentDirectoryStat()];
    return named.dev === here.dev && named.ino === here.ino;
  } catch {
    return false;
  }
}

/**
 * The current directory's stat: through its /proc link, which needs no search permission
 * on it (stat "." does: a user in a directory of their own that `chmod 000 .` locked could
 * not restore it), else as ".".
 */
function currentDirectoryStat(): fs.Stats {
  try {
    return fs.statSync('/proc/self/cwd');
  } catch {
    return fs.statSync('.');
  }
}

/** Why the current directory cannot be named (currentDirectory() gave null), for a message. */
export function unnamedCurrentDirectory(): string {
  // A deleted directory can still be stat()ed, through its last reference: it has no links.
  try {
    if (currentDirectoryStat().nlink === 0) return 'it has been deleted';
  } catch {
    // neither its link nor "." can be stat()ed: the reasons below, or none of them
  }
  try {
    process.cwd();
  } catch (err) {
    // libuv asks getcwd for at most PATH_MAX bytes: ERANGE.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERANGE' || code === 'ENAMETOOLONG') return 'its path is longer than PATH_MAX, 4096 bytes';
  }
  return 'it cannot be reached from /: a lazily unmounted filesystem, or outside a chroot';
}

/**
 * process.cwd(), or null when the current directory has been deleted (it throws ENOENT,
 * uv_cwd): what Node's worker threads and yargs ask for, and cannot have, there.
 */
export function cwdIfPresent(): string | null {
  try {
    return process.cwd();
  } catch {
    return null;
  }
}

/** A byte string's text for people, when the bytes are UTF-8 (as most names are). */
export function displayString(bytePath: string): string {
  return Buffer.from(bytePath, 'latin1').toString('utf8');
}

/** A lone surrogate U+DC80-U+DCFF: a byte that is not UTF-8, kept by escapedText(). */
const ESCAPED_BYTE = /[\udc80-\udcff]/u;

/**
 * A JS (UTF-16) string from the user, such as a command-line argument, as a byte string. A
 * byte escaped by escapedText() becomes that byte again.
 */
export function toByteString(text: string): string {
  if (!ESCAPED_BYTE.test(text)) return Buffer.from(text, 'utf8').toString('latin1');
  let bytes = '';
  for (const char of text) {
    const escaped = escapedByte(char);
    bytes += escaped >= 0 ? String.fromCharCode(escaped) : Buffer.from(char, 'utf8').toString('latin1');
  }
  return bytes;
}

/**
 * A byte string as text for a message: UTF-8 reads as what it says, a byte that is not
 * UTF-8 shows as \xNN; `spell` writes every other character (as it is, by default).
 */
export function messageText(bytePath: string, spell: (char: string) => string = (char) => char): string {
  let text = '';
  for (const char of escapedText(Buffer.from(bytePath, 'latin1'))) {
    const byte = escapedByte(char);
    text += byte >= 0 ? `\\x${byte.toString(16)}` : spell(char);
  }
  return text;
}

/** The byte a character of escapedText() stands for when it is an escaped one, else -1. */
export function escapedByte(char: string): number {
  const code = char.charCodeAt(0);
  return char.length === 1 && code >= 0xdc80 && code <= 0xdcff ? code - 0xdc00 : -1;
}

/**
 * Bytes as text: UTF-8 where they are UTF-8, and each other byte as the lone surrogate
 * U+DC00 + byte (Python's "surrogateescape"), so that toByteString() gives the bytes back.
 * Node decodes command-line arguments as UTF-8, turning such bytes into U+FFFD for good.
 */
export function escapedText(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Most names are UTF-8: decoded at once (globs match every non-ASCII path this way).
  if (isUtf8(buffer)) return buffer.toString('utf8');
  let text = '';
  for (let i = 0; i < bytes.length; ) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      text += String.fromCharCode(0xdc00 + (bytes[i] as number));
      i++;
    } else {
      text += Buffer.from(bytes.buffer, bytes.byteOffset + i, length).toString('utf8');
      i += length;
    }
  }
  return text;
}

/** The length of the well-formed UTF-8 sequence at i (RFC 3629), 0 when there is none. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] as number;
  if (b0 < 0x80) return 1;
  const within = (k: number, low: number, high: number): boolean => i + k < bytes.length && (bytes[i + k] as number) >= low && (bytes[i + k] as number) <= high;
  if (b0 >= 0xc2 && b0 <= 0xdf) return within(1, 0x80, 0xbf) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    // No overlong forms (E0 A0..), no surrogates (ED ..9F).
    const [low, high] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return within(1, low, high) && within(2, 0x80, 0xbf) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [low, high] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return within(1, low, high) && within(2, 0x80, 0xbf) && within(3, 0x80, 0xbf) ? 4 : 0;
  }
  return 0;
}
