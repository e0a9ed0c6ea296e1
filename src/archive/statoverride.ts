// dpkg-statoverride's database (/var/lib/dpkg/statoverride): one override a line,
// `owner group mode path`, owner and group a name or `#id`, mode octal, the path absolute
// and the rest of the line (dpkg's statdb reads it so). dpkg applies these over what the
// packages' archives say, at unpacking and when the override is added.

import fs from 'node:fs';
import { PermsnapError, systemReason } from '../errors.js';
import { MAX_FILE_ID, UNKNOWN_ID, type Entry } from '../model/entry.js';
import { relativeForm } from '../model/printed-path.js';
import { gidOfName, uidOfName } from '../platform/nss.js';

export type Principal = { name: string } | { id: number };

export interface StatOverride {
  owner: Principal;
  group: Principal;
  mode: number;
  /** The path as written (absolute). */
  path: string;
  /** The path in the relative form a baseline's paths are matched in. */
  key: string;
  line: number;
}

const LINE = /^(\S+)[ \t]+(\S+)[ \t]+(\S+)[ \t]+(\/.*)$/;

/** The overrides of a statoverride file, in file order; throws naming file:line for a bad line. */
export function readStatOverrides(file: string): StatOverride[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (err) {
    throw new PermsnapError('IO', `cannot read the statoverride file: ${systemReason(err)}`, { file, cause: err });
  }
  return parseStatOverrides(text, file);
}

export function parseStatOverrides(text: string, file: string): StatOverride[] {
  const overrides: StatOverride[] = [];
  const lineOf = new Map<string, number>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const fail = (what: string): never => {
      throw new PermsnapError('MALFORMED', `${what}, expected "OWNER GROUP MODE /PATH" (names or #ids, octal mode)`, { file, line: i + 1 });
    };
    const m = LINE.exec(line);
    if (!m) fail(`malformed statoverride line ${JSON.stringify(line.length > 60 ? line.slice(0, 60) + '...' : line)}`);
    const [, owner, group, mode, path] = m as unknown as [string, string, string, string, string];
    if (!/^0*[0-7]{1,4}$/.test(mode)) fail(`mode "${mode}" is not an octal mode`);
    const collapsed = path.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
    const key = relativeForm(collapsed);
    // dpkg refuses the whole file too ("multiple statoverrides present for file").
    const first = lineOf.get(key);
    if (first !== undefined) fail(`a second override for ${JSON.stringify(path)} (the first is on line ${first})`);
    lineOf.set(key, i + 1);
    overrides.push({
      owner: principal(owner, 'owner', fail),
      group: principal(group, 'group', fail),
      mode: parseInt(mode, 8),
      path,
      key,
      line: i + 1,
    });
  }
  return overrides;
}

function principal(text: string, what: string, fail: (what: string) => never): Principal {
  if (!text.startsWith('#')) return { name: text };
  const id = text.slice(1);
  if (!/^[0-9]{1,10}$/.test(id) || Number(id) > MAX_FILE_ID) fail(`${what} "${text}" is not a valid #id`);
  return { id: Number(id) };
}

/**
 * The entry with the override applied. With names, a name stays a name (resolved on the
 * target at restore) and an #id prints as the id; with ids (-n) a name is resolved through
 * this host, and throws if it has no such user or group.
 */
export function applyStatOverride(entry: Entry, override: StatOverride, names: boolean, file: string): Entry {
  const resolve = (p: Principal, kind: 'user' | 'group'): { id: number; name?: string } => {
    if ('id' in p) return { id: p.id };
    const id = kind === 'user' ? uidOfName(p.name) : gidOfName(p.name);
    if (id === null && !names) {
      throw new PermsnapError('USAGE', `${kind} "${p.name}" is unknown on this host, and -n needs its id`, { file, line: override.line });
    }
    return names ? { id: id ?? UNKNOWN_ID, name: p.name } : { id: id as number };
  };
  const owner = resolve(override.owner, 'user');
  const group = resolve(override.group, 'group');
  const result: Entry = { ...entry, mode: override.mode & 0o7777, uid: owner.id, gid: group.id };
  result.owner = owner.name;
  result.group = group.name;
  if (result.owner === undefined) delete result.owner;
  if (result.group === undefined) delete result.group;
  return result;
}
