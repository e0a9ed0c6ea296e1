// The undo journal (contracts.md): a getfacl-format snapshot, numeric ids, of the
// pre-restore state of every path a restore changes. Appended and fsynced batch by batch
// BEFORE the batch is changed, so a crash mid-run leaves a journal that undoes what was
// done. `permsnap restore JOURNAL --root SAME` is the undo.

import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PermsnapError, systemReason } from '../errors.js';
import { JOURNAL_FIRST_LINE } from '../format/getfacl-parser.js';
import { printBlock, type PrintOptions } from '../format/getfacl-printer.js';
import { PATH_QUOTED, quote } from '../format/quote.js';
import type { Entry } from '../model/entry.js';
import { createFileAt, syncDirectoryAt, unlinkFileAt } from '../platform/made-directory.js';
import { fsyncDirectory } from '../output/byte-sink.js';
import { closeDescriptor } from '../platform/safe-ops.js';
import type { SparedFile } from './chunk-work.js';
import { defaultJournalPlace, hostJournalPlace, openMadeDirectories, UnusablePlace, type JournalPlace } from './journal-place.js';
import { BEGIN_MARKER, endMarker } from '../snapshot/marker-writer.js';
import { JournalledLinks, type LinkBlock } from './journal-links.js';

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

/** permsnap makes the default place's directories, not those of a FILE given with --undo (a typo there would make a tree). */
const NO_DIRECTORY = 'its directory does not exist (a FILE given with --undo must be in one)';
const EXISTS = 'exists already, expected a FILE that does not exist yet (a journal never replaces a file)';

/** Journal blocks printed as one text, with what the begin and end markers need. */
export interface JournalBlocks {
  /**
   * The text as its bytes (one char a byte), in memory the restore worker shares with the
   * main thread (journal-rooms.ts): it crosses without a copy, and is written as it is. As
   * a string it was copied out of the worker, into the main thread's heap and into a buffer
   * again, 31 MB each way for the 170k paths of a damaged /usr copy, on the thread that
   * must answer both workers.
   */
  bytes: Uint8Array;
  count: number;
  /** Where the first block's header ends (the begin marker goes there). */
  firstHeaderEnd: number;
  /** The last block, repeated with the end marker when the journal completes. */
  last: { text: string; headerEnd: number } | null;
  /** The blocks of inodes with more than one name (journal-links.ts), first in the text: where each is, and its inode. */
  links: LinkBlock[];
}

const JOINED_BLOCKS = 256;

/**
 * The blocks of `entries` printed into `room(size)`; no room is asked for when there are
 * none. The first `linkKeys.length` entries are files with more than one name, linkKeys[i]
 * the inode of entries[i] (linkKeyOf): the journal may leave their blocks out
 * (journal-links.ts), and with them first, the last block, which the end marker repeats,
 * is one it keeps.
 */
export function printJournalBlocks(entries: readonly Entry[], room: (size: number) => Buffer, linkKeys: readonly string[] = []): JournalBlocks {
  // A chunk with nothing to change (a healthy stretch), or one not journalled at all (no
  // journal kept): an empty room would still have been lent, the smallest free one, and kept
  // from the chunks that need it until this one is applied.
  if (entries.length === 0) return { bytes: new Uint8Array(0), count: 0, firstHeaderEnd: 0, last: null, links: [] };
  const texts: string[] = [];
  const links: LinkBlock[] = [];
  let size = 0;
  let firstHeaderEnd = 0;
  let last: JournalBlocks['last'] = null;
  for (const [i, entry] of entries.entries()) {
    const block = printBlock(entry, JOURNAL_PRINT);
    if (last === null) firstHeaderEnd = block.headerEnd;
    if (i < linkKeys.length) links.push({ key: linkKeys[i] as string, start: size, end: size + block.text.length, headerEnd: size + block.headerEnd });
    texts.push(block.text);
    size += block.text.length;
    last = { text: block.text, headerEnd: block.headerEnd };
  }
  const bytes = room(size);
  let at = 0;
  // Joined a few hundred blocks at a time: one write a block spent more in Buffer.write's
  // checks than in copying (a block is some 190 bytes); a whole chunk joined would be a
  // string big enough for fresh pages of its own.
  for (let i = 0; i < texts.length; i += JOINED_BLOCKS) at += bytes.write(texts.slice(i, i + JOINED_BLOCKS).join(''), at, 'latin1');
  return { bytes, count: entries.length, firstHeaderEnd, last, links };
}

