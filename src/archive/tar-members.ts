// Reads the members of an (uncompressed) tar stream with tar-stream: each member's header
// fields and PAX records, byte-exact, one at a time, data skipped. Memory stays bounded
// whatever the archive's size. A corrupt or truncated archive is an error, never a
// silently shorter list.

import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { PermsnapError } from '../errors.js';
import { decodePaxRecords, emptyPaxRecords, type PaxRecords } from './pax-records.js';

export interface TarMember {
  /** The member's name as stored (PAX `path` and GNU long names applied), a byte string. */
  name: string;
  /** tar-stream's type name ('file', 'link', 'symlink', 'directory', ...); null when unknown. */
  type: string | null;
  /** Hard or symbolic link target, a byte string. */
  linkname: string | null;
  mode: number;
  uid: number;
  gid: number;
  /** Owner and group names as stored, byte strings; '' when the archive has none. */
  uname: string;
  gname: string;
  /** The member's PAX records over the global ones, byte strings. */
  pax: PaxRecords;
  /** Numeric fields as stored where they are not numbers (read as NaN), for messages. */
  unreadable?: Partial<Record<'mode' | 'uid' | 'gid', string>>;
  /** The member's data (its first MAX_CONTENT bytes), when asked for with `contentOf`. */
  content?: Buffer;
}

export interface TarReadOptions {
  /** Members whose data is wanted (a .deb's maintainer scripts); all others are skipped. */
  contentOf?: (name: string) => boolean;
}

/** Data kept of a member whose content is asked for: scripts and control files are small. */
export const MAX_CONTENT = 1 << 20;

/** The parts of tar-stream's header we read (its names decoded with 'latin1': bytes). */
type StreamHeader = Omit<TarMember, 'pax' | 'content'> & { pax?: PaxRecords | null };

type NumericField = 'mode' | 'uid' | 'gid' | 'size';

/**
 * tar-stream's private hook for long headers. tar-stream decodes PAX values as UTF-8, which
 * corrupts binary xattr values, so this one instance decodes them itself (see design.md).
 * The package is pinned to an exact version for this reason, and test/archive checks a
 * binary value (a capability from GNU tar) end to end.
 */
interface ExtractInternals {
  _header: ({ type: string | null; name: string; uname?: string; gname?: string; unreadable?: TarMember['unreadable'] } & Record<NumericField, number>) | null;
  _pax: PaxRecords | null;
  _buffer: { buffered: number; shift(bytes: number): Uint8Array };
  _decodeLongHeader(buf: Uint8Array): void;
  _consumeHeader(): boolean;
  _write(data: unknown, cb: (err: Error | null) => void): void;
  destroy(err: Error): void;
}

const BLOCK = 512;

/** Yields the members in archive order; throws PermsnapError('MALFORMED') for a bad archive. */
export async function* readTarMembers(input: Readable, options: TarReadOptions = {}): AsyncGenerator<TarMember> {
  const globalPax = emptyPaxRecords();
  const end = { bytes: 0, marker: false };
  input.on('data', (chunk: Buffer) => (end.bytes += chunk.length));
  const extract = byteExactExtract(globalPax, end);
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  let count = 0;
  let last = '';
  try {
    for await (const entry of extract) {
      const header = entry.header as unknown as StreamHeader;
      const member = toMember(header, globalPax);
      count++;
      last = header.name;
      if (options.contentOf?.(header.name) && header.type === 'file') member.content = await readContent(entry as unknown as AsyncIterable<Uint8Array>);
      else entry.resume();
      yield member;
    }
  } catch (err) {
    throw tarError(err, count, last, end.bytes);
  } finally {
    input.unpipe();
    input.destroy();
  }
  if (end.bytes === 0) throw new PermsnapError('MALFORMED', 'empty input, expected a tar archive');
  // tar ends an archive with zero blocks. Without them the stream was cut at a member
  // boundary, which tar-stream accepts silently: the snapshot would lack the rest.
  if (!end.marker) {
    throw new PermsnapError('MALFORMED', `truncated archive: no end-of-archive marker after ${describeLast(count, last)}`);
  }
}

