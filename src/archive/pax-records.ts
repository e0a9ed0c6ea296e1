// PAX extended header records (POSIX.1-2001 pax format: "<length> <key>=<value>\n"),
// decoded byte for byte. Values stay byte strings (one char per byte) because some are
// binary: GNU tar stores raw xattr values such as `SCHILY.xattr.security.capability`, and
// a UTF-8 decode (tar-stream's own) turns their 0xFF bytes into U+FFFD.

import { PermsnapError } from '../errors.js';

/** Key -> value, both byte strings. A null-prototype object: keys come from the archive. */
export type PaxRecords = Record<string, string>;

export function emptyPaxRecords(): PaxRecords {
  return Object.create(null) as PaxRecords;
}

const SPACE = 0x20;
const EQUALS = 0x3d;
const NEWLINE = 0x0a;

/** Decodes one extended header's records; later records with the same key win, as in tar. */
export function decodePaxRecords(bytes: Uint8Array, into: PaxRecords = emptyPaxRecords()): PaxRecords {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < buf.length) {
    // Writers pad the header's last block with NULs (the size field counts only the records).
    if (buf[at] === 0) break;
    const space = buf.indexOf(SPACE, at);
    const lengthText = space < 0 ? '' : buf.toString('latin1', at, space);
    const length = /^[0-9]{1,9}$/.test(lengthText) ? Number(lengthText) : NaN;
    const end = at + length;
    if (!(length > 0) || end > buf.length || buf[end - 1] !== NEWLINE) {
      throw new PermsnapError('MALFORMED', `malformed PAX record at byte ${at} of an extended header, expected "<length> <key>=<value>\\n"`);
    }
    const equals = buf.indexOf(EQUALS, space + 1);
    if (equals < 0 || equals >= end - 1) {
      throw new PermsnapError('MALFORMED', `malformed PAX record at byte ${at} of an extended header: no "=" after its key`);
    }
    into[buf.toString('latin1', space + 1, equals)] = buf.toString('latin1', equals + 1, end - 1);
    at = end;
  }
  return into;
}