export class UndoJournal {
  private fd: number | null = null;
  /** The directory permsnap made the way to (O_PATH), held while the journal is open. */
  private dirFd: number | null = null;
  private blocks = 0;
  private last: { text: string; headerEnd: number } | null = null;
  private readonly own: SparedFile[] = [];
  private readonly links = new JournalledLinks();

  /**
   * unique: the file name was chosen by permsnap, so an existing file (another restore in
   * the same second) means trying NAME-1.facl, NAME-2.facl...; a name the user gave is
   * never replaced.
   */
  constructor(
    private chosen: string,
    private readonly header: string,
    private readonly unique = false,
    /** Where chosen's directories may be made; none for a FILE the user named, whose directory must exist. */
    private place?: JournalPlace,
  ) {}

  /** Said once the journal is made, when it could not go where it was to (see create()). */
  moved: string | undefined;

  /**
   * A journal at FILE (--undo), whose directory must exist and which must not: checked now,
   * before the snapshot is read (a big one takes a while to read), and again as the file is
   * made (O_EXCL).
   */
  static atFile(file: string, header: string): UndoJournal {
    const refused = (why: string, cause?: unknown): PermsnapError => new PermsnapError('IO', `undo journal ${file}: ${why}`, { cause });
    // A directory on the way this user cannot search (EACCES) is said as the rest are.
    const look = <T>(read: () => T): T => {
      try {
        return read();
      } catch (err) {
        throw refused(systemReason(err), err);
      }
    };
    if (!(look(() => fs.statSync(path.dirname(path.resolve(file)), { throwIfNoEntry: false }))?.isDirectory() ?? false)) throw refused(NO_DIRECTORY);
    if (look(() => fs.lstatSync(file, { throwIfNoEntry: false })) !== undefined) throw refused(EXISTS);
    return new UndoJournal(file, header);
  }

  /** A new journal NAME in the default place for `root`, renamed (NAME-1...) rather than replacing one. */
  static inDefaultPlace(root: string | undefined, name: string, header: string): UndoJournal {
    const place = defaultJournalPlace(root);
    return new UndoJournal(path.join(place.base, place.dirs, name), header, true, place);
  }

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
  async appendPrinted(printed: JournalBlocks): Promise<void> {
    const blocks = this.links.leaveOutRepeated(printed);
    if (blocks.count === 0) return;
    const { bytes, firstHeaderEnd } = blocks;
    await this.write(this.blocks === 0 ? Buffer.concat([bytes.subarray(0, firstHeaderEnd), latin1(BEGIN_MARKER), bytes.subarray(firstHeaderEnd)]) : bytes);
    this.blocks += blocks.count;
    this.last = blocks.last;
  }

  /** Closes the journal with the end marker (on a repeat of the last block: the last block wins). */
  async complete(): Promise<void> {
    if (this.fd === null || this.last === null) return;
    this.blocks++;
    const { text, headerEnd } = this.last;
    await this.write(latin1(text.slice(0, headerEnd) + endMarker(this.blocks) + text.slice(headerEnd)));
    this.closeFiles();
  }

  /** Removes the journal of a run that changed nothing after all: it is then not started. */
  discard(): void {
    if (this.fd === null) return;
    this.removeUnfinished();
    this.blocks = 0;
    this.last = null;
  }

  /** Why the journal is not in the first default place, when it is not (to be said before the run). */
  get notice(): string | undefined {
    return this.place?.notice;
  }

  get entries(): number {
    return this.blocks;
  }

  /** The files the journal is kept in and under, once it is made: a restore leaves them alone (chunk-work.ts SparedFile). */
  get ownFiles(): readonly SparedFile[] {
    return this.own;
  }

  /** Some pre-restore state is on disk: there is something to undo with. */
  get started(): boolean {
    return this.blocks > 0;
  }

