// Formats users meet that permsnap does not decode, known by their first bytes: named, so
// that a message says what the file is rather than where its "text" first goes wrong.

const UNSUPPORTED: ReadonlyArray<[string, readonly number[]]> = [
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lzip', [0x4c, 0x5a, 0x49, 0x50]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  ['compress (.Z)', [0x1f, 0x9d]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
];

export const startsWithBytes = (head: Uint8Array, magic: readonly number[]): boolean =>
  head.length >= magic.length && magic.every((b, i) => head[i] === b);

/** The name of the unsupported format `head` starts, or null. */
export function unsupportedFormatOf(head: Uint8Array): string | null {
  return UNSUPPORTED.find(([, magic]) => startsWithBytes(head, magic))?.[0] ?? null;
}
