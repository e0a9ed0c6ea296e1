// What diff and restore read where a snapshot is expected: a snapshot (getfacl text, plain
// or gzip), a tar archive (plain, gzip, xz or zstd) or a .deb, told apart by content alone:
// `!<arch>` starts a .deb, `ustar` at offset 257 of the (decompressed) bytes marks a tar.
// The bytes read to decide are replayed, so stdin and pipes work as well as files. The
// archive readers are loaded only when the content calls for them.

import fs from 'node:fs';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { PermsnapError, systemReason } from '../errors.js';
import { checkPath } from '../library-options.js';
import { fsPath, toByteString } from '../platform/byte-path.js';
import { sharedBufferForBulk } from '../platform/huge-pages.js';
import { readAt } from '../platform/read-at.js';
import type { ParsedEntry } from '../format/getfacl-parser.js';
import { startsWithBytes, unsupportedFormatOf } from './magic-numbers.js';
import { fileStamp, PARSE_CHUNK, READ_SIZE, readSnapshotBatches, type ReadSnapshotOptions, type SnapshotFile, type SnapshotText } from '../format/read-snapshot.js';
import { standardInput } from '../platform/standard-input.js';

export type OperandKind = 'snapshot' | 'tar' | 'deb';

const CHUNK = 1 << 16;
const AR_MAGIC = Buffer.from('!<arch>\n', 'latin1');
/** tar's magic is at 257 ("ustar\0" POSIX, "ustar  \0" GNU): the byte after it is 0 or a space. */
const USTAR_AT = 257;
const HEADER = 512;
const SNIFF_LENGTH = HEADER;
/** Compressed bytes read at most to find the first tar header: a header never needs more. */
const MAX_COMPRESSED_HEAD = 1 << 20;
const COMPRESSION_MAGIC = [[0x1f, 0x8b], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], [0x28, 0xb5, 0x2f, 0xfd]];

/**
 * Whether decompressed bytes start with a tar header: the magic, and the header's checksum
 * (so a snapshot whose text happens to hold "ustar " at offset 257 is still a snapshot); or
 * a v7 header, by its checksum alone; or a zero block, the whole of an empty archive.
 */
export function isTarHead(head: Uint8Array): boolean {
  if (head.length < HEADER) return false;
  // An archive with no member at all is zero blocks from its start (`tar -cf x -T /dev/null`).
  if (head.subarray(0, HEADER).every((b) => b === 0)) return true;
  const magic = Buffer.from(head.subarray(USTAR_AT, USTAR_AT + 5)).toString('latin1') === 'ustar';
  // A v7 header (tar --format=v7) has no magic: its checksum and a name say it all the same.
  return (magic ? head[USTAR_AT + 5] === 0 || head[USTAR_AT + 5] === 0x20 : head[0] !== 0) && checksumMatches(head);
}

/** The sum of the header's bytes, its checksum field (148..155) counted as spaces. */
function checksumMatches(head: Uint8Array): boolean {
  const field = Buffer.from(head.subarray(148, 156)).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]{1,7}$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < HEADER; i++) sum += i >= 148 && i < 156 ? 0x20 : head[i]!;
  return sum === parseInt(field, 8);
}

/**
 * The entries of `operand` (a path, or '-' for stdin) in the order it holds them. For an
 * archive, `info.hasMarkers` says whether it knows which files have no capability: a tar
 * does (as the snapshot `snapshot --from-tar` prints of it), a .deb never holds capabilities.
 */
export async function* readOperand(operand: string, options: ReadSnapshotOptions = {}): AsyncGenerator<ParsedEntry> {
  // Not the entries that say an archive's path is a symlink now: they have no block.
  for await (const entries of readOperandBatches(operand, options)) for (const e of entries) if (e.entry.type !== 'symlink') yield e;
}

/**
 * The same entries, several at a time (see readSnapshotBatches); for an archive, also an
 * entry of type symlink where a path's last member is one (restore and diff drop the path's
 * earlier block for it: archive-entries.ts).
 */
export async function* readOperandBatches(operand: string, options: ReadSnapshotOptions = {}): AsyncGenerator<ParsedEntry[]> {
  checkPath('operand', operand);
  const bytes = options.input ?? (operand === '-' ? (options.stdin ?? standardInput()) : fs.createReadStream(fsPath(toByteString(operand)), { highWaterMark: READ_SIZE }));
  const source = new ReplayedSource(asAsync(bytes), operand);
  try {
    const kind = await sniff(source);
    if (kind === 'snapshot') {
      yield* readSnapshotBatches(operand, { ...options, input: source.replay() });
      return;
    }
    const { archiveEntries } = await import('./archive-entries.js');
    if (options.info) options.info.hasMarkers = kind === 'tar';
    for await (const entry of archiveEntries(operand, kind, source.replay())) yield [entry];
  } finally {
    await source.close();
  }
}

