// File capabilities: the binary `security.capability` xattr (struct vfs_cap_data /
// vfs_ns_cap_data) and the text `getcap -n` prints for it, reproduced bit for bit
// from libcap 2.66's cap_to_text()/cap_from_text() so snapshots diff cleanly.

import { Buffer } from 'node:buffer';

/** The xattr that holds a file's capability. */
export const XATTR_CAPABILITY = 'security.capability';

/** Bit n of permitted/inheritable is capability number n. */
export interface FileCapability {
  permitted: bigint;
  inheritable: bigint;
  /** VFS_CAP_FLAGS_EFFECTIVE: at exec, every permitted/inheritable cap also becomes effective. */
  effective: boolean;
  /** Present only for revision 3 (namespaced) capabilities: the uid that is root in the owning namespace. */
  rootid?: number;
}

/** libcap 2.66's names, indexed by capability number (its __CAP_BITS is 41). */
export const CAPABILITY_NAMES: readonly string[] = [
  'cap_chown', 'cap_dac_override', 'cap_dac_read_search', 'cap_fowner', 'cap_fsetid',
  'cap_kill', 'cap_setgid', 'cap_setuid', 'cap_setpcap', 'cap_linux_immutable',
  'cap_net_bind_service', 'cap_net_broadcast', 'cap_net_admin', 'cap_net_raw', 'cap_ipc_lock',
  'cap_ipc_owner', 'cap_sys_module', 'cap_sys_rawio', 'cap_sys_chroot', 'cap_sys_ptrace',
  'cap_sys_pacct', 'cap_sys_admin', 'cap_sys_boot', 'cap_sys_nice', 'cap_sys_resource',
  'cap_sys_time', 'cap_sys_tty_config', 'cap_mknod', 'cap_lease', 'cap_audit_write',
  'cap_audit_control', 'cap_setfcap', 'cap_mac_override', 'cap_mac_admin', 'cap_syslog',
  'cap_wake_alarm', 'cap_block_suspend', 'cap_audit_read', 'cap_perfmon', 'cap_bpf',
  'cap_checkpoint_restore',
];

/**
 * How many capabilities the kernel knows (/proc/sys/kernel/cap_last_cap + 1; libcap's
 * cap_max_bits()). It changes the text: libcap picks the "prevailing" state from these bits
 * only (so all of them set prints `=ep`, not a list), and `all` / a bare `=` cover only them.
 * 41 = CAP_CHECKPOINT_RESTORE (40) + 1, matching Linux 5.9+ and libcap 2.66. This module does
 * no I/O, so a caller on a different kernel passes the value it read from /proc.
 */
export const DEFAULT_KNOWN_CAPS = 41;

/** Two u32 words per set in revisions 2 and 3. */
const MAX_BITS = 64;
const ALL_BITS = (1n << BigInt(MAX_BITS)) - 1n;

const VFS_CAP_REVISION_MASK = 0xff000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;
const REVISIONS: ReadonlyMap<number, { revision: number; words: number; bytes: number }> = new Map([
  [0x01000000, { revision: 1, words: 1, bytes: 12 }],
  [0x02000000, { revision: 2, words: 2, bytes: 20 }],
  [0x03000000, { revision: 3, words: 2, bytes: 24 }],
]);

/** libcap's per-capability state bits (1 << CAP_EFFECTIVE/PERMITTED/INHERITABLE); their order fixes the output order. */
const EFF = 1;
const PER = 2;
const INH = 4;

/** Decodes a raw `security.capability` value; throws on a length or revision the kernel would reject. */
export function decodeCapability(buf: Buffer): FileCapability {
  if (buf.length < 4) {
    throw new Error(`security.capability of ${buf.length} bytes is too short for its 4-byte magic_etc header`);
  }
  const magic = buf.readUInt32LE(0);
  const layout = REVISIONS.get((magic & VFS_CAP_REVISION_MASK) >>> 0);
  if (layout === undefined) {
    const rev = (magic >>> 24).toString(16).padStart(2, '0');
    throw new Error(`security.capability revision 0x${rev}000000 is unsupported, expected revision 1, 2 or 3`);
  }
  if (buf.length !== layout.bytes) {
    throw new Error(`security.capability revision ${layout.revision} must be ${layout.bytes} bytes, got ${buf.length}`);
  }
  let permitted = 0n;
  let inheritable = 0n;
  for (let w = 0; w < layout.words; w++) {
    const shift = BigInt(32 * w);
    permitted |= BigInt(buf.readUInt32LE(4 + 8 * w)) << shift;
    inheritable |= BigInt(buf.readUInt32LE(8 + 8 * w)) << shift;
  }
  const cap: FileCapability = { permitted, inheritable, effective: (magic & VFS_CAP_FLAGS_EFFECTIVE) !== 0 };
  if (layout.revision === 3) cap.rootid = buf.readUInt32LE(20);
  return cap;
}

