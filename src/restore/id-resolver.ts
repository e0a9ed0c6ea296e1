// Names to ids on the TARGET host (contracts.md, "Names and ids"): through this host's NSS,
// or through ROOT/etc/passwd and ROOT/etc/group for a damaged system mounted under a rescue
// system. All-digit names are decimal ids.

import fs from 'node:fs';
import path from 'node:path';
import { PermsnapError, systemReason } from '../errors.js';
import { readsAsId } from '../model/printable-name.js';
import { gidOfName, lookupFailure, uidOfName } from '../platform/nss.js';

export type IdSource = 'nss' | 'root';

/** How to make the same resolver again (on a worker thread). */
export type IdSpec = { source: 'nss' } | { source: 'root'; root: string };

export interface IdResolver {
  source: IdSource;
  /** Set by this module's resolvers; a resolver without it cannot be remade on a worker. */
  spec?: IdSpec;
  /** Where the names came from, for the summary. */
  description: string;
  uid(name: string): number | null;
  gid(name: string): number | null;
  /** Why a name uid() or gid() gave null for could not be looked up, when that failed rather than found none. */
  failure?(kind: 'user' | 'group', name: string): string | null;
}

function withNumeric(lookup: (name: string) => number | null): (name: string) => number | null {
  return (name) => (readsAsId(name) ? Number(name) : lookup(name));
}

export function nssResolver(): IdResolver {
  return { source: 'nss', spec: { source: 'nss' }, description: "this host's NSS", uid: withNumeric(uidOfName), gid: withNumeric(gidOfName), failure: lookupFailure };
}

/**
 * ROOT/etc/FILE's text, read without following a symlink in etc/ or FILE: a mounted system's
 * `etc/passwd -> /etc/passwd` would be this (rescue) host's file, and its names the wrong
 * ones, with no word said.
 */
function readBeneathRoot(root: string, name: 'passwd' | 'group'): string {
  const file = path.join(root, 'etc', name);
  const refuse = (why: string, cause?: unknown): never => {
    throw new PermsnapError('IO', `${file}: ${why} (--ids-from root reads names only from files beneath the root; --ids-from nss uses this host's)`, { cause });
  };
  let fd: number;
  try {
    if (fs.lstatSync(path.join(root, 'etc')).isSymbolicLink()) refuse(`${path.join(root, 'etc')} is a symlink: refused`);
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    if (err instanceof PermsnapError) throw err;
    return (err as NodeJS.ErrnoException).code === 'ELOOP' ? refuse('a symlink: refused', err) : refuse(`cannot read it: ${systemReason(err)}`, err);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) refuse('not a regular file: refused');
    return fs.readFileSync(fd, 'latin1');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A decimal id field as glibc's files module reads one (strtoul, then the next byte must be
 * the field's end): blanks and a sign before the digits are taken, anything else after them
 * ("1e3", "0x10", "5\r") or no digits at all refuses the line. Past 32 bits refuses it too:
 * Number() would have made "" and " " uid 0 (root) and 4294967296 wrap to 0 in chown.
 */
const ID_FIELD = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;
const MAX_ID_FIELD = 0xffffffff;

function idField(text: string | undefined): number | null {
  const m = text === undefined ? null : ID_FIELD.exec(text);
  if (m === null) return null;
  const id = Number(m[2]);
  // strtoul negates a "-" number modulo 2^64: past 32 bits, so refused, but "-0" is 0.
  if (m[1] === '-') return id === 0 ? 0 : null;
  return id <= MAX_ID_FIELD ? id : null;
}

/**
 * name -> id from a passwd or group file (name:password:id:...), names as byte strings,
 * with the lines glibc's files module takes and no others, so that ROOT's files give the
 * ids the mounted system itself would: blank and # lines skipped, leading blanks too; a
 * passwd line needs its uid and gid, a group line its gid; the first line for a name wins;
 * "+" and "-" lines are for nss_compat and name nobody here.
 */
function readIdFile(root: string, name: 'passwd' | 'group'): Map<string, number> {
  const ids = new Map<string, number>();
  const text = readBeneathRoot(root, name);
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^[ \t\n\v\f\r]+/, ''); // isspace(), as glibc skips them
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':');
    const owner = fields[0] as string;
    const id = idField(fields[2]);
    // passwd: name:password:uid:gid:...; the gid must be there and valid too.
    if (name === 'passwd' && idField(fields[3]) === null) continue;
    if (owner !== '' && id !== null && !ids.has(owner)) ids.set(owner, id);
  }
  return ids;
}

export function rootFilesResolver(root: string): IdResolver {
  const users = readIdFile(root, 'passwd');
  const groups = readIdFile(root, 'group');
  return {
    source: 'root',
    spec: { source: 'root', root },
    description: `${path.join(root, 'etc/passwd')} and ${path.join(root, 'etc/group')}`,
    uid: withNumeric((n) => users.get(n) ?? null),
    gid: withNumeric((n) => groups.get(n) ?? null),
  };
}

/** The default: ROOT's files when --root is not / and has them, else NSS. */
export function chooseResolver(root: string | undefined, requested: IdSource | undefined): IdResolver {
  // Whether they are there, not where they lead: a symlink among them (etc/group ->
  // /usr/lib/group, absolute, so this host's file) is ROOT's to refuse (readBeneathRoot),
  // not a reason to take this host's names without a word.
  const hasFiles = root !== undefined && (isSymlink(path.join(root, 'etc')) || ['etc/passwd', 'etc/group'].every((f) => isPresent(path.join(root, f))));
  const source = requested ?? (root !== undefined && !isThisHostsRoot(root) && hasFiles ? 'root' : 'nss');
  return source === 'root' ? rootFilesResolver(root ?? '/') : nssResolver();
}

/** The file's status (a symlink's own, unless followed), null when there is none. */
function statusOf(file: string, follow = false): fs.Stats | null {
  try {
    return follow ? fs.statSync(file) : fs.lstatSync(file);
  } catch {
    return null;
  }
}

/**
 * Whether `root` is this host's / itself: by the inode, so that a --root that leads there
 * through a symlink (followed, as the README says of --root) takes this host's NSS too, as
 * `--root /` does, with its directory-service users.
 */
function isThisHostsRoot(root: string): boolean {
  const given = statusOf(root, true);
  const slash = statusOf('/', true);
  return given !== null && slash !== null && given.dev === slash.dev && given.ino === slash.ino;
}

const isPresent = (file: string): boolean => statusOf(file) !== null;
const isSymlink = (file: string): boolean => statusOf(file)?.isSymbolicLink() ?? false;

export function resolverOf(spec: IdSpec): IdResolver {
  return spec.source === 'root' ? rootFilesResolver(spec.root) : nssResolver();
}