/**
 * end.marker: set at the end-of-archive marker (a zero block where a header is due). What
 * follows it is not read, as GNU tar reads nothing after it (a second archive appended by
 * `cat`, padding, junk); tar-stream would go on.
 */
function byteExactExtract(globalPax: PaxRecords, end: { marker: boolean }): ReturnType<typeof tarStream.extract> {
  // Unknown formats too: v7 archives (and GNU tar's volume labels) have no magic; the header
  // checksum still tells a tar header from other data.
  const extract = tarStream.extract({ filenameEncoding: 'latin1', allowUnknownFormat: true } as never);
  const internals = extract as unknown as ExtractInternals;
  const decodeOther = internals._decodeLongHeader;
  if (typeof decodeOther !== 'function') {
    throw new PermsnapError('INTERNAL', 'tar-stream no longer has _decodeLongHeader: the pinned version was changed');
  }
  const consumeHeader = internals._consumeHeader;
  const write = internals._write;
  if (typeof consumeHeader !== 'function' || typeof write !== 'function') {
    throw new PermsnapError('INTERNAL', 'tar-stream no longer has _consumeHeader or _write: the pinned version was changed');
  }
  internals._consumeHeader = function (this: ExtractInternals): boolean {
    // The header block as tar-stream takes it from its buffer: its owner and group names
    // are read again from it, as bytes (tar-stream decodes them as UTF-8, whatever
    // filenameEncoding says, and a byte that is not UTF-8 became U+FFFD).
    const buffer = this._buffer;
    const shift = buffer.shift;
    let block: Uint8Array | null = null;
    buffer.shift = (bytes: number): Uint8Array => {
      const taken = shift.call(buffer, bytes);
      if (bytes === BLOCK) block = taken;
      return taken;
    };
    let consumed: boolean;
    try {
      consumed = consumeHeader.call(this);
    } finally {
      buffer.shift = shift;
    }
    // A header consumed that decoded to nothing: a zero block.
    const header = this._header;
    if (consumed && header === null) {
      end.marker = true;
      buffer.shift(buffer.buffered);
    } else if (consumed && header !== null && block !== null) {
      header.uname = headerField(block, 265, 32);
      header.gname = headerField(block, 297, 32);
      // tar-stream reads a numeric field up to its first byte that is not octal ("0000698"
      // as 6); GNU tar refuses the field where it needs it. A mode or id so read is the
      // member's problem, a size the archive's: what follows the member is not where
      // tar-stream looks.
      for (const [field, offset, length] of NUMERIC_FIELDS) {
        if (isNumericField(block, offset, length)) continue;
        const text = JSON.stringify(headerField(block, offset, length));
        if (field === 'size') {
          this.destroy(new PermsnapError('MALFORMED', `corrupt tar header: the size field of ${JSON.stringify(Buffer.from(header.name, 'latin1').toString('utf8'))} (${text}) is not an octal number`));
          return false;
        }
        header[field] = NaN;
        (header.unreadable ??= {})[field] = text;
      }
    }
    return consumed;
  };
  internals._write = function (this: ExtractInternals, data: unknown, cb: (err: Error | null) => void): void {
    if (end.marker) cb(null);
    else write.call(this, data, cb);
  };
  internals._decodeLongHeader = function (this: ExtractInternals, buf: Uint8Array): void {
    const type = this._header?.type;
    if (type === 'pax-header') {
      this._pax = decodePaxRecords(buf);
      // tar-stream would take "5abc" as 5 and read the rest of the archive from the wrong place.
      const size = this._pax.size;
      // An empty record deletes the size (POSIX pax): the header's stands.
      if (size !== undefined && size !== '') {
        const why = !/^[0-9]+$/.test(size) ? 'is not a decimal number' : !Number.isSafeInteger(Number(size)) ? 'is out of range' : null;
        if (why !== null) throw new PermsnapError('MALFORMED', `corrupt PAX header: size record ${JSON.stringify(size)} ${why}`);
      }
    }
    // Kept here, not by tar-stream: it applies global records only to members that also
    // have records of their own.
    else if (type === 'pax-global-header') decodePaxRecords(buf, globalPax);
    else decodeOther.call(this, buf);
  };
  return extract;
}