/** Encodes as revision 2, or revision 3 when a rootid is present (even 0, so decode/encode is byte-exact). */
export function encodeCapability(cap: FileCapability): Buffer {
  checkBits('permitted', cap.permitted);
  checkBits('inheritable', cap.inheritable);
  const namespaced = cap.rootid !== undefined;
  const buf = Buffer.alloc(namespaced ? 24 : 20);
  const revision = namespaced ? 0x03000000 : 0x02000000;
  buf.writeUInt32LE((revision | (cap.effective ? VFS_CAP_FLAGS_EFFECTIVE : 0)) >>> 0, 0);
  for (let w = 0; w < 2; w++) {
    const shift = BigInt(32 * w);
    buf.writeUInt32LE(Number((cap.permitted >> shift) & 0xffffffffn), 4 + 8 * w);
    buf.writeUInt32LE(Number((cap.inheritable >> shift) & 0xffffffffn), 8 + 8 * w);
  }
  if (cap.rootid !== undefined) {
    if (!Number.isInteger(cap.rootid) || cap.rootid < 0 || cap.rootid > 0xffffffff) {
      throw new Error(`capability rootid ${cap.rootid} is not a 32-bit unsigned uid`);
    }
    buf.writeUInt32LE(cap.rootid, 20);
  }
  return buf;
}

function checkBits(what: string, bits: bigint): void {
  if (bits < 0n || bits > ALL_BITS) {
    throw new Error(`capability ${what} set 0x${bits.toString(16)} does not fit in ${MAX_BITS} bits`);
  }
}

function checkKnownCaps(knownCaps: number): void {
  if (!Number.isInteger(knownCaps) || knownCaps < 0 || knownCaps > MAX_BITS) {
    throw new Error(`known capability count ${knownCaps} must be an integer from 0 to ${MAX_BITS}`);
  }
}

/** libcap's cap_to_name(): a name it was built with, else the decimal number. */
export function capabilityName(n: number): string {
  return CAPABILITY_NAMES[n] ?? String(n);
}

/** The e/i/p state of one capability as libcap sees a loaded file: effective = permitted | inheritable when flagged. */
function stateOf(cap: FileCapability, n: number): number {
  const bit = 1n << BigInt(n);
  const p = (cap.permitted & bit) !== 0n;
  const i = (cap.inheritable & bit) !== 0n;
  return (cap.effective && (p || i) ? EFF : 0) | (p ? PER : 0) | (i ? INH : 0);
}

/** Always in e, i, p order, whatever order the flags were given in. */
function letters(state: number): string {
  return (state & EFF ? 'e' : '') + (state & INH ? 'i' : '') + (state & PER ? 'p' : '');
}

function capsInState(cap: FileCapability, state: number, from: number, to: number): string {
  const names: string[] = [];
  for (let n = from; n < to; n++) if (stateOf(cap, n) === state) names.push(capabilityName(n));
  return names.join(',');
}

/**
 * The state most known caps share; ties go to the lower state (so "none" wins), as libcap
 * biases towards it to keep older systems' output sane.
 */
function prevailingState(histo: readonly number[]): number {
  let m = 7;
  for (let t = 6; t >= 0; t--) if (histo[t]! >= histo[m]!) m = t;
  return m;
}

/**
 * Exactly what `getcap -n FILE` prints after `FILE `: libcap 2.66's cap_to_text() plus
 * getcap's ` [rootid=N]` suffix. Plain `getcap` (without -n) never prints the suffix.
 */
export function formatCapability(cap: FileCapability, knownCaps: number = DEFAULT_KNOWN_CAPS): string {
  checkKnownCaps(knownCaps);
  const histo = new Array<number>(8).fill(0);
  for (let n = 0; n < knownCaps; n++) histo[stateOf(cap, n)]!++;
  const m = prevailingState(histo);
  // "=" states the prevailing flags for every cap; each group then says how it differs.
  let head = '=' + letters(m);
  const groups: string[] = [];
  for (let t = 7; t >= 0; t--) {
    if (t === m || histo[t] === 0) continue;
    const names = capsInState(cap, t, 0, knownCaps);
    const plus = t & ~m;
    const minus = ~t & m;
    if (head === '=' && groups.length === 0) {
      // libcap shortens "= foo,bar+eip" to the equivalent "foo,bar=eip".
      head = '';
      groups.push(`${names}=${letters(plus)}`);
    } else {
      groups.push(names + (plus ? '+' + letters(plus) : '') + (minus ? '-' + letters(minus) : ''));
    }
  }
  groups.push(...unknownCapGroups(cap, knownCaps));
  const text = [head, ...groups].filter((s) => s !== '').join(' ');
  return text + rootidSuffix(cap.rootid);
}

