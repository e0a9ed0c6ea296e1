// Names to ids on the TARGET host (contracts.md, "Names and ids"): through this host's NSS,
// or through ROOT/etc/passwd and ROOT/etc/group for a damaged system mounted under a rescue
// system. All-digit names are decimal ids.

import fs from 'node:fs';
import path from 'node:path';
import { PermsnapError, systemReason } from '../errors.js';
import { gidOfName, uidOfName } from '../platform/nss.js';

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
}

const DIGITS = /^[0-9]+$/;

function withNumeric(lookup: (name: string) => number | null): (name: string) => number | null {
  return (name) => (DIGITS.test(name) ? Number(name) : lookup(name));
}

export function nssResolver(): IdResolver {
  return { source: 'nss', spec: { source: 'nss' }, description: "this host's NSS", uid: withNumeric(uidOfName), gid: withNumeric(gidOfName) };
}

/** name -> id from a passwd or group file (name:password:id:...), names as byte strings. */
function readIdFile(file: string): Map<string, number> {
  const ids = new Map<string, number>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (err) {
    throw new PermsnapError('IO', `${file}: cannot read it for names (--ids-from root): ${systemReason(err)}`, { cause: err });
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 3 || line.startsWith('#')) continue;
    const id = Number(fields[2]);
    if (fields[0] && Number.isInteger(id) && !ids.has(fields[0])) ids.set(fields[0], id);
  }
  return ids;
}

export function rootFilesResolver(root: string): IdResolver {
  const users = readIdFile(path.join(root, 'etc/passwd'));
  const groups = readIdFile(path.join(root, 'etc/group'));
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
  const hasFiles = root !== undefined && ['etc/passwd', 'etc/group'].every((f) => fs.existsSync(path.join(root, f)));
  const source = requested ?? (root !== undefined && path.resolve(root) !== '/' && hasFiles ? 'root' : 'nss');
  return source === 'root' ? rootFilesResolver(root ?? '/') : nssResolver();
}

export function resolverOf(spec: IdSpec): IdResolver {
  return spec.source === 'root' ? rootFilesResolver(spec.root) : nssResolver();
}
