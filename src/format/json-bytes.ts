// Byte strings (one char per byte: paths, names, entry texts) as JSON members, lossless:
// contracts.md gives a path that is not UTF-8 as `pathBase64`, the raw bytes; the same
// rule serves every other string that holds a name (an owner, an ACL entry, a diff's
// before and after), which would otherwise come out as U+FFFD and two different names
// alike.

import { isUtf8 } from 'node:buffer';

/** `{key: text}` when the bytes are UTF-8, else `{keyBase64: the bytes in base64}`. */
export function bytesMember(key: string, byteString: string): Record<string, string> {
  const bytes = Buffer.from(byteString, 'latin1');
  return isUtf8(bytes) ? { [key]: bytes.toString('utf8') } : { [`${key}Base64`]: bytes.toString('base64') };
}

/** `{key: [texts]}` when every one is UTF-8, else `{keyBase64: [each in base64]}`. */
export function bytesListMember(key: string, byteStrings: readonly string[]): Record<string, string[]> {
  const list = byteStrings.map((s) => Buffer.from(s, 'latin1'));
  return list.every((b) => isUtf8(b))
    ? { [key]: list.map((b) => b.toString('utf8')) }
    : { [`${key}Base64`]: list.map((b) => b.toString('base64')) };
}
