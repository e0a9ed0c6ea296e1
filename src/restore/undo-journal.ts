// The undo journal (contracts.md): a getfacl-format snapshot, numeric ids, of the
// pre-restore state of every path a restore changes. Appended and fsynced batch by batch
// BEFORE the batch is changed, so a crash mid-run leaves a journal that undoes what was
// done. `permsnap restore JOURNAL --root SAME` is the undo.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PermsnapError, systemReason } from '../errors.js';
import { JOURNAL_FIRST_LINE } from '../format/getfacl-parser.js';
import { printBlock, type PrintOptions } from '../format/getfacl-printer.js';
import { PATH_QUOTED, quote } from '../format/quote.js';
import type { Entry } from '../model/entry.js';
import { closeDescriptorOf, createFileAt, makeDirectoryAt, openDirectoryPath, unlinkFileAt } from '../platform/made-directory.js';
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
 * Where a journal goes. Beneath a root ("/" or --root's), the directories are made (0700)
 * one at a time through the one before, never through a symlink, and permsnap's own two
 * (permsnap/, undo/) must be the caller's and writable by nobody else. A user's own state
 * directory is the user's to arrange (symlinks there are theirs): made by path.
 */
export interface JournalPlace {
  /** The directory trusted as it is: the root, or the user's own state directory. */
  base: string;
  /** Beneath a root, "var/lib/permsnap/undo"; "" for the user's state directory itself. */
  dirs: string;
  /** Said when the place is not the first choice (ROOT's could not be used), with why. */
  notice?: string;
}

const ROOT_DIRS = 'var/lib/permsnap/undo';
/** The last components of ROOT_DIRS, permsnap's own: a journal there must be safe from other users. */
const OWN_DIRS = new Set(['permsnap', 'undo']);

/**
 * contracts.md's default location. Nothing is created here (a run that changes nothing
 * leaves no trace); the directories are made with the first journal entry (see
 * UndoJournal.create). One on the way that is a symlink, or one of permsnap's own that
 * another user owns or can write, is not used: after `chmod -R a+rwx`, anyone could have
 * made it, to send the journal elsewhere or change it before it is undone.
 */
export function defaultJournalPlace(root: string | undefined): JournalPlace {
  let notice: string | undefined;
  if (root !== undefined && path.resolve(root) !== '/') {
    const why = whyUnusable(root, ROOT_DIRS);
    if (why === null) return { base: root, dirs: ROOT_DIRS };
    notice = `the undo journal cannot be kept in ${path.join(root, ROOT_DIRS)} (${why}): it goes to this host's default place instead`;
  }
  if (process.getuid?.() === 0) {
    // This host's own place, where there is no other: /var/lib left open to any user (the
    // seed story's `chmod -R a+rwx /`) is put right by the restore itself, and meanwhile
    // the undo refuses a journal another user could have replaced (journalTrustProblem).
    const why = whyUnusable('/', ROOT_DIRS, 'taken');
    if (why !== null) throw new PermsnapError('IO', `cannot keep the undo journal in /${ROOT_DIRS}: ${why} (choose one with --undo FILE)`);
    const open = openAncestor('/', ROOT_DIRS);
    if (open !== null) notice = joinNotices(notice, `${open}: until this restore puts it right, another user could replace the undo journal (lock other users out, see the README)`);
    return { base: '/', dirs: ROOT_DIRS, notice };
  }
  return { base: path.join(process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local/state'), 'permsnap/undo'), dirs: '', notice };
}

/** The default journal directory, as a path (defaultJournalPlace's, joined). */
export function defaultJournalDir(root: string | undefined): string {
  const place = defaultJournalPlace(root);
  return path.join(place.base, place.dirs);
}

/** Why base/relative cannot hold a journal, or null: a symlink or a non-directory on the way, one of permsnap's own not safe, or not writable. */
function whyUnusable(base: string, relative: string, openAbove: 'refused' | 'taken' = 'refused'): string | null {
  let deepest = base;
  for (const part of relative.split('/')) {
    const next = path.join(deepest, part);
    const st = fs.lstatSync(next, { throwIfNoEntry: false });
    if (st === undefined) break;
    if (st.isSymbolicLink()) return `${next} is a symlink, expected a real directory`;
    if (!st.isDirectory()) return `${next} is not a directory`;
    const unsafe = OWN_DIRS.has(part) ? unsafeOwnDirectory(next, st) : openAbove === 'refused' ? openToOthers(next, st) : null;
    if (unsafe !== null) return unsafe;
    deepest = next;
  }
  try {
    fs.accessSync(deepest, fs.constants.W_OK);
    return null;
  } catch (err) {
    // A read-only or foreign root: the journal goes to this host's default place instead.
    return `${deepest}: ${systemReason(err)}`;
  }
}

/** Why one of permsnap's own directories is not safe for a journal (another user's, or writable by others), or null. */
function unsafeOwnDirectory(shown: string, st: { uid: number; mode: number }): string | null {
  const uid = process.geteuid?.() ?? 0;
  if (st.uid !== uid) return `${shown} belongs to uid ${st.uid}, another user`;
  if ((st.mode & 0o022) !== 0) return `${shown} can be written by others (mode ${modeText(st.mode)}): chmod go-w it`;
  return null;
}

const S_ISVTX = 0o1000;

/** The first directory above permsnap's own that any user may rename entries of, said; null when none. */
function openAncestor(base: string, relative: string): string | null {
  let at = base;
  for (const part of relative.split('/')) {
    if (OWN_DIRS.has(part)) break;
    at = path.join(at, part);
    const st = fs.lstatSync(at, { throwIfNoEntry: false });
    if (st === undefined) break;
    const open = openToOthers(at, st);
    if (open !== null) return open;
  }
  return null;
}

const joinNotices = (a: string | undefined, b: string): string => (a === undefined ? b : `${a}; ${b}`);

/**
 * A directory above permsnap's own in which any user may rename or replace entries (mode
 * o+w without the sticky bit: `chmod -R a+rwx` leaves ROOT/var/lib so): permsnap/ could be
 * swapped there for another user's, journal and all, before the undo. Null when not.
 */
function openToOthers(shown: string, st: { mode: number }): string | null {
  return (st.mode & 0o002) !== 0 && (st.mode & S_ISVTX) === 0 ? `${shown} can be written by any user (mode ${modeText(st.mode)})` : null;
}

const modeText = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Why a journal about to be undone may not be what its restore wrote, or null: a file that
 * another user owns or may write, or one in a directory another user owns or may rename
 * entries of (permsnap writes journals 0600 in directories of the caller's own, 0700). An
 * undo applies whatever the file says, as root: a swapped journal would be the attacker's.
 */
export function journalTrustProblem(file: string): string | null {
  if (!startsAsJournal(file)) return null;
  const uid = process.geteuid?.() ?? 0;
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st === undefined) return null; // reading it names the problem
  if (st.uid !== uid) return `it belongs to uid ${st.uid}, another user`;
  if ((st.mode & 0o022) !== 0) return `others can write it (mode ${modeText(st.mode)})`;
  const dir = fs.statSync(path.dirname(path.resolve(file)));
  if (dir.uid !== uid && dir.uid !== 0) return `its directory belongs to uid ${dir.uid}, another user`;
  if ((dir.mode & 0o022) !== 0 && (dir.mode & S_ISVTX) === 0) return `others can rename or replace files in its directory (mode ${modeText(dir.mode)})`;
  return null;
}

/** Whether a regular file's first line is an undo journal's. */
function startsAsJournal(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return false; // reading it names the problem
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return false;
    const head = Buffer.alloc(JOURNAL_FIRST_LINE.length + 16);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return head.toString('latin1', 0, n).replace(/^[ \t]+/, '').startsWith(JOURNAL_FIRST_LINE);
  } finally {
    fs.closeSync(fd);
  }
}

/** permsnap makes the default place's directories, not those of a FILE given with --undo (a typo there would make a tree). */
const NO_DIRECTORY = 'its directory does not exist (a FILE given with --undo must be in one)';

/**
 * The descriptor of place's directory, made where missing: beneath a root, one directory
 * at a time through the descriptor of the one before (the names checked at the start could
 * have been swapped for a symlink since, by anyone a `chmod -R a+rwx` let write there), and
 * permsnap's own checked again. Returns an O_PATH descriptor.
 */
function openMadeDirectories(place: JournalPlace): number {
  if (place.dirs === '') {
    fs.mkdirSync(place.base, { recursive: true, mode: 0o700 });
    return openDirectoryPath(place.base);
  }
  let fd = openDirectoryPath(place.base);
  let shown = place.base;
  try {
    for (const part of place.dirs.split('/')) {
      shown = path.join(shown, part);
      let made: ReturnType<typeof makeDirectoryAt>;
      try {
        made = makeDirectoryAt(fd, part, shown);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR' || code === 'ELOOP') throw new Error(`${shown} is a symlink or not a directory now: refused`);
        throw err;
      }
      closeDescriptorOf(fd);
      fd = made.fd;
      const unsafe = OWN_DIRS.has(part) ? unsafeOwnDirectory(shown, made.st) : null;
      if (unsafe !== null) throw new Error(`${unsafe}: refused`);
    }
    return fd;
  } catch (err) {
    closeDescriptorOf(fd);
    throw err;
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
  /** The directory permsnap made the way to (O_PATH), held while the journal is open. */
  private dirFd: number | null = null;
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
    /** Where chosen's directories may be made; none for a FILE the user named, whose directory must exist. */
    private readonly place?: JournalPlace,
  ) {}

  /** A journal at FILE (--undo), whose directory must exist: checked now, before the snapshot is read. */
  static atFile(file: string, header: string): UndoJournal {
    if (!(fs.statSync(path.dirname(path.resolve(file)), { throwIfNoEntry: false })?.isDirectory() ?? false)) {
      throw new PermsnapError('IO', `undo journal ${file}: ${NO_DIRECTORY}`);
    }
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
    this.closeFiles();
  }

  /** Why the journal is not in the first default place, when it is not (to be said before the run). */
  get notice(): string | undefined {
    return this.place?.notice;
  }

  get entries(): number {
    return this.blocks;
  }

  /** Some pre-restore state is on disk: there is something to undo with. */
  get started(): boolean {
    return this.blocks > 0;
  }

  private create(): number {
    try {
      this.dirFd = this.place === undefined ? null : openMadeDirectories(this.place);
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
      const missing = this.place === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT';
      const why = missing ? NO_DIRECTORY : (err as Error).message;
      this.closeFiles();
      throw new PermsnapError('IO', `undo journal ${this.chosen}: ${why}`, { cause: err });
    }
  }

  private closeFiles(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    if (this.dirFd !== null) closeDescriptorOf(this.dirFd);
    this.fd = this.dirFd = null;
  }

  private async write(text: string): Promise<void> {
    const fd = (this.fd ??= this.create());
    const bytes = Buffer.from(text, 'latin1');
    try {
      for (let at = 0; at < bytes.length;) at += await writeAt(fd, bytes, at);
      await fsync(fd);
    } catch (err) {
      // The first batch did not reach the disk whole, so nothing was changed: a cut journal
      // left behind would only be a file to wonder about (it holds no whole block).
      if (this.blocks === 0) this.removeUnfinished();
      throw new PermsnapError('IO', `undo journal ${this.chosen}: ${(err as Error).message}`, { cause: err });
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
function writeAt(fd: number, bytes: Buffer, at: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, bytes, at, bytes.length - at, null, (err, written) => (err ? reject(err) : resolve(written))));
}

const fsync = promisify(fs.fsync);

function insert(text: string, at: number, what: string): string {
  return text.slice(0, at) + what + text.slice(at);
}