  private create(): number {
    try {
      this.dirFd = this.place === undefined ? null : this.openPlace(this.place);
      const base = this.chosen.replace(/\.facl$/, '');
      for (let n = 1; ; n++) {
        try {
          // O_CREAT|O_EXCL never follows a symlink in the final name, nor replaces a file.
          return this.dirFd === null ? fs.openSync(this.chosen, 'wx', 0o600) : createFileAt(this.dirFd, path.basename(this.chosen), this.chosen);
        } catch (err) {
          if (!this.unique || (err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 99) throw err;
          this.chosen = `${base}-${n}.facl`;
        }
      }
    } catch (err) {
      this.closeFiles();
      if (err instanceof PermsnapError) throw err; // said whole (openPlace)
      const code = (err as NodeJS.ErrnoException).code;
      const why = this.place === undefined && code === 'ENOENT' ? NO_DIRECTORY
        : this.place === undefined && code === 'EEXIST' ? EXISTS
        // The default place, not one the user chose: say how to choose.
        : this.place === undefined ? systemReason(err) : `${systemReason(err)} (choose another place with --undo FILE, or --no-undo)`;
      throw new PermsnapError('IO', `undo journal ${this.chosen}: ${why}`, { cause: err });
    }
  }

  /**
   * The place's directory, made. Beneath a root whose filesystem keeps no modes (exFAT,
   * vfat), the directories just made are removed again and the journal goes to this host's
   * default place, as it does when the root's place is found unusable at the start: the
   * run stopped there (exit 2), and a second run, finding them made, fell through.
   */
  private openPlace(place: JournalPlace): number {
    try {
      return openMadeDirectories(place);
    } catch (err) {
      if (!(err instanceof UnusablePlace) || place.base === '/' || place.dirs === '') throw err;
      const cannot = `the undo journal cannot be kept in ${path.join(place.base, place.dirs)} (${err.message})`;
      const moved = `${cannot}: it goes to this host's default place instead`;
      let host: JournalPlace;
      try {
        host = hostJournalPlace();
      } catch (hostErr) {
        throw new PermsnapError('IO', `${cannot}, nor in this host's default place: ${(hostErr as Error).message}`, { cause: hostErr });
      }
      this.place = host;
      this.chosen = path.join(host.base, host.dirs, path.basename(this.chosen));
      this.moved = host.notice === undefined ? moved : `${moved}; ${host.notice}`;
      return openMadeDirectories(host);
    }
  }

  private closeFiles(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    if (this.dirFd !== null) closeDescriptor(this.dirFd);
    this.fd = this.dirFd = null;
  }

  /** The journal file and, in a default place, permsnap's own undo/ and permsnap/ directories that hold it. */
  private noteOwnFiles(fd: number): void {
    const own = (st: { dev: number; ino: number }, what: string): SparedFile => ({ dev: st.dev, ino: st.ino, what });
    this.own.push(own(fs.fstatSync(fd), 'the undo journal'));
    if (this.place === undefined || this.dirFd === null) return;
    const directory = 'the directory of the undo journal';
    // permsnap/ by its name, as journal-place.ts checks it: in the user's own place, undo/
    // may be a symlink, whose target's parent is not it.
    const permsnapDir = path.dirname(path.join(this.place.base, this.place.dirs));
    this.own.push(own(fs.fstatSync(this.dirFd), directory), own(fs.statSync(permsnapDir), directory));
  }

  private async write(bytes: Uint8Array): Promise<void> {
    const made = this.fd === null;
    const fd = (this.fd ??= this.create());
    try {
      // The first line at once, in the breath that made the file: a run killed before its
      // first batch reached the disk leaves a journal that says what it is ("nothing to
      // undo"), not an empty file that restore takes for an empty snapshot (exit 1).
      if (made) {
        this.noteOwnFiles(fd);
        const header = latin1(this.header);
        for (let at = 0; at < header.length;) at += fs.writeSync(fd, header, at);
      }
      for (let at = 0; at < bytes.length;) at += await writeAt(fd, bytes, at);
      await fsync(fd);
      // Its name too, the first time: a power loss must not take the file with it.
      if (made) this.syncDirectory();
    } catch (err) {
      // The first batch did not reach the disk whole, so nothing was changed: a cut journal
      // left behind would only be a file to wonder about (it holds no whole block).
      if (this.blocks === 0) this.removeUnfinished();
      throw new PermsnapError('IO', `undo journal ${this.chosen}: ${systemReason(err)}`, { cause: err });
    }
  }

  private syncDirectory(): void {
    if (this.dirFd !== null) {
      syncDirectoryAt(this.dirFd);
      return;
    }
    try {
      fsyncDirectory(path.dirname(this.chosen));
    } catch {
      // Best effort: the blocks themselves are on disk.
    }
  }

  private removeUnfinished(): void {
    // Gone already, or not removable: the message names it either way.
    if (this.dirFd !== null) unlinkFileAt(this.dirFd, path.basename(this.chosen));
    else {
      try {
        fs.unlinkSync(this.chosen);
      } catch {
        // Not removable (an append-only directory): the write's own error is the one said.
      }
    }
    this.closeFiles();
  }
}

/** Writes bytes from `at` on; how many were written. */
function writeAt(fd: number, bytes: Uint8Array, at: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, bytes, at, bytes.length - at, null, (err, written) => (err ? reject(err) : resolve(written))));
}

const fsync = promisify(fs.fsync);

/** Journal text is byte strings (paths that are not UTF-8 stay as they are): one byte a char. */
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
