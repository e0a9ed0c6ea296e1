// JSON Lines form of an Entry (contracts.md, "JSON"): one object per line, lossless for
// any path bytes (pathBase64 when the path is not UTF-8).

import { isUtf8 } from 'node:buffer';
import { aclFromMode } from '../model/acl.js';
import type { Entry } from '../model/entry.js';
import { modeOctal } from '../model/mode.js';
import { tidyPath } from '../model/printed-path.js';
import { entryText } from './getfacl-printer.js';

export interface JsonEntry {
  path?: string;
  pathBase64?: string;
  owner?: string;
  group?: string;
  uid?: number;
  gid?: number;
  mode: string;
  acl: string[];
  defaultAcl?: string[];
  capability?: string;
}

const utf8 = (byteString: string): string => Buffer.from(byteString, 'latin1').toString('utf8');

export function toJsonEntry(entry: Entry, names: boolean): JsonEntry {
  const bytes = Buffer.from(tidyPath(entry.path), 'latin1');
  const json: Partial<JsonEntry> = isUtf8(bytes) ? { path: bytes.toString('utf8') } : { pathBase64: bytes.toString('base64') };
  if (names && entry.owner !== undefined) json.owner = utf8(entry.owner);
  if (names && entry.group !== undefined) json.group = utf8(entry.group);
  if (entry.uid >= 0) json.uid = entry.uid;
  if (entry.gid >= 0) json.gid = entry.gid;
  json.mode = modeOctal(entry.mode);
  json.acl = (entry.acl ?? aclFromMode(entry.mode)).map((e) => utf8(entryText(e, { names })));
  if (entry.defaultAcl && entry.defaultAcl.length > 0) json.defaultAcl = entry.defaultAcl.map((e) => utf8(entryText(e, { names })));
  if (entry.capability !== undefined) json.capability = entry.capability;
  return json as JsonEntry;
}

/** One JSON line, as a byte string (its UTF-8 bytes) like every other printer's output. */
export function printJsonLine(entry: Entry, names: boolean): string {
  return Buffer.from(JSON.stringify(toJsonEntry(entry, names)) + '\n', 'utf8').toString('latin1');
}
