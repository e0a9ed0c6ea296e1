// Turns diff changes into the four output forms: text for people, one JSON document,
// a getfacl file of the BEFORE blocks of modified paths (a minimal restore file), and a
// monitoring-plugin status line. Output is byte strings (one char per byte).

import { bytesMember } from '../format/json-bytes.js';
import { OWNER_QUOTED, PATH_QUOTED, quote } from '../format/quote.js';
import { isAscii } from '../platform/byte-path.js';
import { flagsText } from '../model/mode.js';
import { BEGIN_MARKER, CAPABILITIES_UNKNOWN, endMarker } from '../snapshot/marker-writer.js';
import type { DiffRecord } from './diff-record.js';
import type { DiffChange, FieldChange } from './diff-records.js';
import { nagiosText } from './nagios-text.js';
import type { PermissionField } from '../model/field.js';

export interface DiffCounts {
  modified: number;
  missing: number;
  extra: number;
}

const COLOURS = { modified: '\x1b[33m', missing: '\x1b[31m', extra: '\x1b[32m' };
const RESET = '\x1b[0m';

export function fieldsText(fields: readonly FieldChange[]): string {
  return fields.map((f) => `${f.field} ${shownValue(f, f.before)} -> ${shownValue(f, f.after)}`).join(', ');
}

/**
 * Owner and group names come raw from a snapshot (`# owner: x\012forged` is the name
 * "x\nforged"): quoted as getfacl quotes them, so a newline can never forge a line. ACL
 * entry texts are quoted already; modes and capability texts hold no such bytes.
 */
function shownValue(change: FieldChange, value: string): string {
  return change.field === 'owner' || change.field === 'group' ? quote(value, OWNER_QUOTED) : value;
}

export function textSummary(c: DiffCounts): string {
  return `${c.modified} modified, ${c.missing} missing, ${c.extra} extra\n`;
}

export function textLine(change: DiffChange, colour: boolean): string {
  const kind = colour ? `${COLOURS[change.kind]}${change.kind.padEnd(8)}${RESET}` : change.kind.padEnd(8);
  const path = quote(change.path, PATH_QUOTED);
  return change.kind === 'modified' ? `${kind}  ${path}  ${fieldsText(change.fields)}\n` : `${kind}  ${path}\n`;
}

/** The "fields" member of a modified change's JSON, as UTF-8 bytes in a byte string; changes share their fields by pair of records. */
const fieldsJson = new WeakMap<readonly FieldChange[], string>();

/** One element of the JSON document's "changes" array, as UTF-8 bytes in a byte string. */
export function jsonChange(change: DiffChange): string {
  // JSON text is UTF-8; an ASCII path is its own bytes (most paths: no conversion needed).
  const path = isAscii(change.path) ? JSON.stringify({ path: change.path }).slice(1, -1) : toBytes(JSON.stringify(bytesMember('path', change.path)).slice(1, -1));
  const head = `{"kind":"${change.kind}",${path}`;
  if (change.kind !== 'modified') return `${head}}`;
  let fields = fieldsJson.get(change.fields);
  if (fields === undefined) {
    fields = toBytes(JSON.stringify(change.fields.map((f) => ({ field: f.field, ...bytesMember('before', f.before), ...bytesMember('after', f.after) }))));
    fieldsJson.set(change.fields, fields);
  }
  return `${head},"fields":${fields}}`;
}

const toBytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

export function jsonHead(c: DiffCounts): string {
  return `{"summary": ${JSON.stringify(c)}, "changes": [`;
}

/**
 * A record as a getfacl block; `marker` goes at the end of its header. Without `# owner:`,
 * `# group:` or `# capability:` when those are ignored or unknown (restore then leaves them alone).
 */
export function recordBlock(path: string, rec: DiffRecord, marker: string, ignore: ReadonlySet<PermissionField> = new Set()): string {
  let text = `# file: ${quote(path, PATH_QUOTED)}\n`;
  if (!ignore.has('owner') && rec.owner !== '') text += `# owner: ${quote(rec.owner, OWNER_QUOTED)}\n`;
  if (!ignore.has('group') && rec.group !== '') text += `# group: ${quote(rec.group, OWNER_QUOTED)}\n`;
  const flags = flagsText(parseInt(rec.mode, 8));
  if (flags) text += `# flags: ${flags}\n`;
  if (rec.capability && !ignore.has('capability')) text += `# capability: ${rec.capability}\n`;
  text += marker;
  for (const e of rec.acl) text += `${e}\n`;
  for (const e of rec.defaultAcl) text += `default:${e}\n`;
  return text + '\n';
}

/**
 * Writes BEFORE blocks with permsnap's markers, holding one back to mark the last. Fields
 * the diff ignored are left out where getfacl text can leave them out, so that the file
 * repairs only what the diff reported: owner and group lines, and (by saying capabilities
 * are unknown) capabilities; mode and ACLs cannot be, restore's own --ignore can.
 */
export class RestoreFileWriter {
  private held: { path: string; record: DiffRecord } | null = null;
  private count = 0;
  private readonly begin: string;

  constructor(
    private readonly write: (text: string) => Promise<void>,
    private readonly markers: boolean,
    private readonly ignore: ReadonlySet<PermissionField> = new Set(),
  ) {
    this.begin = BEGIN_MARKER + (ignore.has('capability') ? CAPABILITIES_UNKNOWN : '');
  }

  async add(path: string, record: DiffRecord): Promise<void> {
    if (this.held) await this.write(this.block(this.markers && this.count === 1 ? this.begin : ''));
    this.held = { path, record };
    this.count++;
  }

  async finish(): Promise<void> {
    if (!this.held) return;
    const marks = this.markers ? (this.count === 1 ? this.begin : '') + endMarker(this.count) : '';
    await this.write(this.block(marks));
  }

  private block(marker: string): string {
    const { path, record } = this.held as { path: string; record: DiffRecord };
    return recordBlock(path, record, marker, this.ignore);
  }
}

/** Live paths that could not be read: how many, and the first as `path: message`. */
export interface Trouble {
  problems: number;
  first: string;
}

export function nagiosLine(c: DiffCounts, paths: number, examples: readonly DiffChange[], trouble: Trouble): string {
  const perf = `modified=${c.modified};;;0 missing=${c.missing};;;0 extra=${c.extra};;;0`;
  if (c.modified + c.missing + c.extra === 0) {
    // Nothing differs in what could be read; what could not be is UNKNOWN (exit 3), not OK.
    if (trouble.problems > 0) return `${nagiosText(`PERMSNAP UNKNOWN - ${trouble.problems} path(s) could not be read (${trouble.first})`)} | ${perf}\n`;
    return `PERMSNAP OK - no differences in ${paths} paths | ${perf}\n`;
  }
  const counts = (['modified', 'missing', 'extra'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`).join(', ');
  const shown = examples.map((e) => (e.kind === 'modified' ? `${quote(e.path, PATH_QUOTED)} ${fieldsText(e.fields)}` : `${quote(e.path, PATH_QUOTED)} ${e.kind}`));
  return `${nagiosText(`PERMSNAP CRITICAL - ${counts}: ${shown.join('; ')}${c.modified + c.missing + c.extra > examples.length ? '; ...' : ''}`)} | ${perf}\n`;
}
