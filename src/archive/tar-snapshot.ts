// `permsnap snapshot --from-tar` as a library function: the snapshot of the tree an archive
// holds, read from its headers alone, streamed, and printed exactly as a live snapshot of
// that tree prints (same printers, markers, globs and sinks). Per-member problems are
// reported and counted; a corrupt or truncated archive is a PermsnapError naming it.

import type { Readable } from 'node:stream';
import { PermsnapError } from '../errors.js';
import type { ByteSink } from '../output/byte-sink.js';
import { decompress, openArchive, type Compression } from './decompress.js';
import { SnapshotOutput, type ArchiveOutputOptions, type ArchiveSnapshotCounts } from './snapshot-output.js';
import { readTarMembers, type TarMember } from './tar-members.js';

export type TarSnapshotOptions = ArchiveOutputOptions;

export interface TarSnapshotResult extends ArchiveSnapshotCounts {
  compression: Compression;
}

/** `archive` is a file name, or "-" for stdin; messages name it as given. */
export async function snapshotTar(archive: string, sink: ByteSink, options: TarSnapshotOptions = {}): Promise<TarSnapshotResult> {
  const output = new SnapshotOutput(sink, options);
  const read = { compression: 'none' as Compression };
  try {
    for await (const member of membersOf(archive, read)) await output.add(output.printer.print(member));
    return { ...(await output.finish()), compression: read.compression };
  } finally {
    output.dispose();
  }
}

/**
 * The archive's members. Errors of reading it get its name (`permsnap: ARCHIVE: what`);
 * errors of the caller's loop (a full output disk, say) are not read errors and pass by.
 */
async function* membersOf(archive: string, read: { compression: Compression }): AsyncGenerator<TarMember> {
  let source: Readable | null = null;
  try {
    source = openArchive(archive);
    const { compression, stream } = await decompress(source);
    read.compression = compression;
    yield* readTarMembers(stream);
  } catch (err) {
    throw namingArchive(err, archive);
  } finally {
    source?.destroy();
  }
}

/** The error with the archive named in its message (`permsnap: ARCHIVE: what`). */
export function namingArchive(err: unknown, archive: string): unknown {
  if (err instanceof PermsnapError) {
    return err.file !== undefined ? err : new PermsnapError(err.code, err.message, { file: archive, cause: err.cause ?? err });
  }
  return new PermsnapError('MALFORMED', (err as Error).message ?? String(err), { file: archive, cause: err });
}
