// Opens an archive (a file, or stdin for "-") and undoes its compression, recognised by
// its first bytes, never by its name: gzip (node:zlib), xz (xz-decompress, WASM) and
// zstd (fzstd, pure JS; Node 20's zlib has no zstd). Chosen by measurement on a 1.6 GB tar
// of /usr (node 20, 2 cores): xz-decompress 33 MB/s, the native lzma-native 35 MB/s but
// with an install script; fzstd 92 MB/s, while the native zstd bindings either download
// their binary at install (zstd-napi, @mongodb-js/zstd) or decode only whole buffers
// (@toondepauw/node-zstd). Errors come out as PermsnapErrors saying which layer failed.

import fs from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import xz from 'xz-decompress';
import { PermsnapError, systemReason } from '../errors.js';
import { startsWithBytes, unsupportedFormatOf } from './magic-numbers.js';
import { standardInput } from '../platform/standard-input.js';

export type Compression = 'gzip' | 'xz' | 'zstd' | 'none';

const MAGIC: ReadonlyArray<[Compression, readonly number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** The longest magic number above: how many bytes sniffing needs. */
export const SNIFF_BYTES = 6;

/** The compression whose magic number starts `head`; 'none' for anything else (plain tar, or not a tar). */
export function sniffCompression(head: Uint8Array): Compression {
  const known = MAGIC.find(([, magic]) => startsWithBytes(head, magic));
  if (known) return known[0];
  if (isZstdSkippableFrame(head)) return 'zstd';
  const other = unsupportedFormatOf(head);
  if (other !== null) {
    throw new PermsnapError('MALFORMED', `${other} data is not supported, expected a tar archive, plain or compressed with gzip, xz or zstd`);
  }
  return 'none';
}

/**
 * A zstd skippable frame (magic 0x184D2A50 to 0x184D2A5F, little-endian): zstd streams may
 * begin with one, as pzstd's output does (it records its frame sizes there); the decoder
 * passes over it.
 */
function isZstdSkippableFrame(head: Uint8Array): boolean {
  return head.length >= 4 && ((head[0] as number) & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18;
}

/** The archive's bytes: "-" is stdin. Opened at once, so a missing file fails before any output. */
export function openArchive(file: string): Readable {
  if (file === '-') return standardInput();
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
    if (fs.fstatSync(fd).isDirectory()) {
      fs.closeSync(fd);
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
  } catch (err) {
    throw new PermsnapError('IO', `cannot open: ${systemReason(err)}`, { cause: err });
  }
  return fs.createReadStream('', { fd, highWaterMark: 256 * 1024 });
}

/** The decompressed tar stream and what it was compressed with. */
export async function decompress(source: Readable): Promise<{ compression: Compression; stream: Readable }> {
  const { head, all } = await peek(source, SNIFF_BYTES);
  const compression = sniffCompression(head);
  const corrupt = (err: Error): PermsnapError =>
    new PermsnapError('MALFORMED', `corrupt ${compression} data: ${compression === 'xz' ? xzReason(err.message) : err.message}`, { cause: err });
  const readable = (chunks: AsyncIterable<Uint8Array>): Readable => Readable.from(labelErrors(chunks, corrupt), { objectMode: false });
  switch (compression) {
    case 'none':
      return { compression, stream: all };
    case 'gzip':
      return { compression, stream: readable(pipeline(all, zlib.createGunzip({ chunkSize: 64 * 1024 }), ignore)) };
    case 'xz': {
      const web = new xz.XzReadableStream(Readable.toWeb(all) as unknown as ReadableStream<Uint8Array>);
      return { compression, stream: readable(Readable.fromWeb(web as unknown as WebReadableStream)) };
    }
    case 'zstd':
      return { compression, stream: readable(zstdChunks(all)) };
  }
}

/** The first `bytes` bytes (fewer at the end of the input), and a stream of all of it, those included. */
async function peek(source: Readable, bytes: number): Promise<{ head: Buffer; all: Readable }> {
  const chunks = labelErrors(source, (err) => new PermsnapError('IO', `read failed: ${err.message}`, { cause: err }))[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await chunks.next();
    if (next.done) break;
    taken.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(taken);
  const all = Readable.from((async function* () {
    try {
      if (head.length > 0) yield head;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    } finally {
      await chunks.return?.(undefined);
    }
  })(), { objectMode: false });
  return { head, all };
}

/** Compressed bytes given to fzstd at a time (each yields at most a few 128 KiB blocks). */
const ZSTD_SLICE = 32 * 1024;

/** xz-decompress reports xz-embedded's `enum xz_ret` as a number (xz.h). */
const XZ_ERRORS: Record<string, string> = {
  '2': 'unsupported integrity check',
  '3': 'out of memory',
  '4': 'the dictionary is larger than the memory limit',
  '5': 'not in xz format',
  '6': 'unsupported xz options',
  '7': 'the compressed data is corrupt (integrity check failed)',
  '8': 'unexpected end of input (truncated?)',
};

function xzReason(message: string): string {
  const code = /error code (\d+)/.exec(message)?.[1];
  return (code !== undefined ? XZ_ERRORS[code] : undefined) ?? message;
}

/** pipeline() reports errors to its callback and also destroys the last stream with them: read there. */
const ignore = (): void => {};

/**
 * Chunks of `stream`, with its errors turned into PermsnapErrors (ones that already are
 * pass through: a read error under a decompressor stays a read error).
 */
async function* labelErrors(chunks: AsyncIterable<Uint8Array>, label: (err: Error) => PermsnapError): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of chunks) yield chunk as Buffer;
  } catch (err) {
    throw err instanceof PermsnapError ? err : label(err as Error);
  }
}

/**
 * fzstd's push-style decoder, pulled: input is fed in slices and each slice's output is
 * yielded before the next, so what is in flight is one slice's worth, however large the
 * chunks read. fzstd throws 'unexpected EOF' on a cut frame.
 */
async function* zstdChunks(source: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  const decoder = new ZstdDecompress((data) => {
    if (data.length > 0) out.push(data);
  });
  const drain = (): Uint8Array[] => {
    const ready = out;
    out = [];
    return ready;
  };
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; at += ZSTD_SLICE) {
      decoder.push(chunk.subarray(at, at + ZSTD_SLICE));
      yield* drain();
    }
  }
  decoder.push(new Uint8Array(0), true);
  yield* drain();
}
