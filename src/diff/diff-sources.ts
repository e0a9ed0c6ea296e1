// Reads one side of a diff as (path, record) pairs: a snapshot file (permsnap's or
// getfacl's, gzip or not, '-' for stdin), a tar archive or .deb (told by content), or a live directory, walked as
// `permsnap snapshot DIR` would walk it (so `diff etc.facl /etc` compares like with like).

import fs from 'node:fs';
import { readOperandBatches } from '../archive/read-operand.js';
import { PermsnapError, systemReason } from '../errors.js';
import { beneathMatcher, type PathMatcher } from '../glob/path-matcher.js';
import { ACL_USER } from '../model/acl.js';
import { UNKNOWN_ID, type Entry } from '../model/entry.js';
import { normalPath, printedPath } from '../model/printed-path.js';
import { fsPath, toByteString } from '../platform/byte-path.js';
import { isDirectory } from '../platform/dir-fd.js';
import { describeErrno, type SystemError } from '../platform/libc.js';
import { pseudoFilesystemDevices } from '../platform/mounts.js';
import { gidOfName, uidOfName } from '../platform/nss.js';
import { readEntry } from '../snapshot/read-entry.js';
import { walkArgument } from '../walk/walk-tree.js';
import { encodeRecord, matchPath, SYMLINK_RECORD } from './diff-record.js';

export interface SideOptions {
  /** Compare names (default) or ids (-n: names resolved through this host). */
  names: boolean;
  exclude?: PathMatcher;
  /** Read a live side's capabilities (default); not under --ignore capability. */
  capability?: boolean;
  /** Called for a live path that could not be read. */
  onProblem?: (path: string, message: string) => void;
}

export interface SideInfo {
  /** Whether the side says which files have no capability. */
  capabilitiesKnown: boolean;
  entries: number;
  /**
   * Directories on pseudo filesystems a live side recorded but did not enter (matched paths):
   * contracts.md has diff skip the other side's paths beneath them.
   */
  notEntered: string[];
  /** Live paths that could not be read: what is at or beneath them is unknown. */
  unread: string[];
  /** Live paths whose own xattrs could not be read (a corrupt capability): what is beneath them was read. */
  unreadEntries: string[];
  /**
   * Every path the snapshot records begins with "/" (`getfacl -p /srv`): paths are compared
   * without it, and the fix file puts it back, so that restore finds them where BEFORE would.
   */
  absolutePaths: boolean;
}

export type RecordSink = (path: string, record: string) => void;

export async function readSide(operand: string, options: SideOptions, sink: RecordSink): Promise<SideInfo> {
  // The operand is text from the command line; the walk takes paths as bytes.
  const bytes = toByteString(operand);
  return operand !== '-' && isDirectoryPath(bytes) ? walkSide(bytes, options, sink) : fileSide(operand, options, sink);
}

/** False for anything that cannot be stat()ed: reading it as a file then names the reason. */
function isDirectoryPath(bytes: string): boolean {
  try {
    return fs.statSync(fsPath(bytes), { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

function walkSide(dir: string, options: SideOptions, sink: RecordSink): SideInfo {
  let entries = 0;
  const notEntered: string[] = [];
  const unread: string[] = [];
  const unreadEntries: string[] = [];
  const pseudo = pseudoFilesystemDevices();
  const { exclude } = options;
  const unreadable = (path: string, err: Error, within: string[] = unread): void => {
    within.push(normalPath(printedPath(path, true).path));
    // In the system's words, as snapshot says it ("File name too long"), not Node's.
    const errno = (err as SystemError).errno;
    options.onProblem?.(path, errno ? describeErrno(Math.abs(errno)) : systemReason(err));
  };
  // The matcher sees "tree//a" (from `diff FILE tree/`) as "tree/a" itself.
  walkArgument(dir, { symlinks: 'toplevel', oneFileSystem: false, sorted: false, doNotEnter: pseudo, isExcluded: exclude }, {
    visit(path, st, followed, at) {
      let entry: Entry;
      try {
        entry = readEntry(path, st, followed, at, { names: options.names, capability: options.capability !== false });
      } catch (err) {
        // An xattr the kernel will not read (a corrupt capability: EINVAL): this path is
        // unknown; what is beneath it, walked all the same, is still compared.
        unreadable(path, err as Error, unreadEntries);
        return;
      }
      entry.path = printedPath(path, true).path;
      const matched = matchPath(entry);
      if (isDirectory(st) && pseudo.has(st.dev)) notEntered.push(matched);
      sink(matched, encodeRecord(entry, options.names, true));
      entries++;
    },
    error: unreadable,
  });
  return { capabilitiesKnown: true, entries, notEntered, unread, unreadEntries, absolutePaths: false };
}

async function fileSide(file: string, options: SideOptions, sink: RecordSink): Promise<SideInfo> {
  let entries = 0;
  const info = { hasMarkers: false };
  // Entries of blocks that say the same (most of a big snapshot) have the same record.
  const records = new Map<object, string>();
  const excluded = options.exclude && beneathMatcher(options.exclude);
  let relativePaths = false;
  let blocks = 0;
  for await (const batch of readOperandBatches(file, { info, shareBlocks: true })) {
    blocks += batch.length;
    for (const { entry, shape } of batch) {
      relativePaths ||= !entry.path.startsWith('/');
      const path = matchPath(entry);
      if (excluded && excluded(path)) continue;
      if (entry.type === 'symlink') {
        sink(path, SYMLINK_RECORD);
        continue;
      }
      let record = shape && records.get(shape);
      if (record === undefined) {
        record = encodeRecord(options.names ? entry : withIds(entry), options.names, true);
        if (shape) records.set(shape, record);
      }
      sink(path, record);
      entries++;
    }
  }
  // As restore does: an empty file (a failed `zcat baseline.gz >`) is no snapshot of
  // nothing, and against it every path would be drift, CRITICAL where UNKNOWN is the truth.
  if (blocks === 0) throw new PermsnapError('MALFORMED', 'the snapshot holds no path (an empty file?), expected at least one block', { file });
  return { capabilitiesKnown: info.hasMarkers, entries, notEntered: [], unread: [], unreadEntries: [], absolutePaths: entries > 0 && !relativePaths };
}

/**
 * The entry with ids (-n): those it records (a tar member has both a name and an id, and
 * `snapshot --from-tar -n` prints the id), else its names resolved through this host; a
 * name this host does not know stays a name.
 */
function withIds(entry: Entry): Entry {
  const uid = entry.uid === UNKNOWN_ID && entry.owner !== undefined ? (uidOfName(entry.owner) ?? UNKNOWN_ID) : entry.uid;
  const gid = entry.gid === UNKNOWN_ID && entry.group !== undefined ? (gidOfName(entry.group) ?? UNKNOWN_ID) : entry.gid;
  const ids = (acl: Entry['acl']): Entry['acl'] => acl?.map((e) => {
    if (e.name === undefined) return e;
    if (e.id !== UNKNOWN_ID) return { tag: e.tag, perm: e.perm, id: e.id };
    const id = e.tag === ACL_USER ? uidOfName(e.name) : gidOfName(e.name);
    return id === null ? e : { tag: e.tag, perm: e.perm, id };
  });
  return {
    ...entry,
    uid,
    gid,
    owner: uid === UNKNOWN_ID ? entry.owner : undefined,
    group: gid === UNKNOWN_ID ? entry.group : undefined,
    acl: ids(entry.acl),
    defaultAcl: ids(entry.defaultAcl),
  };
}
