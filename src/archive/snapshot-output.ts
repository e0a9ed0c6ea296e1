// Where an archive snapshot's printed blocks go: in arrival order or, with --sort, through
// the external sorter; in batches to the MarkerWriter, which adds permsnap's markers under
// the same rule as a live snapshot. Shared by --from-tar and --from-deb.

import { GETFACL_DEFAULTS, type PrintOptions } from '../format/getfacl-printer.js';
import type { ByteSink } from '../output/byte-sink.js';
import { BEGIN_MARKER, CAPABILITIES_UNKNOWN, MarkerWriter } from '../snapshot/marker-writer.js';
import type { SnapshotFormat } from '../snapshot/settings.js';
import { sortKey } from './archive-path.js';
import { BlockBatch } from './block-batch.js';
import { BlockSorter } from './block-sorter.js';
import { MemberPrinter, type PrintedMember } from './member-printer.js';

/** The output options --from-tar and --from-deb share. */
export interface ArchiveOutputOptions {
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

/** What an archive snapshot (--from-tar, --from-deb) recorded and left out. */
export interface ArchiveSnapshotCounts {
  /** Blocks written. */
  entries: number;
  /** Members that could not be turned into a block (each given to onProblem). */
  problems: number;
  /** Members left out by exclude. */
  excluded: number;
  /** Members left out by skipBase (-s): none recorded of them is no empty archive. */
  skippedAsBase: number;
}

export interface SnapshotOutputOptions extends ArchiveOutputOptions {
  /** The source cannot hold capabilities: the snapshot says so, so restore leaves them alone. */
  capabilitiesUnknown?: boolean;
}

export class SnapshotOutput {
  readonly printer: MemberPrinter;
  private readonly writer: MarkerWriter;
  private readonly batch: BlockBatch;
  private readonly sorter: BlockSorter | null;
  private printed = 0;

  constructor(sink: ByteSink, private readonly options: SnapshotOutputOptions) {
    const format = options.format ?? 'getfacl';
    const print: PrintOptions = { ...GETFACL_DEFAULTS, ...options.print, ...(options.compat ? { capability: false } : {}) };
    // The rule snapshot() applies: markers only in permsnap's own getfacl text, with headers.
    const begin = options.capabilitiesUnknown ? BEGIN_MARKER + CAPABILITIES_UNKNOWN : BEGIN_MARKER;
    this.writer = new MarkerWriter(sink, !options.compat && format === 'getfacl' && print.comments, begin);
    this.batch = new BlockBatch(this.writer);
    this.sorter = options.sorted ? new BlockSorter(options.sortBudget) : null;
    this.printer = new MemberPrinter({
      format,
      print,
      exclude: options.exclude ?? [],
      stripLeadingSlash: options.stripLeadingSlash ?? true,
      skipBase: options.skipBase ?? false,
      onProblem: options.onProblem,
      onAbsolute: options.onAbsolute,
    });
  }

  async add(block: PrintedMember | null): Promise<void> {
    if (block === null) return;
    if (this.sorter) this.sorter.add({ key: sortKey(block.path), text: block.text, headerEnd: block.headerEnd });
    else await this.emit(block.text, block.headerEnd, block.path);
  }

  /** Writes what is held (all of it, with --sort) and the end marker; returns the entries written. */
  async finish(): Promise<ArchiveSnapshotCounts> {
    if (this.sorter) for (const block of this.sorter.sorted()) await this.emit(block.text, block.headerEnd, pathOfKey(block.key));
    this.dispose();
    await this.batch.flush();
    await this.writer.finish();
    const { problems, excluded, skippedAsBase } = this.printer;
    return { entries: this.writer.count, problems, excluded, skippedAsBase };
  }

  /** Removes --sort's temp files (also when the snapshot failed). */
  dispose(): void {
    this.sorter?.dispose();
  }

  private async emit(text: string, headerEnd: number, path: string): Promise<void> {
    await this.batch.add(text, headerEnd, path);
    this.options.onProgress?.(++this.printed, path);
  }
}

function pathOfKey(key: string): string {
  return key === '' ? '.' : key.replaceAll('\0', '/');
}
