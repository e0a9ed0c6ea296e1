// Reads the members of an ar archive (the container of a .deb, ar(5): an 8-byte magic, then
// per member a 60-byte header and the data, padded to an even length), streamed: each
// member's body is a stream of its own, valid until the next member is asked for.

import { Readable } from 'node:stream';
import { PermsnapError } from '../errors.js';
import { ByteReader } from './byte-reader.js';

export const AR_MAGIC = '!<arch>\n';
const HEADER = 60;
const TRAILER = '`\n';

/** Errors about the container itself, which a reader of a member's data passes on unchanged. */
const containerErrors = new WeakSet<object>();

export function isContainerError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && containerErrors.has(err);
}

function containerError(message: string): PermsnapError {
  const err = new PermsnapError('MALFORMED', message);
  containerErrors.add(err);
  return err;
}

export interface ArMember {
  /** The name as stored, without its padding or GNU ar's trailing "/". */
  name: string;
  size: number;
  /** The member's bytes. Unread bytes are skipped when the next member is asked for. */
  body: Readable;
}

/** Yields the members in archive order; throws PermsnapError('MALFORMED') for a bad archive. */
export async function* readArMembers(source: AsyncIterable<Uint8Array>): AsyncGenerator<ArMember> {
  const reader = new ByteReader(source);
  try {
    const magic = (await reader.read(AR_MAGIC.length)).toString('latin1');
    if (magic !== AR_MAGIC) throw new PermsnapError('MALFORMED', 'not an ar archive (no "!<arch>" magic), expected a .deb package');
    let count = 0;
    for (;;) {
      const at = reader.offset;
      const header = await reader.read(HEADER);
      if (header.length === 0) break;
      const { name, size } = parseHeader(header, at, count);
      count++;
      const body = memberBody(reader, name, size);
      yield body.member;
      await body.skipRest();
      // Odd-sized members are followed by one padding byte ("\n"); the last may lack it.
      if (size % 2 === 1) await reader.read(1);
    }
    if (count === 0) throw new PermsnapError('MALFORMED', 'empty ar archive, expected the members of a .deb package');
  } finally {
    await reader.close();
  }
}

function parseHeader(header: Buffer, at: number, count: number): { name: string; size: number } {
  const after = count === 0 ? 'the start' : `member ${count}`;
  if (header.length < HEADER) {
    throw new PermsnapError('MALFORMED', `truncated ar archive: the data ends inside the header of member ${count + 1}`);
  }
  const name = header.toString('latin1', 0, 16).trimEnd().replace(/\/$/, '');
  const sizeText = header.toString('latin1', 48, 58).trim();
  if (header.toString('latin1', 58, 60) !== TRAILER || !/^[0-9]{1,10}$/.test(sizeText)) {
    throw new PermsnapError('MALFORMED', `corrupt ar member header at byte ${at} (after ${after}), expected a 60-byte header ending in "\`\\n" with a decimal size`);
  }
  return { name, size: Number(sizeText) };
}

/** The member's body as a stream, and how to skip what its reader left unread. */
function memberBody(reader: ByteReader, name: string, size: number): { member: ArMember; skipRest: () => Promise<void> } {
  let consumed = 0;
  let started = false;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  // `consumed` counts every byte taken so far, by the body's reader or by skipRest.
  const short = (): Error => containerError(`truncated ar archive: member "${name}" ends after ${consumed} of its ${size} bytes`);
  const chunks = async function* (): AsyncGenerator<Buffer> {
    started = true;
    try {
      for await (const chunk of reader.take(size, short)) {
        consumed += chunk.length;
        yield chunk;
      }
    } finally {
      finished();
    }
  };
  const body = Readable.from(chunks(), { objectMode: false });
  const skipRest = async (): Promise<void> => {
    if (!body.destroyed && !body.readableEnded) body.destroy();
    // A read in flight when the consumer stopped still lands: wait for it before reading on.
    if (started) await done;
    for await (const chunk of reader.take(size - consumed, short)) consumed += chunk.length;
  };
  return { member: { name, size, body }, skipRest };
}
