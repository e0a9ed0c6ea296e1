// Parses getfacl text (with permsnap's comment additions) into Entry records, incrementally
// and from bytes: text is one char per byte (latin1), so names that are not UTF-8 survive.
// Pure, no I/O. The rules are contracts.md's "Parsing rules"; every refusal says file:line.

import { PermsnapError } from '../errors.js';
import {
  ACL_GROUP,
  ACL_GROUP_OBJ,
  ACL_MASK,
  ACL_OTHER,
  ACL_UNDEFINED_ID,
  ACL_USER,
  ACL_USER_OBJ,
  type AclTag,
  computeMask,
} from '../model/acl.js';
import { parseCapabilityText } from '../model/capability.js';
import { type Entry, type QualifiedAclEntry, UNKNOWN_ID } from '../model/entry.js';
import { S_ISGID, S_ISUID, S_ISVTX, permText } from '../model/mode.js';
import { readsAsId } from '../model/printable-name.js';
import { escapeAbove377, unquote } from './quote.js';
import { messageText } from '../platform/byte-path.js';
import { objectList } from '../platform/object-list.js';

export interface ParsedEntry {
  entry: Entry;
  /** 1-based line of the block's `# file:` header. */
  line: number;
  /**
   * With ParserOptions.shareBlocks: the same object for every entry whose block says the
   * same after its `# file:` line, so a caller can work out what such entries share once.
   */
  shape?: object;
}

export interface ParserOptions {
  /**
   * Recognise a block that repeats one seen before (after its `# file:` line) without
   * parsing it again; most blocks of a big snapshot repeat one of a few thousand. The
   * entries of such blocks share their ACL arrays: for callers that only read them.
   */
  shareBlocks?: boolean;
  /**
   * The text is one piece of a snapshot cut at empty lines (restore's first pass parses
   * pieces in parallel): the checks that need the whole file are left to the caller, which
   * reads the facts they need from pieceFacts. Lines are counted from the piece's start.
   */
  piece?: boolean;
  /** With shareBlocks: the blocks known to parsers before (of the same file's other pieces). */
  knownBlocks?: KnownBlocks;
}

/** Block bodies parsed (ParserOptions.knownBlocks). */
export type KnownBlocks = Map<string, KnownBlock>;

/** What a piece of a snapshot says about the file as a whole (ParserOptions.piece). */
export interface PieceFacts {
  /** Blocks in the piece. */
  entries: number;
  /** It has a `# permsnap: begin` marker. */
  begin: boolean;
  /** It has `# permsnap: capabilities unknown`. */
  capabilitiesUnknown: boolean;
  /** Its end marker: the count it gives, and the piece's blocks up to and with the marker's. */
  end: { count: number; entries: number } | null;
  /** Its text ends inside a block (no empty line after its last one). */
  unclosed: boolean;
}

/** A block body already parsed: its text, the entry it gives (path aside) and how many lines it has. */
interface KnownBlock {
  body: string;
  entry: Entry;
  lines: number;
}

/** Known blocks kept at most (a snapshot whose blocks rarely repeat gains nothing from more). */
const MAX_KNOWN_BLOCKS = 1 << 14;
const FILE_LINE = '# file: ';

/**
 * The largest id read. 4294967295 is (uid_t)-1, which no file can be given, but getfacl
 * prints it for an owner or ACL entry whose id a user namespace does not map (a rootless
 * container): a snapshot or undo journal taken there must still be read; restore reports
 * such an id for its path (wanted-state.ts).
 */
const MAX_ID = 0xffffffff;
/** getfacl's longest line is a quoted PATH_MAX path (~16 KiB); anything far longer is not a snapshot. */
const MAX_LINE = 1 << 20;
/** Bytes of input split into lines at a time. */
const SLICE = 1 << 16;

/** A fault found by a helper; the parser adds the file and, unless given, the current line. */
class Fault extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

function fail(message: string, line?: number): never {
  throw new Fault(message, line);
}

/**
 * A short excerpt of the snapshot (a byte string) quoted for a message, which is text: UTF-8 reads
 * as what it says, a byte that is not UTF-8 shows as \xNN, a byte-order mark as \ufeff,
 * quotes, backslashes and control characters escaped as in JSON.
 */
function show(text: string): string {
  const cut = text.length > 60 ? text.slice(0, 60) + '...' : text;
  return `"${messageText(cut, (char) => (char === '\ufeff' ? '\\ufeff' : JSON.stringify(char).slice(1, -1)))}"`;
}

