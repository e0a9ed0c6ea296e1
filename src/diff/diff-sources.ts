// Reads one side of a diff as (path, record) pairs: a snapshot file (permsnap's or
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
import { encodeRecord, matchPath } from './diff-record.js';

export interface SideOptions {
  /** Compare names (default) or ids (-n: names resolved through this host). */
  names: boolean;
  exclude?: PathMatcher;
  /** Called for a live path that could not be read. */
  onProblem?: (path: string, message: string) => void;
}

export interface SideInfo {
  /** Whether the side says which files have no capability. */
  capabilitiesKnown: boolean;
  entries: number;
}

export type RecordSink = (path: string, record: string) => void;

export async function readSide(operand: string, options: SideOptions, sink: RecordSink): Promise<SideInfo> {
  const isDirectory = operand !== '-' && fs.statSync(operand, { throwIfNoEntry: false })?.isDirectory() === true;
  return isDirectory ? walkSide(operand, options, sink) : fileSide(operand, options, sink);
}

function walkSide(dir: string, options: SideOptions, sink: RecordSink): SideInfo {
  let entries = 0;
  walkArgument(dir, { symlinks: 'toplevel', oneFileSystem: false, sorted: false, doNotEnter: pseudoFilesystemDevices(), isExcluded: options.exclude }, {
    visit(path, st, followed, at) {
      const entry = readEntry(path, st, followed, at, { names: options.names, capability: true });
      entry.path = printedPath(path, true).path;
      sink(matchPath(entry), encodeRecord(entry, options.names, true));
      entries++;
    },
    error(path, err) {
      options.onProblem?.(path, err.message);
    },
  });
  return { capabilitiesKnown: true, entries };
}

async function fileSide(file: string, options: SideOptions, sink: RecordSink): Promise<SideInfo> {
  let entries = 0;
  const info = { hasMarkers: false };
  for await (const { entry } of readSnapshot(file, { info })) {
    if (options.exclude && matchesOrBeneath(entry.path, options.exclude)) continue;
    sink(matchPath(entry), encodeRecord(options.names ? entry : withIds(entry), options.names, true));
    entries++;
  }
  return { capabilitiesKnown: info.hasMarkers, entries };
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
