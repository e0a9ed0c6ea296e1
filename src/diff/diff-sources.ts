// Reads one side of a diff into sorted compact records: a snapshot file (permsnap's or
// getfacl's, gzip or not, '-' for stdin) or a live directory, walked as
// `permsnap snapshot DIR` would walk it (so `diff etc.facl /etc` compares like with like).

import fs from 'node:fs';
import { readSnapshot } from '../format/read-snapshot.js';
import { matchesOrBeneath, type PathMatcher } from '../glob/path-matcher.js';
import type { Entry } from '../model/entry.js';
import { printedPath } from '../model/printed-path.js';
import { pseudoFilesystemDevices } from '../platform/mounts.js';
import { gidOfName, uidOfName } from '../platform/nss.js';
import { readEntry } from '../snapshot/read-entry.js';
import { walkArgument } from '../walk/walk-tree.js';
import { encodeRecord, keyOf } from './diff-record.js';

export interface SideOptions {
  /** Compare names (default) or ids (-n: names resolved through this host). */
  names: boolean;
  exclude?: PathMatcher;
  /** Called for a live path that could not be read. */
  onProblem?: (path: string, message: string) => void;
}

export interface Side {
  records: string[];
  /** Whether the side says which files have no capability. */
  capabilitiesKnown: boolean;
  entries: number;
}

export async function readSide(operand: string, options: SideOptions): Promise<Side> {
  const isDirectory = operand !== '-' && fs.statSync(operand, { throwIfNoEntry: false })?.isDirectory() === true;
  const side = isDirectory ? walkSide(operand, options) : await fileSide(operand, options);
  side.records = sortLastWins(side.records);
  return side;
}

function walkSide(dir: string, options: SideOptions): Side {
  const records: string[] = [];
  walkArgument(dir, { symlinks: 'toplevel', oneFileSystem: false, sorted: false, doNotEnter: pseudoFilesystemDevices(), isExcluded: options.exclude }, {
    visit(path, st, followed, at) {
      const entry = readEntry(path, st, followed, at, { names: options.names, capability: true });
      entry.path = printedPath(path, true).path;
      records.push(encodeRecord(entry, options.names, true));
    },
    error(path, err) {
      options.onProblem?.(path, err.message);
    },
  });
  return { records, capabilitiesKnown: true, entries: records.length };
}

async function fileSide(file: string, options: SideOptions): Promise<Side> {
  const records: string[] = [];
  let capabilitiesKnown = false;
  for await (const { entry } of readSnapshot(file)) {
    if (options.exclude && matchesOrBeneath(entry.path, options.exclude)) continue;
    if (entry.capability !== undefined) capabilitiesKnown = true;
    records.push(encodeRecord(options.names ? entry : withIds(entry), options.names, true));
  }
  // A getfacl file says nothing of capabilities: then they are not compared.
  return { records: capabilitiesKnown ? records : records.map(forgetCapability), capabilitiesKnown, entries: records.length };
}

function forgetCapability(record: string): string {
  return record.slice(0, record.lastIndexOf('\0') + 1) + '\x02';
}

function withIds(entry: Entry): Entry {
  const uid = entry.owner !== undefined ? (uidOfName(entry.owner) ?? entry.uid) : entry.uid;
  const gid = entry.group !== undefined ? (gidOfName(entry.group) ?? entry.gid) : entry.gid;
  const ids = (acl: Entry['acl']): Entry['acl'] => acl?.map((e) => {
    if (e.name === undefined) return e;
    const id = e.tag === 0x02 ? uidOfName(e.name) : gidOfName(e.name);
    return { tag: e.tag, perm: e.perm, id: id ?? e.id };
  });
  return { ...entry, uid, gid, owner: undefined, group: undefined, acl: ids(entry.acl), defaultAcl: ids(entry.defaultAcl) };
}

/**
 * Sorted by key (a plain sort: "\0" ends the key and sorts first). The same path twice:
 * the last block in file order wins, as with setfacl.
 */
function sortLastWins(records: string[]): string[] {
  const sorted = records.slice().sort();
  const repeated = new Set<string>();
  for (let i = 1; i < sorted.length; i++) {
    const key = keyOf(sorted[i] as string);
    if (key === keyOf(sorted[i - 1] as string)) repeated.add(key);
  }
  if (repeated.size === 0) return sorted;
  const lastIndex = new Map<string, number>();
  records.forEach((r, i) => {
    const key = keyOf(r);
    if (repeated.has(key)) lastIndex.set(key, i);
  });
  return records.filter((r, i) => {
    const last = lastIndex.get(keyOf(r));
    return last === undefined || last === i;
  }).sort();
}