const NUMERIC_FIELDS: ReadonlyArray<readonly [NumericField, number, number]> = [['mode', 100, 8], ['uid', 108, 8], ['gid', 116, 8], ['size', 124, 12]];

const isSpace = (byte: number | undefined): boolean => byte === 0x20 || (byte !== undefined && byte >= 0x09 && byte <= 0x0d);

/**
 * Whether a numeric header field reads as GNU tar reads one: base-256, or blanks, octal
 * digits, and then NUL, a blank or the field's end (all NUL is 0). A field of blanks alone
 * is refused too.
 */
function isNumericField(block: Uint8Array, offset: number, length: number): boolean {
  const field = block.subarray(offset, offset + length);
  if (field[0] === 0x80 || field[0] === 0xff) return true;
  let i = field[0] === 0 ? 1 : 0;
  while (i < length && isSpace(field[i])) i++;
  if (i === length) return false;
  while (i < length && (field[i] as number) >= 0x30 && (field[i] as number) <= 0x37) i++;
  return i === length || field[i] === 0 || isSpace(field[i]);
}

/** A NUL-padded text field of a header block, as a byte string. */
function headerField(block: Uint8Array, offset: number, length: number): string {
  const field = Buffer.from(block.buffer, block.byteOffset + offset, length);
  const nul = field.indexOf(0);
  return field.toString('latin1', 0, nul < 0 ? length : nul);
}

/** The first MAX_CONTENT bytes of an entry; the rest is read and dropped. */
async function readContent(entry: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of entry) {
    if (length >= MAX_CONTENT) continue;
    parts.push(Buffer.from(chunk));
    length += chunk.length;
  }
  return Buffer.concat(parts).subarray(0, MAX_CONTENT);
}

function toMember(header: StreamHeader, globalPax: PaxRecords): TarMember {
  const pax = emptyPaxRecords();
  // An empty value in a member's records deletes the global record of that key (POSIX pax).
  for (const [key, value] of Object.entries({ ...globalPax, ...header.pax })) if (value !== '') pax[key] = value;
  return {
    name: header.name,
    type: header.type,
    linkname: header.linkname,
    mode: header.mode,
    uid: header.uid,
    gid: header.gid,
    // Read from the header block as bytes (byteExactExtract). An empty record deletes the
    // header's name (POSIX pax) where the record gives the id too: the id then stands, as
    // GNU tar extracts it. Without an id record GNU tar looks the header's name up: it stands.
    uname: header.pax?.uname === '' && header.pax.uid !== undefined ? '' : header.uname,
    gname: header.pax?.gname === '' && header.pax.gid !== undefined ? '' : header.gname,
    pax,
    ...(header.unreadable && { unreadable: header.unreadable }),
  };
}

function describeLast(count: number, last: string): string {
  return count === 0 ? 'the start' : `member ${count} (${JSON.stringify(Buffer.from(last, 'latin1').toString('utf8'))})`;
}

/** tar-stream's messages, reworded to say what is wrong and where. */
function tarError(err: unknown, count: number, last: string, bytes: number): unknown {
  if (err instanceof PermsnapError) return err;
  const message = (err as Error).message ?? String(err);
  const where = describeLast(count, last);
  const said: Array<[RegExp, string]> = [
    [/^Invalid tar header\. Maybe/, count === 0 ? 'not a tar archive (bad header checksum at the start)' : `corrupt tar header (bad checksum) after ${where}`],
    [/^Unexpected end of data/, bytes < BLOCK
      ? `not a tar archive: ${bytes} bytes, less than one ${BLOCK}-byte header`
      : `truncated archive: the data ends within ${count === 0 ? 'the first member' : `or just after ${where}`}`],
    [/^Header exceeds max size/, `corrupt archive: an extended header larger than 4 MiB after ${where}`],
    [/^Invalid header/, `corrupt tar header (bad size field) after ${where}`],
  ];
  const known = said.find(([re]) => re.test(message));
  return new PermsnapError('MALFORMED', known ? known[1] : `${message} (after ${where})`, { cause: err });
}
