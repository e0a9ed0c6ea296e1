// A tar archive or a .deb read as the entries a snapshot of it holds, for diff and restore
// (read-operand.ts decides that an operand is one): each member as member-entry.ts turns it
// into an Entry, its path as `snapshot --from-tar` prints it. A member that snapshot would
// leave out with a problem makes the operand malformed here: a restore or a diff must not
// quietly act on less than the archive holds.

import { Readable } from 'node:stream';
import { PermsnapError } from '../errors.js';
import type { ParsedEntry } from '../format/getfacl-parser.js';
import { PATH_QUOTED, quote } from '../format/quote.js';
import { ACL_USER } from '../model/acl.js';
import { printedPath } from '../model/printed-path.js';
import { gidOfName, uidOfName } from '../platform/nss.js';
import { readDebData } from './deb-package.js';
import { hostHasMergedUsr, mergedUsrMemberPath } from './merged-usr.js';
import { decompress, type Compression } from './decompress.js';
import { MemberConverter, symlinkEntry } from './member-entry.js';
import { readTarMembers, type TarMember } from './tar-members.js';
import { namingArchive } from './tar-snapshot.js';

/** The first `want` bytes that `compressed` (the start of a compressed stream) decompresses to, or fewer. */
export async function decompressedHead(compressed: Buffer, want: number): Promise<{ bytes: Buffer; compression: Compression; ended: boolean }> {
  const { compression, stream } = await decompress(Readable.from([compressed]));
  const parts: Buffer[] = [];
  let length = 0;
  // The stream ended cleanly before `want` bytes: all of it is there (an intact small file).
  let ended = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      length += chunk.length;
      if (length >= want) {
        ended = false;
        break;
      }
    }
  } catch (err) {
    // Only the start of the stream was given: its end is always "truncated". What came out
    // before is what counts; a stream corrupt from the start gives nothing and is no tar.
    if (!(err instanceof PermsnapError)) throw err;
    ended = false;
  } finally {
    stream.destroy();
  }
  return { bytes: Buffer.concat(parts), compression, ended };
}

/**
 * What the members' names may add up to. Restore and diff hold every entry of an operand;
 * a few kilobytes of xz can hold thousands of 4 MiB names (a PAX record's most), which
 * ended a restore out of memory after minutes. 512 MiB is millions of real paths.
 */
const MAX_NAME_BYTES = 512 << 20;

/**
 * The entries of the archive in `bytes`; `line` is the member's number in the archive. A
 * symlink member gives an entry of type symlink (see above), which restore and diff take
 * as "nothing here to compare or restore".
 */
export async function* archiveEntries(name: string, kind: 'tar' | 'deb', bytes: AsyncIterable<Buffer>, maxNameBytes = MAX_NAME_BYTES): AsyncGenerator<ParsedEntry> {
  const converter = new MemberConverter({ names: true, idOfName: (tag, n) => (tag === ACL_USER ? uidOfName(n) : gidOfName(n)) });
  let count = 0;
  let nameBytes = 0;
  const mergedUsr = kind === 'deb' && hostHasMergedUsr();
  try {
    const members = kind === 'deb' ? readDebData(bytes, { scripts: [] }) : tarMembers(bytes);
    for await (const member of members) {
      count++;
      const converted = converter.convert(member);
      if (converted.kind === 'problem') {
        const what = converted.message.replace(/; left out$/, '');
        throw new PermsnapError('MALFORMED', `member ${count} ${quote(converted.path, PATH_QUOTED)}: ${what}, expected members permsnap can read`);
      }
      // A symlink has no block, but it is what the path is now: an entry of type symlink, for
      // which restore and diff drop an earlier member's block (tar -r of a file, then a
      // symlink in its place), as tar's extraction keeps the last member. Not a directory's:
      // tar cannot put a symlink in its place.
      if (converted.kind === 'symlink' && converted.overDirectory) continue;
      const entry = converted.kind === 'symlink' ? symlinkEntry(converted.path) : converted.entry;
      nameBytes += entry.path.length;
      if (nameBytes > maxNameBytes) {
        throw new PermsnapError('MALFORMED', `member ${count}: the member names add up to more than ${maxNameBytes} bytes, expected an archive whose entries fit in memory (a decompression bomb?)`);
      }
      entry.path = printedPath(entry.path, true).path;
      if (mergedUsr) {
        // A .deb's bin/ping is usr/bin/ping on this merged-/usr host (merged-usr.ts).
        const real = mergedUsrMemberPath(entry.path, entry.type === 'symlink');
        if (real === null) continue;
        entry.path = real;
      }
      yield { entry, line: count };
    }
  } catch (err) {
    throw namingArchive(err, name);
  }
}

async function* tarMembers(bytes: AsyncIterable<Buffer>): AsyncGenerator<TarMember> {
  const { stream } = await decompress(Readable.from(bytes, { objectMode: false }));
  yield* readTarMembers(stream);
}