/** Caps the kernel does not know are never part of the prevailing state: always listed, by number, as "+". */
function unknownCapGroups(cap: FileCapability, knownCaps: number): string[] {
  const present = new Set<number>();
  for (let n = knownCaps; n < MAX_BITS; n++) present.add(stateOf(cap, n));
  const groups: string[] = [];
  for (let t = 7; t >= 1; t--) {
    if (present.has(t)) groups.push(`${capsInState(cap, t, knownCaps, MAX_BITS)}+${letters(t)}`);
  }
  return groups;
}

/**
 * getcap prints the rootid with printf("%d") and only when `rootid + 1 > 1` in uid_t
 * arithmetic, i.e. not for 0 (which also means "not namespaced") nor for (uid_t)-1.
 */
function rootidSuffix(rootid: number | undefined): string {
  if (rootid === undefined || rootid === 0 || rootid === 0xffffffff) return '';
  return ` [rootid=${rootid | 0}]`;
}

/** The three sets cap_from_text() builds before cap_set_file() squeezes them into one effective flag. */
interface CapSets {
  e: bigint;
  p: bigint;
  i: bigint;
}

/**
 * The text in a message, in double quotes, control characters escaped: it comes from a
 * snapshot, and a raw CR or ESC would hide the message's FILE:LINE on a terminal or colour it.
 */
const quoted = (text: string): string => JSON.stringify(text);

/** A position in the text being parsed, so errors can say where and what was expected. */
class TextCursor {
  pos = 0;
  constructor(readonly text: string) {}

  peek(): string {
    return this.text.charAt(this.pos);
  }

  take(): string {
    return this.text.charAt(this.pos++);
  }

  fail(expected: string): never {
    const found = this.pos < this.text.length ? quoted(this.text.slice(this.pos, this.pos + 12)) : 'end of text';
    throw new Error(`invalid capability text ${quoted(this.text)}: expected ${expected} at offset ${this.pos}, found ${found}`);
  }
}

