// Where an undo journal is kept (contracts.md's default places): its directories made
// without following a symlink, permsnap's own ones the caller's alone, none beneath a
// directory any user may rename entries of.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PermsnapError, systemReason } from '../errors.js';
import { modeOctal, S_ISVTX } from '../model/mode.js';
import { makeDirectoryAt, removeDirectoryAt } from '../platform/made-directory.js';
import { closeDescriptor, openRoot } from '../platform/safe-ops.js';

/**
 * Where a journal goes. Beneath a root ("/" or --root's), the directories are made (var and
 * lib 0755, permsnap's own 0700) one at a time through the one before, never through a
 * symlink, and permsnap's own two (permsnap/, undo/) must be the caller's and writable by
 * nobody else. A user's own state directory is the user's to arrange (symlinks there are
 * theirs): made by path.
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
  // ROOT/var/lib (or /var/lib) left open to any user, as `chmod -R a+rwx` leaves it, or
  // another user's, as `chown -R` leaves it, is put right by the restore itself when the
  // snapshot holds it; until then another user could swap permsnap/ there, which is said
  // (the README: lock them out). The journal still goes beneath ROOT: it must survive
  // leaving the rescue system, where no user of the damaged one is at work.
  const openNotice = (open: string[]): string => `${open.join('; ')}: until that is put right, another user could replace the undo journal (lock other users out, see the README)`;
  if (root !== undefined && path.resolve(root) !== '/') {
    const place = inspectPlace(root, ROOT_DIRS);
    if (place.unusable === null) return { base: root, dirs: ROOT_DIRS, notice: place.open.length === 0 ? undefined : openNotice(place.open) };
    notice = `the undo journal cannot be kept in ${path.join(root, ROOT_DIRS)} (${place.unusable}): it goes to this host's default place instead`;
  }
  if (process.getuid?.() === 0) {
    const place = inspectPlace('/', ROOT_DIRS);
    if (place.unusable !== null) throw new PermsnapError('IO', `cannot keep the undo journal in /${ROOT_DIRS}: ${place.unusable} (choose one with --undo FILE)`);
    return { base: '/', dirs: ROOT_DIRS, notice: place.open.length === 0 ? notice : joinNotices(notice, openNotice(place.open)) };
  }
  // A relative $XDG_STATE_HOME is invalid and ignored (XDG Base Directory spec).
  const xdg = process.env.XDG_STATE_HOME;
  const state = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(homeDirectory(), '.local/state');
  return { base: path.join(state, 'permsnap/undo'), dirs: '', notice };
}

/**
 * $HOME when it is an absolute path, else the home directory passwd gives: an empty or
 * relative $HOME (os.homedir() returns it as it is) put the journal beneath the current
 * directory, often the tree being restored.
 */
function homeDirectory(): string {
  const home = os.homedir();
  if (path.isAbsolute(home)) return home;
  try {
    const fromPasswd = os.userInfo().homedir;
    if (path.isAbsolute(fromPasswd)) return fromPasswd;
  } catch {
    // no passwd entry for this uid: said below
  }
  throw new PermsnapError('IO', `cannot place the undo journal: $HOME ${JSON.stringify(home)} is not an absolute path and this user has no home directory in passwd (choose one with --undo FILE, or --no-undo)`);
}

/** The default journal directory, as a path (defaultJournalPlace's, joined). */
export function defaultJournalDir(root: string | undefined): string {
  const place = defaultJournalPlace(root);
  return path.join(place.base, place.dirs);
}

/**
 * What the existing directories of base/relative say of it as a journal's place, in one
 * walk: why it cannot hold one (a symlink or a non-directory on the way, one of permsnap's
 * own not safe, the deepest not writable), or null; and each directory above permsnap's
 * own that another user may rename entries of, said.
 */
function inspectPlace(base: string, relative: string): { unusable: string | null; open: string[] } {
  let deepest = base;
  const open: string[] = [];
  for (const part of relative.split('/')) {
    const next = path.join(deepest, part);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(next, { throwIfNoEntry: false });
    } catch (err) {
      // A directory on the way that this user cannot search (a root-owned 0700 ROOT/var).
      return { unusable: `${next}: ${systemReason(err)}`, open };
    }
    if (st === undefined) break;
    if (st.isSymbolicLink()) return { unusable: `${next} is a symlink, expected a real directory`, open };
    if (!st.isDirectory()) return { unusable: `${next} is not a directory`, open };
    const unsafe = OWN_DIRS.has(part) ? unsafeOwnDirectory(next, st) : null;
    if (unsafe !== null) return { unusable: unsafe, open };
    const others = OWN_DIRS.has(part) ? null : openToOthers(next, st);
    if (others !== null) open.push(others);
    deepest = next;
  }
  try {
    fs.accessSync(deepest, fs.constants.W_OK);
    return { unusable: null, open };
  } catch (err) {
    // A read-only or foreign root: the journal goes to this host's default place instead.
    return { unusable: `${deepest}: ${systemReason(err)}`, open };
  }
}

