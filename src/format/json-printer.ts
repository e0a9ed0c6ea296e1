// JSON Lines form of an Entry (contracts.md, "JSON"): one object per line, lossless for
// any bytes (pathBase64 when the path is not UTF-8, ownerBase64, aclBase64 and so on).

import { aclFromMode } from '../model/acl.js';
import type { Entry } from '../model/entry.js';
import { modeOctal } from '../model/mode.js';
import { tidyPath } from '../model/printed-path.js';
import { entryText } from './getfacl-printer.js';
import { bytesListMember, bytesMember } from './json-bytes.js';

export interface JsonEntry {
  path?: string;
  pathBase64?: string;
  owner?: string;
  ownerBase64?: string;
  group?: string;
  groupBase64?: string;
  uid?: number;
  gid?: number;
  mode: string;
  acl?: string[];
  aclBase64?: string[];
  defaultAcl?: string[];
  defaultAclBase64?: string[];
  capability?: string;
}

export function toJsonEntry(entry: Entry, names: boolean): JsonEntry {
  const json: Partial<JsonEntry> = bytesMember('path', tidyPath(entry.path));
  if (names && entry.owner !== undefined) Object.assign(json, bytesMember('owner', entry.owner));
  if (names && entry.group !== undefined) Object.assign(json, bytesMember('group', entry.group));
  if (entry.uid >= 0) json.uid = entry.uid;
  if (entry.gid >= 0) json.gid = entry.gid;
  json.mode = modeOctal(entry.mode);
  Object.assign(json, bytesListMember('acl', (entry.acl ?? aclFromMode(entry.mode)).map((e) => entryText(e, { names }))));
  if (entry.defaultAcl && entry.defaultAcl.length > 0) Object.assign(json, bytesListMember('defaultAcl', entry.defaultAcl.map((e) => entryText(e, { names }))));
  if (entry.capability !== undefined) json.capability = entry.capability;
  return json as JsonEntry;
}

/** One JSON line, as a byte string (its UTF-8 bytes) like every other printer's output. */
export function printJsonLine(entry: Entry, names: boolean): string {
  return Buffer.from(JSON.stringify(toJsonEntry(entry, names)) + '\n', 'utf8').toString('latin1');
}
