// `permsnap snapshot --from-tar` as a library function: the snapshot of the tree an archive
// holds, read from its headers alone, streamed, and printed exactly as a live snapshot of
// that tree prints (same printers, markers, globs and sinks). Per-member problems are
// reported and counted; a corrupt or truncated archive is a PermsnapError naming it.

import type { Readable } from 'node:stream';
import { PermsnapError } from '../errors.js';
import { GETFACL_DEFAULTS, type PrintOptions } from '../format/getfacl-printer.js';
import type { ByteSink } from '../output/byte-sink.js';
import { MarkerWriter } from '../snapshot/marker-writer.js';
import type { SnapshotFormat } from '../snapshot/settings.js';
import { sortKey } from './archive-path.js';
import { BlockBatch } from './block-batch.js';
import { BlockSorter } from './block-sorter.js';
import { decompress, openArchive, type Compression } from './decompress.js';
import { MemberPrinter } from './member-printer.js';
import { readTarMembers, type TarMember } from './tar-members.js';

export interface TarSnapshotOptions {
  /** What getfacl would print: no permsnap comment lines (markers, capabilities). */
  compat?: boolean;
  format?: SnapshotFormat;
  /** Byte order of path components instead of archive order (an external sort). */
  sorted?: boolean;
  /** Globs (contracts.md) of paths to leave out, with everything beneath them. */
  exclude?: string[];
  /** Remove leading "/" and "./" from printed paths (off with -p). */
  stripLeadingSlash?: boolean;
  /** Leave out files with only the base ACL and no default ACL (-s). */
  skipBase?: boolean;
  print?: Partial<PrintOptions>;
  /** Text --sort holds in memory before it spills to temp files, in bytes. */
  sortBudget?: number;
  /** Called for each member that cannot be turned into a block (it is left out). */
  onProblem?: (problem: { path: string; message: string }) => void;
  /** Called once when a leading "/" was removed from a printed path. */
  onAbsolute?: () => void;
  /** Called after each printed block with the running count (progress). */
  onProgress?: (entries: number, path: string) => void;
}

export interface TarSnapshotResult {
  entries: number;
  problems: number;
  compression: Compression;
}

/** `archive` is a file name, or "-" for stdin; messages name it as given. */
export async function snapshotTar(archive: string, sink: ByteSink, options: TarSnapshotOptions = {}): Promise<TarSnapshotResult> {
  const format = options.format ?? 'getfacl';
  const print: PrintOptions = { ...GETFACL_DEFAULTS, ...options.print, ...(options.compat ? { capability: false } : {}) };
  // The rule snapshot() applies: markers only in permsnap's own getfacl text, with headers.
  const writer = new MarkerWriter(sink, !options.compat && format === 'getfacl' && print.comments);
  const batch = new BlockBatch(writer);
  const sorter = options.sorted ? new BlockSorter(options.sortBudget) : null;
  const printer = new MemberPrinter({
    format,
    print,
    exclude: options.exclude ?? [],
    stripLeadingSlash: options.stripLeadingSlash ?? true,
    skipBase: options.skipBase ?? false,
    onProblem: options.onProblem,
    onAbsolute: options.onAbsolute,
  });
  const read = { compression: 'none' as Compression };
  let printed = 0;
  const emit = async (text: string, headerEnd: number, path: string): Promise<void> => {
    await batch.add(text, headerEnd, path);
    options.onProgress?.(++printed, path);
  };
  try {
    for await (const member of membersOf(archive, read)) {
      const block = printer.print(member);
      if (block === null) continue;
      if (sorter) sorter.add({ key: sortKey(block.path), text: block.text, headerEnd: block.headerEnd });
      else await emit(block.text, block.headerEnd, block.path);
    }
    if (sorter) for (const block of sorter.sorted()) await emit(block.text, block.headerEnd, pathOfKey(block.key));
  } finally {
    sorter?.dispose();
  }
  await batch.flush();
  await writer.finish();
  return { entries: writer.count, problems: printer.problems, compression: read.compression };
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

function pathOfKey(key: string): string {
  return key === '' ? '.' : key.replaceAll('\0', '/');
}

function namingArchive(err: unknown, archive: string): unknown {
  if (err instanceof PermsnapError) {
    return err.file !== undefined ? err : new PermsnapError(err.code, err.message, { file: archive, cause: err.cause ?? err });
  }
  return new PermsnapError('MALFORMED', (err as Error).message ?? String(err), { file: archive, cause: err });
}
