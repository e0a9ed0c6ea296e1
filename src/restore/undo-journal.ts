// The undo journal (contracts.md): a getfacl-format snapshot, numeric ids, of the
// pre-restore state of every path a restore changes. Appended and fsynced batch by batch
// BEFORE the batch is changed, so a crash mid-run leaves a journal that undoes what was
// done. `permsnap restore JOURNAL --root SAME` is the undo.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PermsnapError } from '../errors.js';
import { JOURNAL_FIRST_LINE } from '../format/getfacl-parser.js';
import { printBlock, type PrintOptions } from '../format/getfacl-printer.js';
import { PATH_QUOTED, quote } from '../format/quote.js';
import type { Entry } from '../model/entry.js';
import { BEGIN_MARKER, endMarker } from '../snapshot/marker-writer.js';

const JOURNAL_PRINT: PrintOptions = {
  access: true,
  default: true,
  comments: true,
  effective: 'none',
  smartIndent: false,
  names: false,
  capability: true,
};

/** `20261122T064512Z` */
export function journalTimestamp(time: Date): string {
  return time.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * contracts.md's default location. Nothing is created here (a run that changes nothing
 * leaves no trace); the directory is made with the first journal entry. A directory on the
 * way that is a symlink is not used: after `chmod -R a+rwx`, anyone could have planted it
 * to send the journal outside the root.
 */
export function defaultJournalDir(root: string | undefined): string {
  if (root !== undefined && path.resolve(root) !== '/' && isUsableBeneath(root, 'var/lib/permsnap/undo')) {
    return path.join(root, 'var/lib/permsnap/undo');
  }
  if (process.getuid?.() === 0) {
    if (!isUsableBeneath('/', 'var/lib/permsnap/undo')) {
      throw new PermsnapError('USAGE', '/var/lib/permsnap/undo: a symlink or a non-directory on the way, expected real directories (choose a journal with --undo FILE)');
    }
    return '/var/lib/permsnap/undo';
  }
  const state = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local/state');
  return path.join(state, 'permsnap/undo');
}

/** Every existing component of base/relative is a real directory, and the deepest one is writable. */
function isUsableBeneath(base: string, relative: string): boolean {
  let deepest = base;
  for (const part of relative.split('/')) {
    const next = path.join(deepest, part);
    const st = fs.lstatSync(next, { throwIfNoEntry: false });
    if (st === undefined) break;
    if (!st.isDirectory()) return false;
    deepest = next;
  }
  try {
    fs.accessSync(deepest, fs.constants.W_OK);
    return true;
  } catch {
    // A read-only or foreign root: the journal goes to this host's default place instead.
    return false;
  }
}

/** Journal blocks printed as one text, with what the begin and end markers need. */
export interface JournalBlocks {
  text: string;
  count: number;
  /** Where the first block's header ends (the begin marker goes there). */
  firstHeaderEnd: number;
  /** The last block, repeated with the end marker when the journal completes. */
  last: { text: string; headerEnd: number } | null;
}

export function printJournalBlocks(entries: readonly Entry[]): JournalBlocks {
  let text = '';
  let firstHeaderEnd = 0;
  let last: JournalBlocks['last'] = null;
  for (const entry of entries) {
    const block = printBlock(entry, JOURNAL_PRINT);
    if (last === null) firstHeaderEnd = block.headerEnd;
    text += block.text;
    last = { text: block.text, headerEnd: block.headerEnd };
  }
  return { text, count: entries.length, firstHeaderEnd, last };
}

export class UndoJournal {
  private fd: number | null = null;
  private blocks = 0;
  private last: { text: string; headerEnd: number } | null = null;

  /**
   * unique: the file name was chosen by permsnap, so an existing file (another restore in
   * the same second) means trying NAME-1.facl, NAME-2.facl...; a name the user gave is
   * never replaced.
   */
  constructor(
    private chosen: string,
    private readonly header: string,
    private readonly unique = false,
  ) {}

  get file(): string {
    return this.chosen;
  }

  static describeRoot(root: string, time: Date): string {
    // Quoted as getfacl quotes a path: a newline in the root would end this comment, and the
    // rest of the line would read as an ACL entry (the journal refused as malformed).
    return `${JOURNAL_FIRST_LINE} root ${quote(root, PATH_QUOTED)}, started ${time.toISOString()}\n`;
  }

  /**
   * Appends printed blocks (a restore worker prints them) and fsyncs them; the file is
   * created on the first call. One call at a time. Written and synced off this thread: a
   * synchronous fsync per chunk held up the thread that feeds the workers (155 ms of a
   * 132k-path restore).
   */
  async appendPrinted(blocks: JournalBlocks): Promise<void> {
    if (blocks.count === 0) return;
    const text = this.blocks === 0 ? this.header + insert(blocks.text, blocks.firstHeaderEnd, BEGIN_MARKER) : blocks.text;
    await this.write(text);
    this.blocks += blocks.count;
    this.last = blocks.last;
  }

  /** Closes the journal with the end marker (on a repeat of the last block: the last block wins). */
  async complete(): Promise<void> {
    if (this.fd === null || this.last === null) return;
    this.blocks++;
    await this.write(insert(this.last.text, this.last.headerEnd, endMarker(this.blocks)));
    fs.closeSync(this.fd);
    this.fd = null;
  }

  get entries(): number {
    return this.blocks;
  }

  /** Some pre-restore state is on disk: there is something to undo with. */
  get started(): boolean {
    return this.blocks > 0;
  }

  private create(): number {
    fs.mkdirSync(path.dirname(this.chosen), { recursive: true, mode: 0o700 });
    const base = this.chosen.replace(/\.facl$/, '');
    for (let n = 1; ; n++) {
      try {
        return fs.openSync(this.chosen, 'wx', 0o600);
      } catch (err) {
        if (!this.unique || (err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 99) {
          throw new PermsnapError('IO', `undo journal ${this.chosen}: ${(err as Error).message}`, { cause: err });
        }
        this.chosen = `${base}-${n}.facl`;
      }
    }
  }

  private async write(text: string): Promise<void> {
    const fd = (this.fd ??= this.create());
    const bytes = Buffer.from(text, 'latin1');
    try {
      for (let at = 0; at < bytes.length;) at += await writeAt(fd, bytes, at);
      await fsync(fd);
    } catch (err) {
      throw new PermsnapError('IO', `undo journal ${this.chosen}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Writes bytes from `at` on; how many were written. */
function writeAt(fd: number, bytes: Buffer, at: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, bytes, at, bytes.length - at, null, (err, written) => (err ? reject(err) : resolve(written))));
}

const fsync = promisify(fs.fsync);

function insert(text: string, at: number, what: string): string {
  return text.slice(0, at) + what + text.slice(at);
}