// cap_from_text() uses the C locale's ctype classes.
const isSpace = (c: string): boolean => c !== '' && ' \t\n\v\f\r'.includes(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9' && c.length === 1;
const isAlpha = (c: string): boolean => /^[A-Za-z]$/.test(c);
const isNameChar = (c: string): boolean => /^[A-Za-z0-9_]$/.test(c);

/**
 * Parses what formatCapability prints and what setcap accepts (`cap_net_raw+ep`,
 * `cap_a,cap_b=eip`, `=ep`, `all=ep`, `cap_x=p cap_y+i`, numbers for unnamed caps), plus an
 * optional ` [rootid=N]` suffix. Follows libcap 2.66's cap_from_text(); knownCaps bounds `all`
 * and a bare `=` as it does there. Throws, as setcap does, when the effective set is neither
 * empty nor a superset of permitted | inheritable, since a file can only carry one flag for it.
 */
export function parseCapabilityText(text: string, knownCaps: number = DEFAULT_KNOWN_CAPS): FileCapability {
  checkKnownCaps(knownCaps);
  const { body, rootid } = splitRootid(text);
  const cur = new TextCursor(body);
  const sets: CapSets = { e: 0n, p: 0n, i: 0n };
  const all = (1n << BigInt(knownCaps)) - 1n;
  for (;;) {
    while (isSpace(cur.peek())) cur.pos++;
    if (cur.peek() === '') break;
    parseClause(cur, sets, all);
  }
  if (sets.e !== 0n && ((sets.p | sets.i) & ~sets.e) !== 0n) {
    throw new Error(
      `invalid capability text ${quoted(text)}: the effective set must be empty or include every permitted and inheritable capability`,
    );
  }
  const cap: FileCapability = { permitted: sets.p, inheritable: sets.i, effective: sets.e !== 0n };
  if (rootid !== undefined) cap.rootid = rootid;
  return cap;
}

/**
 * getcap prints the rootid as a signed int, so accept -2^31..2^32-2 and store it as a uid.
 * (uid_t)-1 is no uid: the kernel refuses to write it. A rootid of 0 is no namespace: the
 * kernel stores and reads such a value as revision 2, so it is parsed as none (written as
 * revision 3, it would differ from what is read back on every run).
 */
function splitRootid(text: string): { body: string; rootid?: number } {
  const match = /^(.*?)\s*\[rootid=(-?\d+)\]\s*$/s.exec(text);
  if (match === null) {
    if (text.includes('[')) throw new Error(`invalid capability text ${quoted(text)}: a "[" outside a " [rootid=N]" suffix, expected capabilities such as cap_net_raw=ep, then that suffix or nothing`);
    return { body: text };
  }
  const value = Number(match[2]);
  if (!Number.isSafeInteger(value) || value < -0x80000000 || value > 0xffffffff || value >>> 0 === 0xffffffff) {
    throw new Error(`invalid capability text ${quoted(text)}: rootid ${match[2]} is not a uid, expected 0 to 4294967294 (or -2147483648 to -2, as getcap prints those)`);
  }
  return value === 0 ? { body: match[1]! } : { body: match[1]!, rootid: value >>> 0 };
}

/** One whitespace-separated clause: `[caps]op flags[op flags...]`. */
function parseClause(cur: TextCursor, sets: CapSets, all: bigint): void {
  const first = cur.peek();
  let list = all;
  const listed = isNameChar(first);
  if (listed) list = parseCapList(cur, all);
  else if (first === '+' || first === '-') cur.fail(`a capability list before "${first}"`);
  let op = cur.take();
  if (op === '=' && (cur.peek() === '+' || cur.peek() === '-')) {
    // "=+" / "=-": reset the listed caps, then add or drop.
    if (!listed) cur.fail('a capability list before "=+" or "=-"');
    op = cur.take() === '+' ? 'P' : 'M';
  } else if (op !== '=' && op !== '+' && op !== '-') {
    cur.pos--;
    cur.fail('"=", "+" or "-"');
  }
  parseActions(cur, sets, list, op, listed);
}

/** Comma-separated names, numbers and `all`; returns their bit mask. */
function parseCapList(cur: TextCursor, all: bigint): bigint {
  let list = 0n;
  for (;;) {
    const word = /^[A-Za-z0-9_]*/.exec(cur.text.slice(cur.pos))![0];
    if (word.toLowerCase() === 'all') {
      // libcap assigns: `63,all` is all, `all,63` is all and 63.
      cur.pos += 3;
      list = all;
    } else {
      list |= 1n << BigInt(parseCapNumber(cur, word));
    }
    if (cur.peek() !== ',') return list;
    cur.pos++;
    if (!isNameChar(cur.peek())) cur.fail('a capability name after ","');
  }
}

/** A libcap name (any case), or a number in strtoul(…, 0) syntax (decimal, 0x hex, 0 octal) below 64. */
function parseCapNumber(cur: TextCursor, word: string): number {
  if (!isDigit(word.charAt(0))) {
    const n = CAPABILITY_NAMES.indexOf(word.toLowerCase());
    if (n < 0) cur.fail('a capability name such as cap_net_raw, a number or "all"');
    cur.pos += word.length;
    return n;
  }
  const rest = cur.text.slice(cur.pos);
  const hex = /^0[xX][0-9a-fA-F]+/.exec(rest)?.[0];
  // A leading 0 means octal, and strtoul stops at the first non-octal digit ("08" is 0 then "8").
  const octal = hex === undefined ? /^0[0-7]*/.exec(rest)?.[0] : undefined;
  const digits = hex ?? octal ?? /^[0-9]+/.exec(rest)![0];
  // BigInt, not Number, so an absurdly long number is still rejected rather than rounded.
  const value = octal === undefined ? BigInt(digits) : BigInt('0o0' + octal.slice(1));
  if (value >= BigInt(MAX_BITS)) cur.fail(`a capability number below ${MAX_BITS}`);
  cur.pos += digits.length;
  return Number(value);
}

/** The flag letters after an operator, possibly chained (`+e-i`); applied as libcap does, letter by letter. */
function parseActions(cur: TextCursor, sets: CapSets, list: bigint, op: string, listed: boolean): void {
  let flags = 0;
  do {
    const c = cur.peek();
    if (c !== '' && !isSpace(c)) {
      const flag = c === 'e' ? EFF : c === 'i' ? INH : c === 'p' ? PER : 0;
      if (flag === 0) cur.fail('a flag letter "e", "i" or "p"');
      cur.pos++;
      flags |= flag;
    } else if (op !== '=') {
      cur.fail(`a flag letter after "${op === 'P' ? '=+' : op === 'M' ? '=-' : op}"`);
    }
    applyOp(sets, list, op, flags);
    if (cur.peek() === '+' || cur.peek() === '-') {
      if (!listed) cur.fail('a capability list before chaining "+" or "-"');
      flags = 0;
      op = cur.take();
      if (!isAlpha(cur.peek())) cur.fail('a flag letter "e", "i" or "p"');
    }
  } while (cur.peek() !== '' && !isSpace(cur.peek()));
}

function applyOp(sets: CapSets, list: bigint, op: string, flags: number): void {
  const keys: ReadonlyArray<[number, keyof CapSets]> = [[EFF, 'e'], [PER, 'p'], [INH, 'i']];
  if (op === '=' || op === 'P' || op === 'M') {
    for (const [, k] of keys) sets[k] &= ~list;
  }
  const adding = op === '=' || op === 'P' || op === '+';
  for (const [flag, k] of keys) {
    if ((flags & flag) === 0) continue;
    sets[k] = adding ? sets[k] | list : sets[k] & ~list;
  }
}