async function* asAsync<T>(items: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/**
 * The operand opened for reading, once: what a caller checks of it (its owner, its first
 * line) is then what is read (operandBytes(), snapshotForPieces()). Null for '-' (stdin).
 * A FIFO is opened here as the reader would (waiting for its writer): this open is the
 * reading one. One that cannot be opened is said as the reader says it. The caller closes it.
 */
export async function openOperand(operand: string): Promise<number | null> {
  checkPath('operand', operand);
  if (operand === '-') return null;
  try {
    return await openAsync(fsPath(toByteString(operand)), fs.constants.O_RDONLY);
  } catch (err) {
    throw new PermsnapError('IO', `cannot read the snapshot: ${systemReason(err)}`, { file: operand, cause: err });
  }
}

const openAsync = promisify(fs.open);
const readAsync = promisify(fs.read);

/**
 * The operand as a regular file opened now, or null: '-', a FIFO or a device (opened by its
 * reader, which must be the one that reads it: its writer may write once, to the first
 * reader), or a name that cannot be opened (the reader says why).
 */
function openRegularFile(operand: string): number | null {
  if (operand === '-') return null;
  const file = fsPath(toByteString(operand));
  let fd: number;
  try {
    if (!fs.statSync(file).isFile()) return null;
    // O_NONBLOCK: a FIFO put there since the stat is not waited for.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  let regular = false;
  try {
    regular = fs.fstatSync(fd).isFile();
  } catch {
    // closed below
  }
  if (regular) return fd;
  fs.closeSync(fd);
  return null;
}

/**
 * The bytes of an operand opened by openOperand(), `size` at a time, from its start or
 * `start` (a FIFO's, as they come): readOperandBatches()'s `input`. The descriptor stays
 * open (a read stream let go before its end closes it, autoClose or not).
 */
export async function* operandBytes(fd: number, size = READ_SIZE, start = 0): AsyncGenerator<Buffer> {
  const seekable = fs.fstatSync(fd).isFile();
  for (let position = start; ;) {
    const { bytesRead, buffer } = await readAsync(fd, Buffer.allocUnsafe(size), 0, size, seekable ? position : null);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

async function sniff(source: ReplayedSource): Promise<OperandKind> {
  try {
    return await sniffHead(source);
  } catch (err) {
    if (err instanceof PermsnapError) throw err;
    // The message readSnapshot gives for a source it cannot read (a missing file, a directory).
    throw new PermsnapError('IO', `cannot read the snapshot: ${systemReason(err)}`, { file: source.name, cause: err });
  }
}

/**
 * What the first bytes of an operand say it is; 'compressed': the bytes inside will tell;
 * 'unsupported': a format permsnap does not read (bzip2, zip...).
 */
function headKind(head: Buffer): OperandKind | 'compressed' | 'unsupported' {
  if (head.subarray(0, AR_MAGIC.length).equals(AR_MAGIC)) return 'deb';
  if (isTarHead(head)) return 'tar';
  if (COMPRESSION_MAGIC.some((magic) => startsWithBytes(head, magic))) return 'compressed';
  return unsupportedFormatOf(head) === null ? 'snapshot' : 'unsupported';
}

async function sniffHead(source: ReplayedSource): Promise<OperandKind> {
  let head = await source.head(SNIFF_LENGTH);
  const kind = headKind(head);
  if (kind === 'unsupported') {
    throw new PermsnapError('MALFORMED', `${unsupportedFormatOf(head)} data is not supported, expected a snapshot (plain or gzip), a tar archive (plain, gzip, xz or zstd) or a .deb`, { file: source.name });
  }
  if (kind !== 'compressed') return kind;
  const { decompressedHead } = await import('./archive-entries.js');
  for (let want = CHUNK; ; want *= 2) {
    head = await source.head(want);
    const { bytes, compression, ended } = await decompressedHead(head, SNIFF_LENGTH);
    if (isTarHead(bytes)) return 'tar';
    const more = head.length >= want && want < MAX_COMPRESSED_HEAD;
    if (bytes.length >= SNIFF_LENGTH || !more) {
      // A gzip snapshot is permsnap's own `-o FILE.gz`; xz or zstd can only be an archive.
      if (compression === 'gzip') return 'snapshot';
      // Too little came out for a tar header (every tar has one), and the data did not end
      // there: a cut or damaged download, not another kind of data (an intact small file is).
      if (bytes.length < SNIFF_LENGTH && !ended) {
        throw new PermsnapError('MALFORMED', `corrupt or truncated ${compression} data: it inflates to ${bytes.length} byte(s), less than a tar header, expected a tar archive`, { file: source.name });
      }
      throw new PermsnapError('MALFORMED', `${compression} data that is not a tar archive, expected a snapshot (plain or gzip), a tar archive or a .deb`, { file: source.name });
    }
  }
}

/**
 * Most a snapshot read whole into memory may weigh; a bigger one streams. Held whole, it is
 * parsed in pieces on the workers into packed items: a 1.56 GB file of 14M distinct blocks
 * took 38.5 s and 2.4 GB (restore --dry-run). Streamed, every path is an object on the main
 * thread: at 512 MiB, the limit before, a 540 MB file of 4.8M blocks ran out of V8's 4 GB
 * heap after 110 s (held whole: 13.9 s, 1.1 GB).
 */
const MAX_IN_MEMORY = 2 ** 31;

/**
 * The whole text of `operand` in memory that worker threads can share (restore's first
 * pass parses it in pieces), when it is a snapshot file, plain or gzip (not stdin, not an
 * archive), whose text has `minSize` bytes or more. Otherwise, or when it cannot be read
 * or inflated, null: readOperandBatches reads it, and reports why it cannot.
 */
export function readSnapshotText(operand: string, minSize: number): SnapshotText | null {
  return snapshotOf(operand, minSize, false) as SnapshotText | null;
}

/**
 * As readSnapshotText(), but a plain snapshot file is left open, for the workers to read
 * their pieces of (SnapshotFile): the caller closes it. A gzip one is inflated into memory.
 */
export function snapshotForPieces(operand: string, minSize: number, opened: number | null = null): SnapshotText | SnapshotFile | null {
  return snapshotOf(operand, minSize, true, opened);
}

/** The operand's text, or its file left open; read from `opened` (openOperand(), never closed here) when given. */
function snapshotOf(operand: string, minSize: number, leaveOpen: boolean, opened: number | null = null): SnapshotText | SnapshotFile | null {
  checkPath('operand', operand);
  const fd = opened ?? openRegularFile(operand);
  if (fd === null) return null;
  let keepOpen = opened !== null;
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > MAX_IN_MEMORY) return null;
    const kind = headKind(readAt(fd, Buffer.alloc(Math.min(st.size, SNIFF_LENGTH))));
    if (kind === 'snapshot') {
      if (st.size < minSize) return null;
      if (!leaveOpen) return { fileName: operand, bytes: readAt(fd, sharedBufferForBulk(st.size)) };
      const stamp = fileStamp(fd);
      const head = readAt(fd, Buffer.alloc(Math.min(st.size, PARSE_CHUNK)));
      keepOpen = true;
      return { fileName: operand, fd, size: st.size, head, stamp };
    }
    const text = kind === 'compressed' ? gunzippedSnapshot(readAt(fd, Buffer.alloc(st.size))) : null;
    if (text === null || text.length < minSize) return null;
    const shared = sharedBufferForBulk(text.length);
    text.copy(shared);
    return { fileName: operand, bytes: shared };
  } catch {
    return null;
  } finally {
    if (!keepOpen) fs.closeSync(fd);
  }
}

/**
 * The text of gzip bytes when it is a snapshot (not a tar), else null. A tar is told from
 * the first inflated bytes, before the rest is inflated for nothing.
 */
function gunzippedSnapshot(compressed: Buffer): Buffer | null {
  if (compressed[0] !== 0x1f || compressed[1] !== 0x8b) return null;
  const head = zlib.gunzipSync(compressed.subarray(0, CHUNK), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  if (headKind(head.subarray(0, SNIFF_LENGTH)) !== 'snapshot') return null;
  return zlib.gunzipSync(compressed, { maxOutputLength: MAX_IN_MEMORY });
}

/** A byte source whose first bytes can be looked at and then read again from the start. */
class ReplayedSource {
  private readonly chunks: AsyncIterator<Buffer | string>;
  private readonly taken: Buffer[] = [];
  private length = 0;
  private ended = false;

  constructor(stream: AsyncIterable<Buffer | string>, readonly name: string) {
    this.chunks = stream[Symbol.asyncIterator]();
  }

  /** At least `bytes` bytes from the start (fewer at the end of the input). */
  async head(bytes: number): Promise<Buffer> {
    while (this.length < bytes && !this.ended) {
      const chunk = await this.pull();
      if (chunk === null) this.ended = true;
      else {
        this.taken.push(chunk);
        this.length += chunk.length;
      }
    }
    return Buffer.concat(this.taken);
  }

  /** Every byte from the start; call once. */
  async *replay(): AsyncGenerator<Buffer> {
    try {
      yield* this.taken.splice(0);
      for (let chunk = await this.pull(); chunk !== null; chunk = await this.pull()) yield chunk;
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    await this.chunks.return?.(undefined);
  }

  private async pull(): Promise<Buffer | null> {
    if (this.ended) return null;
    const next = await this.chunks.next();
    if (next.done) {
      this.ended = true;
      return null;
    }
    return typeof next.value === 'string' ? Buffer.from(next.value, 'latin1') : next.value;
  }
}
