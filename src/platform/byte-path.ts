// Paths are bytes. permsnap carries them as "byte strings": one char per byte (latin1), so a
// name that is not valid UTF-8 (0xFF, say) survives every step. These helpers turn a byte
// string into what node:fs and C calls need.

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/** For node:fs: ASCII strings pass as they are (same bytes in UTF-8); others as a Buffer. */
export function fsPath(bytePath: string): string | Buffer {
  return ASCII.test(bytePath) ? bytePath : Buffer.from(bytePath, 'latin1');
}

/** For a `const char *` argument through koffi: NUL-terminated bytes. */
export function cPath(bytePath: string): string | Buffer {
  return ASCII.test(bytePath) ? bytePath : Buffer.from(bytePath + '\0', 'latin1');
}

export function byteString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** A byte string's text for people, when the bytes are UTF-8 (as most names are). */
export function displayString(bytePath: string): string {
  return Buffer.from(bytePath, 'latin1').toString('utf8');
}

/** A JS (UTF-16) string from the user, such as a command-line argument, as a byte string. */
export function toByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}
