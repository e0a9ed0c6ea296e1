// Prints Entry records as getfacl text, byte for byte as acl 2.3.1's `getfacl` does
// (tools/getfacl.c do_print, libacl/__acl_to_any_text.c), plus permsnap's own comment
// lines, which setfacl --restore ignores. Output is a byte string (one char per byte).

import { ACL_GROUP, ACL_GROUP_OBJ, ACL_MASK, ACL_USER, aclFromMode } from '../model/acl.js';
import type { Entry, QualifiedAclEntry } from '../model/entry.js';
import { flagsText, PERMISSION_BITS, permText } from '../model/mode.js';
import { OWNER_QUOTED, PATH_QUOTED, QUALIFIER_QUOTED, quote } from './quote.js';

export type EffectiveComments = 'some' | 'all' | 'none';

export interface PrintOptions {
  /** Print the access ACL (-a; both ACLs when neither -a nor -d is given). */
  access: boolean;
  /** Print the default ACL (-d). */
  default: boolean;
  /** The `# file:`/`# owner:`/`# group:`/`# flags:` header (off with -c). */
  comments: boolean;
  /** `#effective:` comments: on masked-out rights (default), always (-e), never (-E). */
  effective: EffectiveComments;
  /** getfacl aligns `#effective:` to column 32 when stdout is a terminal. */
  smartIndent: boolean;
  /** Names or numbers: false prints ids (-n). */
  names: boolean;
  /** permsnap's `# capability:` line (off with --compat). */
  capability: boolean;
}

export const GETFACL_DEFAULTS: PrintOptions = {
  access: true,
  default: true,
  comments: true,
  effective: 'some',
  smartIndent: false,
  names: true,
  capability: true,
};

/** One block, and where its header ends (where permsnap's marker comments go). */
export interface PrintedBlock {
  text: string;
  headerEnd: number;
}

export function printBlock(entry: Entry, options: PrintOptions): PrintedBlock {
  if (!options.comments) return { text: blockAfterPath(entry, options).text, headerEnd: 0 };
  const fileLine = `# file: ${quote(entry.path, PATH_QUOTED)}`;
  let rest: AfterPath;
  if (entry.acl !== undefined || entry.defaultAcl !== undefined || entry.capability !== undefined) rest = blockAfterPath(entry, options);
  else {
    // The rest of a block without ACLs or capability (nearly every block of a tree) depends
    // on its owner, group and mode (and whether names and the ACL are printed) only, which
    // consecutive files mostly share: printed again only when they change. The options are
    // compared by value: a library caller may change its object between blocks.
    const last = lastPlain;
    const mode = entry.mode & PERMISSION_BITS;
    if (last !== null && last.names === options.names && last.access === options.access && last.mode === mode && last.uid === entry.uid && last.gid === entry.gid && last.owner === entry.owner && last.group === entry.group) rest = last.rest;
    else {
      rest = blockAfterPath(entry, options);
      lastPlain = { names: options.names, access: options.access, mode, uid: entry.uid, gid: entry.gid, owner: entry.owner, group: entry.group, rest };
    }
  }
  return { text: fileLine + rest.text, headerEnd: fileLine.length + rest.headerLength };
}

/** A block without its `# file:` line (from the newline that ends it, with comments), and where its comment lines end. */
interface AfterPath {
  text: string;
  headerLength: number;
}

/**
 * For a block without ACLs or capability, printBlock() reuses this text while what it reads
 * here stays the same (lastPlain's fields): anything else this comes to depend on must be
 * added to them.
 */
function blockAfterPath(entry: Entry, options: PrintOptions): AfterPath {
  let text = '';
  if (options.comments) {
    text += `\n# owner: ${principal(entry.owner, entry.uid, options)}\n`;
    text += `# group: ${principal(entry.group, entry.gid, options)}\n`;
    const flags = flagsText(entry.mode);
    if (flags !== null) text += `# flags: ${flags}\n`;
    if (options.capability && entry.capability !== undefined) text += `# capability: ${entry.capability}\n`;
  }
  const headerLength = text.length;
  if (options.access) text += entry.acl ? printAcl(entry.acl, '', options) : baseAclText(entry.mode);
  const printDefault = options.default && entry.defaultAcl !== undefined && entry.defaultAcl.length > 0;
  if (printDefault) text += printAcl(entry.defaultAcl!, options.access ? 'default:' : '', options);
  // getfacl ends a block with a blank line whenever it printed anything for it.
  if (options.access || printDefault || options.comments) text += '\n';
  return { text, headerLength };
}

/** What printBlock() printed after the path of the last block without ACLs or capability, and for what. */
let lastPlain: { names: boolean; access: boolean; mode: number; uid: number; gid: number; owner?: string; group?: string; rest: AfterPath } | null = null;

/**
 * The access ACL of a file without one, which only its nine permission bits decide (no
 * mask, so no #effective: comment, and no qualifier): most blocks of a tree. Printed once
 * per bits, not built and printed per file.
 */
const baseAclTexts: string[] = [];
function baseAclText(mode: number): string {
  const bits = mode & 0o777;
  return (baseAclTexts[bits] ??= printAcl(aclFromMode(bits), '', GETFACL_DEFAULTS));
}

/** A header's owner or group: the name, quoted; else the id, whose digits need no quoting (undo journals print ids only). */
function principal(name: string | undefined, id: number, options: PrintOptions): string {
  return options.names && name !== undefined ? quote(name, OWNER_QUOTED) : String(id);
}

export function printAcl(acl: readonly QualifiedAclEntry[], prefix: string, options: PrintOptions): string {
  const mask = options.effective === 'none' ? undefined : acl.find((e) => e.tag === ACL_MASK);
  let text = '';
  for (const e of acl) {
    const line = prefix + entryText(e, options);
    text += line;
    if (mask && (e.tag === ACL_USER || e.tag === ACL_GROUP_OBJ || e.tag === ACL_GROUP)) {
      const effective = e.perm & mask.perm;
      if (effective !== e.perm || options.effective === 'all') {
        text += effectiveIndent(line.length, options.smartIndent) + '#effective:' + permText(effective);
      }
    }
    text += '\n';
  }
  return text;
}

/** One TAB, or on a terminal enough TABs to reach column 32, at least one (TABS = 4). */
function effectiveIndent(lineLength: number, smart: boolean): string {
  const skip = smart ? Math.min(Math.floor(lineLength / 8), 3) : 3;
  return '\t'.repeat(4 - skip);
}

const TAG_TEXT: Record<number, string> = {
  0x01: 'user:',
  0x02: 'user:',
  0x04: 'group:',
  0x08: 'group:',
  0x10: 'mask:',
  0x20: 'other:',
};

export function entryText(e: QualifiedAclEntry, options: Pick<PrintOptions, 'names'>): string {
  let qualifier = '';
  if (e.tag === ACL_USER || e.tag === ACL_GROUP) {
    qualifier = options.names && e.name !== undefined ? quote(e.name, QUALIFIER_QUOTED) : String(e.id);
  }
  return `${TAG_TEXT[e.tag]}${qualifier}:${permText(e.perm)}`;
}