/** Why one of permsnap's own directories is not safe for a journal (another user's, or writable by others), or null. */
function unsafeOwnDirectory(shown: string, st: { uid: number; mode: number }): string | null {
  if (st.uid !== callerUid()) return `${shown} belongs to uid ${st.uid}, another user`;
  if ((st.mode & 0o022) !== 0) return `${shown} can be written by others (mode ${modeOctal(st.mode)}): chmod go-w it`;
  return null;
}

const callerUid = (): number => process.geteuid?.() ?? 0;

const joinNotices = (a: string | undefined, b: string): string => (a === undefined ? b : `${a}; ${b}`);

/**
 * A directory above permsnap's own in which another user may rename or replace entries:
 * any user (mode o+w without the sticky bit: `chmod -R a+rwx` leaves ROOT/var/lib so), or
 * the user who owns it (neither root nor the caller: `chown -R` leaves it so; the owner
 * may chmod it, sticky bit or not). permsnap/ could be swapped there for that user's,
 * journal and all, before the undo. Null when not.
 */
function openToOthers(shown: string, st: { mode: number; uid: number }): string | null {
  if (st.uid !== 0 && st.uid !== callerUid()) return `${shown} belongs to uid ${st.uid}, another user`;
  return (st.mode & 0o002) !== 0 && (st.mode & S_ISVTX) === 0 ? `${shown} can be written by any user (mode ${modeOctal(st.mode)})` : null;
}

/**
 * The descriptor of place's directory, made where missing: beneath a root, one directory
 * at a time through the descriptor of the one before (the names checked at the start could
 * have been swapped for a symlink since, by anyone a `chmod -R a+rwx` let write there), and
 * permsnap's own checked again. Returns an O_PATH descriptor.
 */
export function openMadeDirectories(place: JournalPlace): number {
  if (place.dirs === '') {
    fs.mkdirSync(place.base, { recursive: true, mode: 0o700 });
    // The user's own place ($XDG_STATE_HOME/permsnap/undo), symlinks and all; but permsnap/
    // and undo/ there that another user owns or can write are refused, as anywhere: that
    // user could change the journal before its undo.
    for (const dir of [path.dirname(place.base), place.base]) {
      const unsafe = unsafeOwnDirectory(dir, fs.statSync(dir));
      if (unsafe !== null) throw new Error(`${unsafe}: refused`);
    }
    return openRoot(place.base);
  }
  let fd = openRoot(place.base);
  let shown = place.base;
  // The directories made so far, each with its parent kept open: a failure removes them.
  const madeHere: Array<{ parent: number; name: string }> = [];
  try {
    for (const part of place.dirs.split('/')) {
      shown = path.join(shown, part);
      let made: ReturnType<typeof makeDirectoryAt>;
      try {
        // var and lib as a system has them (a 0700 ROOT/var made in an application's tree
        // by a root restore kept its owner out); permsnap's own, the caller's alone.
        made = makeDirectoryAt(fd, part, shown, OWN_DIRS.has(part) ? 0o700 : 0o755);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR' || code === 'ELOOP') throw new Error(`${shown} is a symlink or not a directory now: refused`);
        // The filesystem would not set the mode of a directory just made (fusefat: ENOSYS).
        if (code === 'ENOSYS' || code === 'EPERM' || code === 'EOPNOTSUPP' || code === 'ENOTSUP') throw new UnusablePlace(`${shown}: ${systemReason(err)}`);
        throw err;
      }
      if (made.made) madeHere.push({ parent: fd, name: part });
      else closeDescriptor(fd);
      fd = made.fd;
      const unsafe = OWN_DIRS.has(part) ? unsafeOwnDirectory(shown, made.st) : null;
      // One just made, still this user's, that shows another mode than it was given: a
      // filesystem that keeps none (exFAT shows 0777 whatever chmod sets). Another user's
      // (swapped in since mkdirat), or one found there, is refused, as at the start.
      if (unsafe !== null) {
        throw made.made && made.st.uid === callerUid() ? new UnusablePlace(`${unsafe.replace(/: chmod go-w it$/, '')}, as the filesystem keeps it`) : new Error(`${unsafe}: refused`);
      }
    }
    for (const { parent } of madeHere) closeDescriptor(parent);
    return fd;
  } catch (err) {
    closeDescriptor(fd);
    for (const { parent, name } of madeHere.reverse()) {
      removeDirectoryAt(parent, name);
      closeDescriptor(parent);
    }
    throw err;
  }
}

/** A place beneath a root whose filesystem cannot hold a journal safely: nothing of it is left, and the journal can go elsewhere. */
export class UnusablePlace extends Error {}

/** The place for a journal that cannot be kept beneath the root: this host's own (case 2 or 3). */
export const hostJournalPlace = (): JournalPlace => defaultJournalPlace(undefined);