/** Trims spaces and TABs only: String.prototype.trim would also eat byte 0xA0 of a name. */
function trimBlanks(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

// ---------------------------------------------------------------------------------------
// Entry lines

interface EntryLine {
  isDefault: boolean;
  entry: QualifiedAclEntry;
  /** The entry as written (without default:), for messages. */
  text: string;
}

const TAG_WORDS = new Map<string, 'user' | 'group' | 'mask' | 'other'>([
  ['user', 'user'], ['u', 'user'], ['group', 'group'], ['g', 'group'],
  ['mask', 'mask'], ['m', 'mask'], ['other', 'other'], ['o', 'other'],
]);

const OBJ_TAG = { user: ACL_USER_OBJ, group: ACL_GROUP_OBJ, mask: ACL_MASK, other: ACL_OTHER } as const;

/**
 * getfacl prints most lines of a snapshot (user::, group::, mask::, other::, with or
 * without default:) in one of 64 exact forms; a map lookup skips the general parser.
 */
const EXACT_LINES = new Map<string, { isDefault: boolean; tag: AclTag; perm: number }>();
for (const prefix of ['', 'default:']) {
  for (const [word, tag] of Object.entries(OBJ_TAG)) {
    for (let perm = 0; perm < 8; perm++) {
      EXACT_LINES.set(`${prefix}${word}::${permText(perm)}`, { isDefault: prefix !== '', tag, perm });
    }
  }
}

/** `[r-][w-][x-]` or one octal digit (setfacl accepts both); -1 otherwise. */
function parsePerm(text: string): number {
  if (text.length === 1) {
    const d = text.charCodeAt(0) - 48;
    return d >= 0 && d <= 7 ? d : -1;
  }
  if (text.length !== 3) return -1;
  const r = text[0] === 'r' ? 4 : text[0] === '-' ? 0 : -1;
  const w = text[1] === 'w' ? 2 : text[1] === '-' ? 0 : -1;
  const x = text[2] === 'x' ? 1 : text[2] === '-' ? 0 : -1;
  return r < 0 || w < 0 || x < 0 ? -1 : r | w | x;
}

/** The permission field, after cutting a trailing `#` comment (`#effective:r--`). */
function permField(text: string, entryText: string): number {
  const hash = text.indexOf('#');
  const field = trimBlanks(hash < 0 ? text : text.slice(0, hash));
  const perm = parsePerm(field);
  if (perm < 0) fail(`invalid permissions ${show(field)} in ${show(entryText)}, expected [r-][w-][x-] or an octal digit 0-7`);
  return perm;
}

/** An all-digit value is a DECIMAL id (contracts.md: not setfacl's octal-prone strtol). */
function parseId(text: string, what: string): number {
  const id = Number(text);
  if (id > MAX_ID) fail(`${what} ${text} is out of range, expected a decimal id from 0 to ${MAX_ID}`);
  return id;
}

function parseName(text: string, what: string): string {
  const name = unquoted(text, what);
  if (name.includes('\0')) fail(`${what} ${show(text)} contains a NUL byte, expected a name without \\000`);
  return name;
}

/** Quoted text unquoted, refusing an escape above `\377` (`t\457x` would name t/x: see escapeAbove377). */
function unquoted(quoted: string, what: string): string {
  if (!quoted.includes('\\')) return quoted;
  const code = escapeAbove377(quoted);
  if (code !== undefined) fail(`${what} ${show(quoted)} has the escape \\${code}, above \\377, expected escapes from \\001 to \\377`);
  return unquote(quoted);
}

/** A named entry: its qualifier read as an id (all digits) or a name. */
function namedEntry(tag: AclTag, perm: number, qualifier: string, what: string): { entry: QualifiedAclEntry } {
  if (readsAsId(qualifier)) {
    const id = parseId(qualifier, what);
    return { entry: { tag, perm, id } };
  }
  const name = parseName(qualifier, what);
  return { entry: { tag, perm, id: UNKNOWN_ID, name } };
}

/** Splits `[default:]TAG:rest` (whitespace allowed around the words, as setfacl allows). */
function splitTag(line: string): { isDefault: boolean; word: 'user' | 'group' | 'mask' | 'other'; rest: string } {
  let colon = line.indexOf(':');
  if (colon < 0) fail(`line ${show(line)} is neither a comment, an ACL entry nor blank, expected an entry such as user::rw-`);
  let tagText = trimBlanks(line.slice(0, colon));
  let rest = line.slice(colon + 1);
  const isDefault = tagText === 'default' || tagText === 'd';
  if (isDefault) {
    colon = rest.indexOf(':');
    if (colon < 0) fail(`entry ${show(line)} has no tag after default:, expected default:TAG:QUALIFIER:PERMS`);
    tagText = trimBlanks(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  const word = TAG_WORDS.get(tagText);
  if (word === undefined && line.startsWith('{"')) {
    fail('a JSON line (as snapshot --format json writes), expected the getfacl text format, which restore and diff read: take the snapshot without --format json');
  }
  if (word === undefined) {
    fail(`unknown tag ${show(tagText)} in ${show(line)}, expected user, group, mask or other (u, g, m, o), optionally after default: (d:)`);
  }
  return { isDefault, word, rest };
}

/** The general form of an entry line (leading blanks already removed). */
function parseEntryLine(line: string): EntryLine {
  const { isDefault, word, rest } = splitTag(line);
  const text = isDefault ? line.slice(line.indexOf(':') + 1) : line;
  if (word === 'mask' || word === 'other') {
    // No qualifier, so a `#` comment can be cut first; libacl also takes Solaris' `mask:rwx`.
    const hash = rest.indexOf('#');
    const body = hash < 0 ? rest : rest.slice(0, hash);
    const colon = body.indexOf(':');
    if (colon >= 0 && trimBlanks(body.slice(0, colon)) !== '') {
      fail(`${word} entry ${show(line)} has a qualifier, expected ${word}::PERMS`);
    }
    const perm = permField(colon < 0 ? body : body.slice(colon + 1), line);
    return { isDefault, entry: { tag: OBJ_TAG[word], perm, id: ACL_UNDEFINED_ID }, text };
  }
  // A qualifier may hold a raw `#` (getfacl does not quote it) but never a raw `:`.
  const colon = rest.indexOf(':');
  if (colon < 0) fail(`entry ${show(line)} has no permissions, expected ${word}:QUALIFIER:PERMS`);
  const qualifier = trimBlanks(rest.slice(0, colon));
  const perm = permField(rest.slice(colon + 1), line);
  if (qualifier === '') return { isDefault, entry: { tag: OBJ_TAG[word], perm, id: ACL_UNDEFINED_ID }, text };
  const tag = word === 'user' ? ACL_USER : ACL_GROUP;
  return { isDefault, text, ...namedEntry(tag, perm, qualifier, `${word} qualifier`) };
}

// ---------------------------------------------------------------------------------------
// Blocks

/** One ACL of a block as it is read: entries in recorded order, base entries checked once. */
class AclBuilder {
  readonly entries: QualifiedAclEntry[] = [];
  userObj: QualifiedAclEntry | undefined;
  groupObj: QualifiedAclEntry | undefined;
  other: QualifiedAclEntry | undefined;
  mask: QualifiedAclEntry | undefined;
  private hasNamed = false;

  constructor(private readonly prefix: string) {}

  add(line: EntryLine): void {
    const e = line.entry;
    if (e.tag === ACL_USER_OBJ) this.userObj = this.once(this.userObj, e, 'user::');
    else if (e.tag === ACL_GROUP_OBJ) this.groupObj = this.once(this.groupObj, e, 'group::');
    else if (e.tag === ACL_OTHER) this.other = this.once(this.other, e, 'other::');
    else if (e.tag === ACL_MASK) this.mask = this.once(this.mask, e, 'mask::');
    // A named entry given twice is read as written: the kernel keeps such an ACL (any owner
    // can set one, and a user namespace shows every id it does not map as 4294967295), so
    // getfacl and snapshot print it. Restore reports it for that path (wanted-state.ts).
    else this.hasNamed = true;
    this.entries.push(e);
  }

  private once(slot: QualifiedAclEntry | undefined, e: QualifiedAclEntry, name: string): QualifiedAclEntry {
    if (slot !== undefined) fail(`second ${this.prefix}${name} entry, expected exactly one per ACL`);
    return e;
  }

  /** Checks the base entries and adds the mask setfacl would compute. */
  finish(fileLine: number): QualifiedAclEntry[] {
    for (const [slot, name] of [[this.userObj, 'user::'], [this.groupObj, 'group::'], [this.other, 'other::']] as const) {
      if (slot === undefined) {
        const acl = this.prefix === '' ? 'the access ACL' : 'the default ACL';
        fail(`${acl} has no ${this.prefix}${name} entry, expected ${this.prefix}user::, ${this.prefix}group:: and ${this.prefix}other::`, fileLine);
      }
    }
    if (this.hasNamed && this.mask === undefined) {
      this.mask = { tag: ACL_MASK, perm: computeMask(this.entries), id: ACL_UNDEFINED_ID };
      this.entries.splice(this.entries.indexOf(this.other!), 0, this.mask);
    }
    return this.entries;
  }
}

interface Principal {
  id: number;
  name?: string;
}

/** What the lines of one block have said so far. */
class BlockBuilder {
  fileLine = 0;
  path = '';
  owner: Principal | undefined;
  group: Principal | undefined;
  flags = -1;
  capability: string | undefined;
  hasEntries = false;
  begin = false;
  endCount = -1;
  endLine = 0;
  readonly access = new AclBuilder('');
  defaults: AclBuilder | undefined;

  constructor(readonly firstLine: number) {}

  build(): Entry {
    // Most often a blank line in the header: setfacl skips it, but here it ends the block.
    if (this.access.entries.length === 0 && this.defaults === undefined) {
      fail('a block with no ACL entries (a blank line ends a block; getfacl -d prints none for a file), expected user::, group:: and other:: entries after its # lines', this.fileLine);
    }
    const acl = this.access.finish(this.fileLine);
    const defaultAcl = this.defaults?.finish(this.fileLine);
    const a = this.access;
    const rwx = (a.userObj!.perm << 6) | ((a.mask ?? a.groupObj)!.perm << 3) | a.other!.perm;
    return builtEntry({
      path: this.path,
      type: defaultAcl === undefined ? 'unknown' : 'dir',
      mode: Math.max(this.flags, 0) | rwx,
      uid: this.owner?.id ?? UNKNOWN_ID,
      gid: this.group?.id ?? UNKNOWN_ID,
      acl,
      owner: this.owner?.name,
      group: this.group?.name,
      defaultAcl,
      capability: this.capability,
    });
  }
}

// ---------------------------------------------------------------------------------------
// Header comments

type HeaderKey = 'file' | 'owner' | 'group' | 'flags' | 'capability';

/** setfacl reads these after `#` and optional blanks; any other comment is ignored. */
const HEADER = /^#[ \t]*(file|owner|group|flags|capability|permsnap):/;

/** EF BB BF, as a byte string. */
const UTF8_BOM = '\xef\xbb\xbf';

// At most 15 digits: a count that Number() holds exactly (and prints as written).
const END_MARKER = /^end, ([0-9]{1,15}) entr(?:y|ies)$/;

function parsePrincipal(value: string, what: 'owner' | 'group'): Principal {
  const text = trimBlanks(value);
  const kind = what === 'owner' ? 'uid' : 'gid';
  if (text === '') fail(`empty # ${what}: line, expected a name or a decimal ${kind}`);
  if (readsAsId(text)) return { id: parseId(text, kind) };
  return { id: UNKNOWN_ID, name: parseName(text, what) };
}

function parseFlags(value: string): number {
  const text = trimBlanks(value);
  if (!/^[s-][s-][t-]$/.test(text)) fail(`invalid flags ${show(text)}, expected three characters [s-][s-][t-] such as s-- or -st`);
  return (text[0] === 's' ? S_ISUID : 0) | (text[1] === 's' ? S_ISGID : 0) | (text[2] === 't' ? S_ISVTX : 0);
}

function parseCapability(value: string): string {
  const text = trimBlanks(value);
  if (text === '') fail('empty # capability: line, expected getcap text such as cap_net_raw=ep');
  try {
    parseCapabilityText(text);
  } catch (err) {
    throw new Fault(`${err instanceof Error ? err.message : String(err)} (in # capability:)`);
  }
  return text;
}

/**
 * An Entry made one way, its optional fields only when defined: the entries a block builds and
 * the copies knownBlock() makes of a remembered one then share hidden classes (a structured
 * clone has others, and the look's optimized code threw itself away at the first clone:
 * "wrong map", --trace-deopt).
 */
function builtEntry(from: Entry): Entry {
  const entry: Entry = { path: from.path, type: from.type, mode: from.mode, uid: from.uid, gid: from.gid, acl: from.acl };
  if (from.owner !== undefined) entry.owner = from.owner;
  if (from.group !== undefined) entry.group = from.group;
  if (from.defaultAcl !== undefined) entry.defaultAcl = from.defaultAcl;
  if (from.capability !== undefined) entry.capability = from.capability;
  return entry;
}

function parsePath(value: string): string {
  // Exactly one space after `file:` is syntax; a second one belongs to the name.
  const quoted = value.startsWith(' ') ? value.slice(1) : value;
  const path = unquoted(quoted, 'path');
  if (path === '') fail('empty path in # file: line, expected a path');
  if (path.includes('\0')) fail(`path ${show(quoted)} contains a NUL byte, expected a path without \\000`);
  return path;
}

function twice(key: HeaderKey): never {
  fail(`second # ${key}: line in the block, expected ${key === 'file' ? 'a blank line between blocks' : 'one per block'}`);
}

/** Applies one header line to the block, refusing a second one of the same kind. */
function applyHeader(block: BlockBuilder, key: HeaderKey, value: string, line: number): void {
  if (block.hasEntries) {
    fail(`# ${key}: line after the ACL entries, expected ${key === 'file' ? 'a blank line before a new block' : 'it in the header, before the entries'}`);
  }
  switch (key) {
    case 'file':
      if (block.fileLine !== 0) twice(key);
      block.path = parsePath(value);
      block.fileLine = line;
      break;
    case 'owner':
      if (block.owner !== undefined) twice(key);
      block.owner = parsePrincipal(value, key);
      break;
    case 'group':
      if (block.group !== undefined) twice(key);
      block.group = parsePrincipal(value, key);
      break;
    case 'flags':
      if (block.flags >= 0) twice(key);
      block.flags = parseFlags(value);
      break;
    case 'capability':
      if (block.capability !== undefined) twice(key);
      block.capability = parseCapability(value);
  }
}

// ---------------------------------------------------------------------------------------
// The parser

/** The first line of an undo journal (restore/undo-journal.ts writes it). */
export const JOURNAL_FIRST_LINE = '# permsnap undo journal:';

/**
 * How far into a text its first line is looked for a journal's, blank lines and blanks
 * before it included: a journal's is short, and a longer one is no journal's (its root is
 * a path: 4 KiB at most). Read-snapshot's journalFirstLine() and the parser tell a journal
 * alike: restore judges a journal's writer by the one and treats the text by the other.
 */
export const MAX_FIRST_LINE = 8192;

/** ROOT of `# permsnap undo journal: root ROOT, started TIME` (quoted as a path), or null. */
export function journalRootIn(firstLine: string): string | null {
  const rest = firstLine.slice(JOURNAL_FIRST_LINE.length);
  const end = rest.lastIndexOf(', started ');
  return rest.startsWith(' root ') && end > 0 ? unquote(rest.slice(' root '.length, end)) : null;
}

/** Feed it chunks with push(), then call end(); each returns the blocks completed so far. */
export class GetfaclParser {
  private carry = '';
  private lineNo = 0;
  private hasNul = false;
  private block: BlockBuilder | undefined;
  private emitted = 0;
  private sawBegin = false;
  private sawEnd = false;
  private ended = false;
  private error: PermsnapError | undefined;
  private out: ParsedEntry[] = objectList<ParsedEntry>();
  private capabilitiesUnknown = false;
  /** The file is an undo journal (its first line says so): it may end without the end marker. */
  private journal = false;
  /** The root a journal's first line names (as restore resolved it), else null. */
  private recordedRoot: string | null = null;
  /** Blank lines before the first that is not, and their bytes: a journal's first line may follow them. */
  private blankLines = 0;
  private blankBytes = 0;
  private readonly piece: boolean;
  private endFact: PieceFacts['end'] = null;
  private unclosedAtEnd = false;

  /** Bodies of blocks parsed, when shareBlocks is on. */
  private readonly known: Map<string, KnownBlock> | undefined;
  /** The path of the block read last. */
  private lastPath = '';
  /** The known block knownBlock() found last. */
  private lastKnown: KnownBlock | undefined;
  /** The text being split into lines, and where the line in hand starts in it. */
  private text = '';
  private lineAt = 0;
  /** Where the open block's body starts in `text` (-1: not a block to remember). */
  private bodyAt = -1;

  /** fileName is for messages only: '-' for stdin. */
  constructor(private readonly fileName: string, options: ParserOptions = {}) {
    this.known = options.shareBlocks ? (options.knownBlocks ?? new Map()) : undefined;
    this.piece = options.piece === true;
  }

  /** With ParserOptions.piece, once end() has returned. */
  get pieceFacts(): PieceFacts {
    return { entries: this.emitted, begin: this.sawBegin, capabilitiesUnknown: this.capabilitiesUnknown, end: this.endFact, unclosed: this.unclosedAtEnd };
  }

  /**
   * The snapshot carries permsnap's markers, so it also says which files have no capability;
   * unless it says `# permsnap: capabilities unknown` (a baseline from .deb packages, whose
   * capabilities come from install scripts), when a file without one may still have one.
   */
  get hasMarkers(): boolean {
    return this.sawBegin && !this.capabilitiesUnknown;
  }

  /** Whether the first line (blank lines before it aside) says the file is an undo journal (whole or not). */
  get isJournal(): boolean {
    return this.journal;
  }

  /** An undo journal's root, as its first line names it (the restore it undoes ran beneath it); null for other files. */
  get journalRoot(): string | null {
    return this.recordedRoot;
  }

  push(chunk: Buffer): ParsedEntry[] {
    return this.guard(() => {
      if (this.ended) throw new PermsnapError('INTERNAL', 'GetfaclParser.push() after end()', { file: this.fileName });
      // Slices keep each split() array small and short-lived: measured 2x faster than
      // splitting a 1 MiB chunk at once, and parseGetfacl() may hand over a whole file.
      for (let at = 0; at < chunk.length; at += SLICE) this.pushText(chunk.toString('latin1', at, Math.min(at + SLICE, chunk.length)));
    });
  }

  private pushText(chunkText: string): void {
    const text = this.carry + chunkText;
    this.hasNul = text.includes('\0');
    this.bodyAt = -1;
    let at = 0;
    if (this.known === undefined || this.hasNul) {
      const lines = text.split('\n');
      this.carry = lines.pop()!;
      for (const line of lines) this.processLine(line);
    } else {
      this.text = text;
      for (;;) {
        if (this.block === undefined && text.startsWith(FILE_LINE, at)) {
          const next = this.knownBlock(text, at);
          if (next > 0) {
            at = next;
            continue;
          }
        }
        const end = text.indexOf('\n', at);
        if (end < 0) break;
        this.lineAt = at;
        this.processLine(text.slice(at, end));
        at = end + 1;
      }
      this.carry = text.slice(at);
    }
    this.text = '';
    if (this.carry.length > MAX_LINE) fail(`line longer than ${MAX_LINE} bytes, expected getfacl text`, this.lineNo + 1);
  }

  /**
   * A block at `at` whose body (the lines after `# file:`, up to the empty line) is one
   * parsed before: emits its entry and returns where the next block starts; 0 otherwise,
   * and the block is parsed line by line (and remembered when it qualifies).
   */
  private knownBlock(text: string, at: number): number {
    const fileEnd = text.indexOf('\n', at);
    if (fileEnd < 0 || this.sawEnd || text.charCodeAt(fileEnd - 1) === 13 || fileEnd - at > MAX_LINE) return 0;
    let known = this.lastKnown;
    let next: number;
    // Most blocks say what the block before said (61-81% of those of the benchmarks'
    // snapshots): compared in place, without searching for the blank line or hashing.
    const end = known === undefined ? -1 : fileEnd + 1 + known.body.length;
    // `end` checked against the length first: a read past the end threw the optimized parse
    // away ("out of bounds" in V8's --trace-deopt).
    if (known !== undefined && end < text.length && text.charCodeAt(end) === 10 && text.slice(fileEnd + 1, end) === known.body) {
      next = end + 1;
    } else {
      const blank = text.indexOf('\n\n', fileEnd);
      if (blank < 0) return 0;
      known = (this.known as Map<string, KnownBlock>).get(text.slice(fileEnd + 1, blank + 1));
      if (known === undefined) return 0;
      this.lastKnown = known;
      next = blank + 2;
    }
    const fileLine = ++this.lineNo;
    const path = parsePath(text.slice(at + FILE_LINE.length - 1, fileEnd));
    this.lastPath = path;
    this.lineNo += known.lines + 1;
    this.emitted++;
    this.out.push({ entry: { ...known.entry, path }, line: fileLine, shape: known });
    return next;
  }

  end(): ParsedEntry[] {
    return this.guard(() => {
      if (this.ended) return;
      this.ended = true;
      this.hasNul = this.carry.includes('\0');
      if (this.journal && this.carry !== '' && (!this.sawEnd || this.block !== undefined)) {
        // An undo journal cut mid-line (a full disk takes what fits): its last block (or
        // the copy that carries the end marker) is unclosed, dropped below, so its cut
        // line is not an error.
        this.carry = '';
      }
      if (this.carry !== '') {
        try {
          this.processLine(this.carry);
        } catch (err) {
          this.failIfCutShort(); // a line cut in two is the cut's doing
          throw err;
        }
      }
      this.carry = '';
      // permsnap always closes its last block with a blank line: without it, a file cut
      // between a directory's access and default entries would still look complete.
      this.unclosedAtEnd = this.block !== undefined;
      if (this.piece) return this.closeBlock();
      const unclosed = this.sawBegin && this.block !== undefined;
      if (this.journal && !this.sawEnd) {
        // An undo journal cut short (a crash, a full disk): each batch is written whole and
        // fsynced before its paths change, so every closed block is good; a last block
        // without its blank line never reached the disk whole, and its paths never changed.
        // So too the first block, cut before its begin marker.
        this.block = undefined;
        return;
      }
      if (this.journal && unclosed) {
        // Cut inside the copy of its last block that carries the end marker, written once
        // the run was done: the block it repeats is whole above it.
        this.block = undefined;
        return;
      }
      this.failIfCutShort();
      this.closeBlock();
      if (unclosed) {
        fail('the snapshot ends inside its last block, expected the blank line that closes it (the file is truncated)', this.lineNo);
      }
    });
  }

  /**
   * A permsnap file (its begin marker seen) that ends before its end marker was cut short:
   * said so, rather than what its last block, cut, lacks ("no group:: entry").
   */
  private failIfCutShort(): void {
    if (this.sawBegin && !this.sawEnd && !this.journal && !this.piece) {
      fail('the snapshot ends without "# permsnap: end, N entries", expected it in the last block (the file is truncated)');
    }
  }

  /** Runs a step, collecting its blocks and turning faults into located PermsnapErrors. */
  private guard(step: () => void): ParsedEntry[] {
    if (this.error !== undefined) throw this.error;
    this.out = objectList<ParsedEntry>();
    try {
      step();
    } catch (err) {
      if (!(err instanceof Fault)) throw err;
      this.error = new PermsnapError('MALFORMED', err.message, { file: this.fileName, line: err.line ?? this.lineNo });
      throw this.error;
    }
    return this.out;
  }

  private processLine(raw: string): void {
    this.lineNo++;
    // Checked on every line as well as on the line still coming in (pushText): whether a
    // line just over the limit is refused must not depend on where the input was cut.
    if (raw.length > MAX_LINE) fail(`line longer than ${MAX_LINE} bytes, expected getfacl text`);
    // CRLF, or CR CR LF from a file converted twice (setfacl takes both).
    // Empty first: a read before the start threw the optimized parse away ("out of bounds").
    const line = raw !== '' && raw.charCodeAt(raw.length - 1) === 13 ? raw.replace(/\r+$/, '') : raw;
    if (this.hasNul && line.includes('\0')) fail('NUL byte in the line, expected text (getfacl quotes every byte it must)');
    if (line === '') return this.blankLine(raw, this.lineAt);
    const exact = EXACT_LINES.get(line);
    if (exact !== undefined) {
      const entry = { tag: exact.tag, perm: exact.perm, id: ACL_UNDEFINED_ID };
      return this.addEntry({ isDefault: exact.isDefault, entry, text: exact.isDefault ? line.slice(8) : line });
    }
    let start = 0;
    while (start < line.length && (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9)) start++;
    if (start === line.length) return this.blankLine(raw, -1);
    // Only the left is trimmed: a `# file:` value keeps its trailing blanks.
    const text = start === 0 ? line : line.slice(start);
    if (text.charCodeAt(0) === 35) {
      if (this.lineNo === this.blankLines + 1 && !this.piece) this.journalLine(text, this.blankBytes + start);
      return this.comment(text);
    }
    // An editor's byte order mark, said as such rather than as an unknown tag "\ufeff# file".
    if (this.lineNo === 1 && text.startsWith(UTF8_BOM)) fail('a UTF-8 byte order mark starts the file, expected getfacl text, which has none (save it without the mark)');
    this.addEntry(parseEntryLine(text));
  }

  /** A blank line (empty at `emptyLineAt`, or -1): it closes a block; before the first line that is not blank, it is counted. */
  private blankLine(raw: string, emptyLineAt: number): void {
    if (this.lineNo === this.blankLines + 1) {
      this.blankLines++;
      this.blankBytes += raw.length + 1;
    }
    this.closeBlock(emptyLineAt);
  }

  /**
   * The first line that is not blank, a comment `at` bytes into the text: a journal's first
   * line, if it says so within the first MAX_FIRST_LINE bytes (as journalFirstLine() tells).
   */
  private journalLine(line: string, at: number): void {
    if (!line.startsWith(JOURNAL_FIRST_LINE) || at + JOURNAL_FIRST_LINE.length > MAX_FIRST_LINE) return;
    this.journal = true;
    this.recordedRoot = journalRootIn(line);
  }

  private comment(line: string): void {
    const m = HEADER.exec(line);
    // Unknown comments (#effective:, a journal's first line) are ignored, as setfacl does.
    if (m === null) return;
    const value = line.slice(m[0].length);
    if (m[1] === 'permsnap') return this.marker(value);
    const opens = this.block === undefined;
    applyHeader(this.openBlock(), m[1] as HeaderKey, value, this.lineNo);
    // A block that starts with its `# file:` line may be remembered when it closes.
    const end = this.lineAt + line.length;
    if (opens && m[1] === 'file' && this.text !== '' && this.text.charCodeAt(end) === 10 && line === this.text.slice(this.lineAt, end)) {
      this.bodyAt = end + 1;
    }
  }

  /** permsnap's truncation markers; other `# permsnap:` comments are reserved and ignored. */
  private marker(value: string): void {
    const text = trimBlanks(value);
    if (text === 'begin') {
      const block = this.openBlock();
      if (block.begin) fail('second "# permsnap: begin" marker in the block, expected one');
      if (this.emitted > 0) fail('"# permsnap: begin" after the first block, expected it only in the first block (concatenated snapshots?)');
      block.begin = this.sawBegin = true;
    } else if (text === 'capabilities unknown') {
      // It speaks for the whole file, so it must come before any block is read: said
      // later, the blocks before it would already have been taken with capabilities known.
      if (this.emitted > 0) fail('"# permsnap: capabilities unknown" after the first block, expected it only in the first block, after "# permsnap: begin"');
      this.capabilitiesUnknown = true;
    } else if (text.startsWith('end')) {
      const m = END_MARKER.exec(text);
      if (m === null) fail(`malformed end marker ${show(text)}, expected "# permsnap: end, N entries"`);
      const block = this.openBlock();
      if (this.sawEnd) fail('second "# permsnap: end" marker, expected one, in the last block');
      block.endCount = Number(m[1]);
      block.endLine = this.lineNo;
      this.sawEnd = true;
    }
  }

  private addEntry(line: EntryLine): void {
    const block = this.openBlock();
    if (block.fileLine === 0) fail(`ACL entry ${show(line.text)} in a block without a # file: line, expected "# file: PATH" before the entries`);
    block.hasEntries = true;
    if (line.isDefault) (block.defaults ??= new AclBuilder('default:')).add(line);
    else block.access.add(line);
  }

  private openBlock(): BlockBuilder {
    if (this.block !== undefined) return this.block;
    if (this.sawEnd) fail('a block after the "# permsnap: end" marker, expected the end of the snapshot');
    this.block = new BlockBuilder(this.lineNo);
    return this.block;
  }

  /** Ends the open block; `emptyLineAt`: where in `text` the empty line that ends it starts. */
  private closeBlock(emptyLineAt = -1): void {
    const block = this.block;
    if (block === undefined) return;
    this.block = undefined;
    if (block.fileLine === 0) fail('a block without a # file: line, expected "# file: PATH" in every block', block.firstLine);
    const entry = block.build();
    this.emitted++;
    if (block.endLine !== 0 && this.piece) this.endFact = { count: block.endCount, entries: this.emitted };
    else if (block.endLine !== 0 && block.endCount !== this.emitted) {
      fail(`end marker counts ${block.endCount} entries but the snapshot has ${this.emitted}, expected "# permsnap: end, ${this.emitted} entries" (the file is truncated or edited)`, block.endLine);
    }
    const shape = this.remember(entry, emptyLineAt);
    // An undo journal closes with a copy of its last block that carries the end marker (each
    // block is on disk before its path changes: the last one cannot wait for the marker).
    // The copy says nothing new, and is not a path given twice.
    const closingCopy = this.journal && block.endLine !== 0 && this.lastPath === entry.path;
    this.lastPath = entry.path;
    // Every ParsedEntry with the same fields (shape undefined or not): objects built two ways
    // have two hidden classes, and the look's optimized code threw itself away at the second
    // ("wrong map", --trace-deopt).
    if (!closingCopy) this.out.push({ entry, line: block.fileLine, shape });
  }

  /**
   * Remembers a block's body for knownBlock(): one that began with `# file:` and ended at an
   * empty line in the same text, without markers (they change the parser's state).
   */
  private remember(entry: Entry, emptyLineAt: number): KnownBlock | undefined {
    const bodyAt = this.bodyAt;
    this.bodyAt = -1;
    const known = this.known;
    if (known === undefined || bodyAt < 0 || emptyLineAt < bodyAt) return undefined;
    if (this.text.charCodeAt(emptyLineAt) !== 10) return undefined; // "\r" is an empty line too, but not to knownBlock()
    const body = this.text.slice(bodyAt, emptyLineAt);
    // Markers change the parser's state: a block with one (or anything like one) is never
    // skipped. The block began at its `# file:` line, so any marker of it is in the body.
    if (body.includes('permsnap')) return undefined;
    const seen = known.get(body);
    if (seen !== undefined) return (this.lastKnown = seen);
    if (known.size >= MAX_KNOWN_BLOCKS) return undefined;
    let lines = 0;
    for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) lines++;
    // Copies, not slices: a slice of the chunk's text (or a name in it) would keep the
    // whole 64 KiB chunk alive for as long as the parser lives.
    const shape: KnownBlock = { body: Buffer.from(body, 'latin1').toString('latin1'), entry: builtEntry(structuredClone({ ...entry, path: '' })), lines };
    known.set(shape.body, shape);
    return (this.lastKnown = shape);
  }
}

/** Parses a whole snapshot held in memory. */
export function parseGetfacl(bytes: Buffer, fileName: string): ParsedEntry[] {
  const parser = new GetfaclParser(fileName);
  const entries = parser.push(bytes);
  for (const e of parser.end()) entries.push(e);
  return entries;
}
