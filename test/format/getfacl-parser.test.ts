// The getfacl text parser: the real getfacl's output of a tree built here is the oracle,
// then every accepted variant, every refusal with its line, chunking, and a mutation fuzz.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermsnapError } from '../../src/errors.js';
import { GetfaclParser, type ParsedEntry, type ParserOptions, parseGetfacl } from '../../src/format/getfacl-parser.js';
import { GETFACL_DEFAULTS, type PrintOptions, entryText, printBlock } from '../../src/format/getfacl-printer.js';
import { ACL_GROUP, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER, ACL_UNDEFINED_ID as U, ACL_USER, ACL_USER_OBJ } from '../../src/model/acl.js';
import type { Entry, QualifiedAclEntry } from '../../src/model/entry.js';
import { getfacl, hasAclTools, isRoot, makeTempDir, removeTree, supportsAcl } from '../helpers/tree.js';
import { seededRandom } from '../helpers/seeded-random.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const parse = (text: string): Entry[] => parseGetfacl(b(text), 'snap.facl').map((p) => p.entry);
const texts = (acl: readonly QualifiedAclEntry[] | undefined): string[] => (acl ?? []).map((e) => entryText(e, { names: true }));
const block = (body: string, file = 'f'): string => `# file: ${file}\n# owner: root\n# group: root\n${body}\n`;
const BASE = 'user::rw-\ngroup::r--\nother::r--\n';

/** The error parseGetfacl throws for text, or a failure when it throws none. */
function refusal(text: string): PermsnapError {
  try {
    parseGetfacl(b(text), 'snap.facl');
  } catch (err) {
    if (err instanceof PermsnapError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

// ---------------------------------------------------------------------------------------

/** Names getfacl quotes or copies raw, as byte strings; one is not UTF-8. */
const ODD_NAMES = ['new\nline', 'carriage\rreturn', 'back\\slash', ' leading space', 'trailing space ', 'tab\there', '#hash', 'co:lon', '\xff\xfenot-utf8', Buffer.from('ünï', 'utf8').toString('latin1')];

/** Every path beneath dir/rel (byte strings, relative to dir), rel included, as getfacl -R lists them. */
function walkPaths(dir: string, rel: string): string[] {
  const out = [rel];
  for (const d of fs.readdirSync(b(`${dir}/${rel}`), { withFileTypes: true, encoding: 'buffer' })) {
    const child = `${rel}/${d.name.toString('latin1')}`;
    if (d.isDirectory()) out.push(...walkPaths(dir, child));
    else out.push(child);
  }
  return out;
}

function buildTree(dir: string): void {
  const at = (p: string): string => path.join(dir, p);
  const setfacl = (args: string[]): void => void execFileSync('setfacl', args);
  for (const d of ['tree', 'tree/odd', 'tree/defaults', 'tree/special']) fs.mkdirSync(at(d));
  for (const name of ODD_NAMES) {
    fs.writeFileSync(b(at('tree/odd/') + name), '');
    fs.chmodSync(b(at('tree/odd/') + name), 0o640);
  }
  setfacl(['-m', 'u:bin:r', at('tree/odd/new\nline')]);
  fs.writeFileSync(at('tree/named'), '');
  fs.chmodSync(at('tree/named'), 0o644);
  setfacl(['-m', 'u:bin:rwx,u:4444:r,g:daemon:rw,g:5555:x,m::r', at('tree/named')]);
  fs.writeFileSync(at('tree/unmasked'), '');
  fs.chmodSync(at('tree/unmasked'), 0o600);
  setfacl(['-m', 'u:daemon:rw,g:adm:r', at('tree/unmasked')]);
  fs.chmodSync(at('tree/defaults'), 0o755);
  setfacl(['-m', 'd:u:bin:rwx,d:g:4545:rx,d:m::rx,u:sys:rx', at('tree/defaults')]);
  for (const [name, mode] of [['setuid', 0o4755], ['setgid', 0o2711], ['all-special', 0o7000]] as const) {
    fs.writeFileSync(at(`tree/special/${name}`), '');
    fs.chmodSync(at(`tree/special/${name}`), mode);
  }
  fs.mkdirSync(at('tree/special/sticky'));
  fs.chmodSync(at('tree/special/sticky'), 0o1777);
  if (isRoot) {
    fs.writeFileSync(at('tree/no-names'), '');
    fs.chownSync(at('tree/no-names'), 4242, 4343);
  }
}

const aclReady = hasAclTools && (() => {
  const probe = makeTempDir();
  try {
    return supportsAcl(probe);
  } finally {
    removeTree(probe);
  }
})();

describe.skipIf(!aclReady)('parsing the real getfacl output of a tree built with setfacl (needs getfacl and ACLs)', () => {
  let dir = '';
  const output = new Map<string, Buffer>();
  const runs: Array<[string, string[]]> = [['plain', ['-R', 'tree']], ['numeric', ['-R', '-n', 'tree']], ['effective', ['-R', '-e', 'tree']]];

  beforeAll(() => {
    dir = makeTempDir();
    buildTree(dir);
    for (const [name, args] of runs) output.set(name, getfacl(args, { cwd: dir }).stdout);
    output.set('absolute', getfacl(['-R', '-p', path.join(dir, 'tree')]).stdout);
  });
  afterAll(() => removeTree(dir));

  const byPath = (name: string): Map<string, Entry> => new Map(parseGetfacl(output.get(name)!, name).map((p) => [p.entry.path, p.entry]));

  it('finds every path of the tree exactly once, byte for byte, odd names included', () => {
    const parsed = parseGetfacl(output.get('plain')!, 'plain').map((p) => p.entry.path);
    expect([...parsed].sort()).toEqual(walkPaths(dir, 'tree').sort());
    for (const name of ODD_NAMES) expect(parsed).toContain(`tree/odd/${name}`);
  });

  it('derives each mode, special bits included, equal to what lstat reports', () => {
    for (const [p, entry] of byPath('plain')) {
      expect({ p, mode: entry.mode }).toEqual({ p, mode: fs.lstatSync(b(path.join(dir, p))).mode & 0o7777 });
    }
    expect(byPath('plain').get('tree/special/all-special')!.mode).toBe(0o7000);
    expect(byPath('plain').get('tree/special/sticky')!.mode).toBe(0o1777);
  });

  it('reads names as names and -n output as decimal ids equal to lstat', () => {
    for (const [p, entry] of byPath('numeric')) {
      const st = fs.lstatSync(b(path.join(dir, p)));
      expect({ p, uid: entry.uid, gid: entry.gid, owner: entry.owner, group: entry.group }).toEqual({ p, uid: st.uid, gid: st.gid, owner: undefined, group: undefined });
    }
    const named = byPath('plain').get('tree/named')!;
    expect(named.uid).toBe(-1);
    expect(named.owner).toBe(execFileSync('id', ['-un'], { encoding: 'utf8' }).trim());
  });

  it.skipIf(!isRoot)('keeps ids that have no name as ids (uid -1 only when a name is given)', () => {
    const entry = byPath('plain').get('tree/no-names')!;
    expect(entry).toMatchObject({ uid: 4242, gid: 4343 });
    expect(entry.owner).toBeUndefined();
    expect(entry.group).toBeUndefined();
  });

  it('reads named and numeric qualifiers, and the mask setfacl wrote, from plain and -n output', () => {
    const named = byPath('plain').get('tree/named')!;
    expect(texts(named.acl)).toEqual(['user::rw-', 'user:bin:rwx', 'user:4444:r--', 'group::r--', 'group:daemon:rw-', 'group:5555:--x', 'mask::r--', 'other::r--']);
    expect(named.acl![1]).toEqual({ tag: ACL_USER, perm: 7, id: -1, name: 'bin' });
    expect(named.acl![2]).toEqual({ tag: ACL_USER, perm: 4, id: 4444 });
    expect(texts(byPath('numeric').get('tree/named')!.acl)).toEqual(['user::rw-', 'user:2:rwx', 'user:4444:r--', 'group::r--', 'group:1:rw-', 'group:5555:--x', 'mask::r--', 'other::r--']);
    expect(texts(byPath('plain').get('tree/unmasked')!.acl)).toEqual(['user::rw-', 'user:daemon:rw-', 'group::---', 'group:adm:r--', 'mask::rw-', 'other::---']);
    expect(texts(byPath('plain').get(`tree/odd/new\nline`)!.acl)).toEqual(['user::rw-', 'user:bin:r--', 'group::r--', 'mask::r--', 'other::---']);
  });

  it('reads the default ACL of a directory and marks the entry as a directory', () => {
    const entry = byPath('plain').get('tree/defaults')!;
    expect(entry.type).toBe('dir');
    expect(texts(entry.acl)).toEqual(['user::rwx', 'user:sys:r-x', 'group::r-x', 'mask::r-x', 'other::r-x']);
    expect(texts(entry.defaultAcl)).toEqual(['user::rwx', 'user:bin:rwx', 'group::r-x', 'group:4545:r-x', 'mask::r-x', 'other::r-x']);
    expect(byPath('plain').get('tree/named')!.type).toBe('unknown');
  });

  it('reads -e output (effective comments everywhere) as the same entries as plain output', () => {
    expect(byPath('effective')).toEqual(byPath('plain'));
  });

  it('reads -p output with absolute paths', () => {
    const paths = [...byPath('absolute').keys()];
    expect(paths).toContain(path.join(dir, 'tree/named'));
    expect(paths).toContain(`${path.join(dir, 'tree/odd')}/back\\slash`);
  });

  it('prints what it parsed back to exactly the bytes getfacl printed, for plain, -n and -e output', () => {
    const options: Record<string, PrintOptions> = {
      plain: GETFACL_DEFAULTS,
      numeric: { ...GETFACL_DEFAULTS, names: false },
      effective: { ...GETFACL_DEFAULTS, effective: 'all' },
      absolute: GETFACL_DEFAULTS,
    };
    for (const [name, opts] of Object.entries(options)) {
      const printed = parseGetfacl(output.get(name)!, name).map((p) => printBlock(p.entry, opts).text).join('');
      expect(printed).toBe(output.get(name)!.toString('latin1'));
    }
  });
});

// ---------------------------------------------------------------------------------------

const ROUND_TRIP: Entry[] = [
  { path: 'plain', type: 'unknown', mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root' },
  { path: 'odd/new\nline\r \\ #\xff', type: 'unknown', mode: 0o4740, uid: 1, gid: 4343, owner: 'dae mon\t', acl: [
    { tag: ACL_USER_OBJ, perm: 7, id: U },
    { tag: ACL_USER, perm: 6, id: -1, name: 'we:ird, name\\' },
    { tag: ACL_USER, perm: 1, id: 4444 },
    { tag: ACL_GROUP_OBJ, perm: 5, id: U },
    { tag: ACL_GROUP, perm: 7, id: 9 },
    { tag: ACL_MASK, perm: 4, id: U },
    { tag: ACL_OTHER, perm: 0, id: U },
  ], capability: 'cap_net_admin,cap_net_raw=ep' },
  { path: ' leading and trailing ', type: 'dir', mode: 0o3775, uid: 7, gid: 8, acl: [
    { tag: ACL_USER_OBJ, perm: 7, id: U }, { tag: ACL_GROUP_OBJ, perm: 7, id: U }, { tag: ACL_OTHER, perm: 5, id: U },
  ], defaultAcl: [
    { tag: ACL_USER_OBJ, perm: 7, id: U }, { tag: ACL_GROUP, perm: 2, id: -1, name: 'staff' },
    { tag: ACL_GROUP_OBJ, perm: 0, id: U }, { tag: ACL_MASK, perm: 6, id: U }, { tag: ACL_OTHER, perm: 0, id: U },
  ] },
];

describe('round trip with printBlock', () => {
  const optionSets: PrintOptions[] = [GETFACL_DEFAULTS, { ...GETFACL_DEFAULTS, names: false }, { ...GETFACL_DEFAULTS, effective: 'all' }, { ...GETFACL_DEFAULTS, smartIndent: true }];

  it('prints, parses and prints again to the same bytes, whatever the print options', () => {
    for (const options of optionSets) {
      const text = ROUND_TRIP.map((e) => printBlock(e, options).text).join('');
      const again = parse(text).map((e) => printBlock(e, options).text).join('');
      expect(again).toBe(text);
    }
  });

  it('gives back the printed entries, with names where names were printed', () => {
    const [plain, odd, dir] = parse(ROUND_TRIP.map((e) => printBlock(e, GETFACL_DEFAULTS).text).join(''));
    const base = [{ tag: ACL_USER_OBJ, perm: 6, id: U }, { tag: ACL_GROUP_OBJ, perm: 4, id: U }, { tag: ACL_OTHER, perm: 4, id: U }];
    expect(plain).toEqual({ path: 'plain', type: 'unknown', mode: 0o644, uid: -1, gid: -1, owner: 'root', group: 'root', acl: base });
    expect(odd).toEqual({ ...ROUND_TRIP[1], uid: -1 });
    expect(dir).toEqual(ROUND_TRIP[2]);
  });

  it('returns each block with the line of its # file: header', () => {
    const text = ROUND_TRIP.map((e) => printBlock(e, GETFACL_DEFAULTS).text).join('');
    const lines = parseGetfacl(b(text), 'x').map((p) => p.line);
    const headers = text.split('\n').flatMap((l, i) => (l.startsWith('# file: ') ? [i + 1] : []));
    expect(lines).toEqual(headers);
  });
});

// ---------------------------------------------------------------------------------------

describe('accepted variants', () => {
  it('records no ownership for a block without # owner: and # group:', () => {
    const [e] = parse(`# file: f\n${BASE}`);
    expect(e).toEqual({ path: 'f', type: 'unknown', mode: 0o644, uid: -1, gid: -1, acl: parse(block(BASE))[0]!.acl });
    expect('owner' in e! || 'group' in e!).toBe(false);
  });

  it('reads an all-digit owner or group as a decimal id, leading zeros and all', () => {
    const [e] = parse(`# file: f\n# owner: 010\n# group: 0\n${BASE}`);
    expect(e).toMatchObject({ uid: 10, gid: 0 });
    expect(e!.owner).toBeUndefined();
  });

  it('unquotes owner, group and qualifier names', () => {
    const [e] = parse(`# file: f\n# owner: a\\040b\n# group: c\\011d\nuser::rw-\nuser:e\\072f\\054g:r--\ngroup::r--\nmask::r--\nother::---\n`);
    expect(e).toMatchObject({ owner: 'a b', group: 'c\td' });
    expect(e!.acl![1]).toEqual({ tag: ACL_USER, perm: 4, id: -1, name: 'e:f,g' });
  });

  it('takes the path after exactly one space, unquoted and not trimmed', () => {
    expect(parse(block(BASE, '  two spaces \\012 and\\\\ \\x')).map((e) => e.path)).toEqual(['  two spaces \n and\\ \\x']);
  });

  it('accepts whitespace around entries and their fields, and a whitespace-only line as blank', () => {
    const [e] = parse(`# file: f\n  user :: rw-  \n\tgroup:\tadm :r--\n group ::r--\n mask:: r--\nother::r--\t\n \t\n`);
    expect(texts(e!.acl)).toEqual(['user::rw-', 'group:adm:r--', 'group::r--', 'mask::r--', 'other::r--']);
  });

  it('accepts u: g: m: o: d: abbreviations, default:, and Solaris mask:rwx / other:rwx', () => {
    const [e] = parse(`# file: d\nu::rwx\nu:bin:rwx\ng::r-x\nm::rwx\no:r-x\nd:u::rwx\ndefault:user:bin:r-x\nd:g::---\ndefault:g:adm:r--\ndefault:mask:r-x\nd:o::---\n`);
    expect(texts(e!.acl)).toEqual(['user::rwx', 'user:bin:rwx', 'group::r-x', 'mask::rwx', 'other::r-x']);
    expect(texts(e!.defaultAcl)).toEqual(['user::rwx', 'user:bin:r-x', 'group::---', 'group:adm:r--', 'mask::r-x', 'other::---']);
    expect(e!.type).toBe('dir');
  });

  it('accepts one octal digit as permissions', () => {
    const [e] = parse(`# file: f\nuser::7\nuser:9:0\ngroup::5\nmask::6\nother::4\n`);
    expect(texts(e!.acl)).toEqual(['user::rwx', 'user:9:---', 'group::r-x', 'mask::rw-', 'other::r--']);
    expect(e!.mode).toBe(0o764);
  });

  it('ignores trailing # comments, and keeps a # inside a qualifier name', () => {
    const [e] = parse(`# file: f\nuser::rw- # the owner: me\nuser:a#b:rwx\t#effective:r--\ngroup::r--#x\nmask::r-- # m\nother::r--\t# o: x\n`);
    expect(texts(e!.acl)).toEqual(['user::rw-', 'user:a#b:rwx', 'group::r--', 'mask::r--', 'other::r--']);
  });

  it('accepts CRLF line endings', () => {
    const text = `# permsnap: begin\r\n# file: a\r\n# owner: root\r\n${BASE.replaceAll('\n', '\r\n')}\r\n# file: b\r\n# permsnap: end, 2 entries\r\n${BASE.replaceAll('\n', '\r\n')}\r\n`;
    expect(parse(text).map((e) => [e.path, e.owner, e.mode])).toEqual([['a', 'root', 0o644], ['b', undefined, 0o644]]);
    // A file converted twice (unix2dos of a CRLF file) ends its lines with CR CR LF.
    expect(parse(text.replaceAll('\r\n', '\r\r\n')).map((e) => [e.path, e.owner, e.mode])).toEqual([['a', 'root', 0o644], ['b', undefined, 0o644]]);
  });

  it('ignores unknown comments anywhere, and comment-only groups between blocks', () => {
    const text = `# journal: root=/ at 20261122T064512Z\n\n\n# file: a\n# some: thing\n#effective:rwx\n${BASE}# trailing note\n\n# stray\n#\n\n\n${block(BASE, 'b')}# the end\n`;
    expect(parse(text).map((e) => e.path)).toEqual(['a', 'b']);
  });

  it('accepts setfacl\'s "#file:" spelling and headers in any order', () => {
    expect(parse(`# owner: root\n#file:x\n#\tgroup: 5\n${BASE}`)).toMatchObject([{ path: 'x', owner: 'root', gid: 5 }]);
  });

  it('accepts a file without the final blank line or the final newline, and an empty file', () => {
    expect(parse(`# file: a\n${BASE}`).length).toBe(1);
    expect(parse(`# file: a\n${BASE.slice(0, -1)}`).length).toBe(1);
    expect(parse('')).toEqual([]);
    expect(parse('\n\n# only a comment\n')).toEqual([]);
  });

  it('computes a missing mask as setfacl does, for the access and the default ACL', () => {
    const [e] = parse(`# file: d\nuser::rw-\nuser:bin:--x\ngroup::r--\ngroup:adm:-w-\nother::---\ndefault:user::rwx\ndefault:group::r--\ndefault:group:adm:--x\ndefault:other::---\n`);
    expect(texts(e!.acl)).toEqual(['user::rw-', 'user:bin:--x', 'group::r--', 'group:adm:-w-', 'mask::rwx', 'other::---']);
    expect(e!.mode).toBe(0o670);
    expect(texts(e!.defaultAcl)).toEqual(['user::rwx', 'group::r--', 'group:adm:--x', 'mask::r-x', 'other::---']);
  });

  it('reads a named entry given twice as written, as getfacl prints an ACL the kernel keeps so (restore reports it per path)', () => {
    const [e] = parse(`# file: d\nuser::rw-\nuser:bin:r--\nuser:bin:-w-\ngroup::r--\ngroup:7:--x\ngroup:007:r--\nother::---\ndefault:user::rwx\ndefault:group::r--\nd:u:bin:r--\ndefault:user:bin:--x\ndefault:other::---\n`);
    expect(texts(e!.acl)).toEqual(['user::rw-', 'user:bin:r--', 'user:bin:-w-', 'group::r--', 'group:7:--x', 'group:7:r--', 'mask::rwx', 'other::---']);
    expect(texts(e!.defaultAcl)).toEqual(['user::rwx', 'group::r--', 'user:bin:r--', 'user:bin:--x', 'mask::r-x', 'other::---']);
  });

  it('takes the group bits of the mode from the mask, and the special bits from # flags:', () => {
    const [e] = parse(`# file: f\n# flags: -st\nuser::r--\ngroup::rwx\nmask::--x\nother::-w-\n`);
    expect(e!.mode).toBe(0o3412);
  });

  it('keeps a valid # capability: line as written', () => {
    expect(parse(`# file: f\n# capability: cap_net_raw+ep\n${BASE}`)[0]!.capability).toBe('cap_net_raw+ep');
  });

  it('accepts the permsnap markers and a single block carrying both', () => {
    const text = `# file: a\n# permsnap: begin\n${BASE}\n# file: b\n${BASE}\n# file: c\n# permsnap: end, 3 entries\n${BASE}\n`;
    expect(parse(text).length).toBe(3);
    expect(parse(`# file: a\n# permsnap: begin\n# permsnap: end, 1 entries\n${BASE}\n`).length).toBe(1);
    expect(parse(`# file: a\n# permsnap: begin\n${BASE}# permsnap: end, 1 entry\n\n`).length).toBe(1);
  });

  it('accepts an undo journal (its first line says so) without the end marker, dropping a last block cut mid-way', () => {
    const head = '# permsnap undo journal: root /r, started 2026-11-30T10:00:00.000Z\n';
    const closed = `${head}# file: a\n# permsnap: begin\n${BASE}\n# file: b\n${BASE}\n`;
    expect(parse(closed).map((e) => e.path)).toEqual(['a', 'b']);
    expect(parse(`${closed}# file: c\nuser::rw-\n`).map((e) => e.path)).toEqual(['a', 'b']);
    expect(refusal(`# a comment first\n${closed.slice(head.length)}`).message).toMatch(/ends without "# permsnap: end, N entries"/);
  });

  it('returns the same path twice, leaving the last-wins rule to its consumers', () => {
    expect(parse(block(BASE, 'a') + block(BASE, 'a')).map((e) => e.path)).toEqual(['a', 'a']);
  });
});

// ---------------------------------------------------------------------------------------

/** [input, line, message pattern] */
const MALFORMED: Array<[string, number, RegExp]> = [
  [BASE, 1, /ACL entry "user::rw-" in a block without a # file: line, expected "# file: PATH"/],
  [`# owner: root\n\n${block(BASE)}`, 1, /a block without a # file: line, expected "# file: PATH" in every block/],
  [`# file: \n${BASE}`, 1, /empty path in # file: line, expected a path/],
  [`# file:\n${BASE}`, 1, /empty path/],
  [`# file: a\\000b\n${BASE}`, 1, /path "a\\\\000b" contains a NUL byte/],
  [`# file: a\n# file: b\n${BASE}`, 2, /second # file: line in the block, expected a blank line between blocks/],
  [`# file: a\n# owner: x\n# owner: y\n${BASE}`, 3, /second # owner: line in the block, expected one per block/],
  [`# file: a\n# group: x\n# group: y\n${BASE}`, 3, /second # group: line/],
  [`# file: a\n# flags: s--\n# flags: s--\n${BASE}`, 3, /second # flags: line/],
  [`# file: a\n# capability: =ep\n# capability: =ep\n${BASE}`, 3, /second # capability: line/],
  [`# file: a\n# flags: sts\n${BASE}`, 2, /invalid flags "sts", expected three characters \[s-\]\[s-\]\[t-\]/],
  [`# file: a\n# flags: s-\n${BASE}`, 2, /invalid flags "s-"/],
  [`# file: a\n# owner: \n${BASE}`, 2, /empty # owner: line, expected a name or a decimal uid/],
  [`# file: a\n# owner: 4294967296\n${BASE}`, 2, /uid 4294967296 is out of range, expected a decimal id from 0 to 4294967295/],
  [`# file: a\n# group: x\\000\n${BASE}`, 2, /group "x\\\\000" contains a NUL byte/],
  [`# file: a\n# capability: cap_bogus=ep\n${BASE}`, 2, /invalid capability text "cap_bogus=ep".*\(in # capability:\)/],
  [`# file: a\n${BASE}# owner: root\n`, 5, /# owner: line after the ACL entries, expected it in the header, before the entries/],
  [`# file: a\n${BASE}# file: b\n${BASE}`, 5, /# file: line after the ACL entries, expected a blank line before a new block/],
  [`# file: a\nfoo::rwx\n`, 2, /unknown tag "foo" in "foo::rwx", expected user, group, mask or other/],
  [`# file: a\n${BASE}default:fool::rwx\n`, 5, /unknown tag "fool"/],
  [`# file: a\nd:d:u::rwx\n`, 2, /unknown tag "d"/],
  [`# file: a\nuser::rwz\n`, 2, /invalid permissions "rwz" in "user::rwz", expected \[r-\]\[w-\]\[x-\] or an octal digit 0-7/],
  [`# file: a\nuser::8\n`, 2, /invalid permissions "8"/],
  [`# file: a\nuser::wrx\n`, 2, /invalid permissions "wrx"/],
  [`# file: a\nuser::rw\n`, 2, /invalid permissions "rw"/],
  [`# file: a\nuser::\n`, 2, /invalid permissions ""/],
  [`# file: a\nuser::rwx:x\n`, 2, /invalid permissions "rwx:x"/],
  [`# file: a\nuser::rwx,group::r-x\n`, 2, /invalid permissions "rwx,group::r-x"/],
  [`# file: a\nuser:bin\n`, 2, /entry "user:bin" has no permissions, expected user:QUALIFIER:PERMS/],
  [`# file: a\nmask:x:rwx\n`, 2, /mask entry "mask:x:rwx" has a qualifier, expected mask::PERMS/],
  [`# file: a\nuser:99999999999:rwx\n`, 2, /user qualifier 99999999999 is out of range/],
  [`# file: a\nuser:x\\000:rwx\n`, 2, /user qualifier "x\\\\000" contains a NUL byte/],
  [`# file: a\ngroup::r--\nother::r--\n`, 1, /the access ACL has no user:: entry, expected user::, group:: and other::/],
  // A blank line in the header ends the block: said as such, not as a missing user:: entry.
  [`# file: a\n# owner: bin\n\nuser::rw-\ngroup::r--\nother::r--\n`, 1, /a block with no ACL entries \(a blank line ends a block; getfacl -d prints none for a file\), expected user::, group:: and other:: entries/],
  [`# file: a\n`, 1, /a block with no ACL entries/],
  [`${block(BASE, 'a')}# file: b\nuser::rw-\nother::r--\n`, 8, /the access ACL has no group:: entry/],
  [`# file: a\nuser::rw-\ngroup::r--\n`, 1, /the access ACL has no other:: entry/],
  [`# file: a\n${BASE}user::rwx\n`, 5, /second user:: entry, expected exactly one per ACL/],
  [`# file: a\n${BASE}o::rwx\n`, 5, /second other:: entry/],
  [`# file: a\nmask::r--\n${BASE}mask::rwx\n`, 6, /second mask:: entry, expected exactly one per ACL/],
  [`# file: d\n${BASE}default:user::rwx\ndefault:group::r-x\n`, 1, /the default ACL has no default:other:: entry, expected default:user::, default:group:: and default:other::/],
  [`# file: d\n${BASE}default:user:bin:rwx\n`, 1, /the default ACL has no default:user:: entry/],
  [`# file: d\n${BASE}default:user::rwx\ndefault:user::r-x\n`, 6, /second default:user:: entry/],
  [`# file: a\nuser::rw-\0\n`, 2, /NUL byte in the line/],
  [`# file: a\n${BASE}hello\n`, 5, /line "hello" is neither a comment, an ACL entry nor blank, expected an entry such as user::rw-/],
  [`# file: a\r\n# flags: bad\r\n${BASE}`, 2, /invalid flags "bad"/],
  [`${block(BASE, 'a')}${block(BASE, 'b')}# file: c\nuser::rw-\nbogus\n`, 17, /line "bogus"/],
  [`# file: a\n# permsnap: begin\n${BASE}\n# file: b\n${BASE}`, 10, /the snapshot ends without "# permsnap: end, N entries", expected it in the last block \(the file is truncated\)/],
  [`# file: a\n# permsnap: begin\n${BASE}\n# file: b\n${BASE}\n\n`, 12, /ends without "# permsnap: end/],
  // Cut inside its last block (head -n, head -c): truncated, not what the cut block lacks.
  [`# file: a\n# permsnap: begin\n${BASE}\n# file: b\nuser::rw-\n`, 8, /^the snapshot ends without "# permsnap: end, N entries", expected it in the last block \(the file is truncated\)$/],
  [`# file: a\n# permsnap: begin\n${BASE}\n# file: b\nuser::r`, 8, /^the snapshot ends without "# permsnap: end, N entries".*\(the file is truncated\)$/],
  [`# file: a\n# permsnap: begin\n${BASE}\n# file: b\n`, 7, /^the snapshot ends without "# permsnap: end, N entries".*\(the file is truncated\)$/],
  // Without permsnap's markers, nothing says a file is cut: the block's own fault.
  [`# file: a\n${BASE}\n# file: b\nuser::rw-\n`, 6, /the access ACL has no group:: entry/],
  [`# file: a\n# permsnap: begin\n${BASE}\n# file: b\n# permsnap: end, 3 entries\n${BASE}`, 8, /end marker counts 3 entries but the snapshot has 2, expected "# permsnap: end, 2 entries"/],
  [`# file: a\n# permsnap: end, 0 entries\n${BASE}`, 2, /end marker counts 0 entries but the snapshot has 1/],
  [`# file: a\n# permsnap: begin\n# permsnap: end, 1 entries\n${BASE}\n# file: b\n${BASE}`, 8, /a block after the "# permsnap: end" marker, expected the end of the snapshot/],
  [`# file: a\n${BASE}\n# file: b\n# permsnap: begin\n${BASE}`, 7, /"# permsnap: begin" after the first block, expected it only in the first block/],
  [`# file: a\n# permsnap: begin\n# permsnap: begin\n${BASE}`, 3, /second "# permsnap: begin" marker/],
  [`# file: a\n# permsnap: begin\n${BASE}\n# file: d\n# permsnap: end, 2 entries\n${BASE}`, 11, /the snapshot ends inside its last block, expected the blank line that closes it \(the file is truncated\)/],
  [`# file: a\n# permsnap: end, x entries\n${BASE}`, 2, /malformed end marker "end, x entries", expected "# permsnap: end, N entries"/],
  [`# file: a\n# permsnap: end, 1 entries\n# permsnap: end, 1 entries\n${BASE}`, 3, /second "# permsnap: end" marker/],
  [`# file: a\n${'x'.repeat(1 << 21)}`, 2, /line longer than 1048576 bytes/],
  [`\xef\xbb\xbf# file: a\n${BASE}`, 1, /a UTF-8 byte order mark starts the file, expected getfacl text, which has none/],
];

describe('refusals', () => {
  it('refuses a line just over 1 MiB wherever the input is cut into pieces (not only when a cut falls far enough into it)', () => {
    for (const pad of [0, 100, 40_000, 60_000]) {
      const text = `${'# pad\n'.repeat(Math.ceil(pad / 6))}# file: a\n# ${'x'.repeat((1 << 20) + 1000)}\n${BASE}\n\n`;
      const bytes = Buffer.from(text, 'latin1');
      for (const slice of [1 << 16, 1 << 20, bytes.length]) {
        const parser = new GetfaclParser('snap.facl');
        const err = ((): unknown => {
          try {
            for (let at = 0; at < bytes.length; at += slice) parser.push(bytes.subarray(at, at + slice));
            parser.end();
          } catch (e) {
            return e;
          }
          return null;
        })() as PermsnapError | null;
        expect(err?.message, `pad ${pad}, slices of ${slice}`).toMatch(/line longer than 1048576 bytes/);
        expect(err?.line).toBe(Math.ceil(pad / 6) + 2);
      }
    }
  });

  it.each(MALFORMED.map(([text, line, pattern], i) => [i, text, line, pattern] as const))('refuses malformed input %i with its line and what was expected', (_, text, line, pattern) => {
    const err = refusal(text);
    expect(err.code).toBe('MALFORMED');
    expect(err.message).toMatch(pattern);
    expect({ file: err.file, line: err.line }).toEqual({ file: 'snap.facl', line });
  });

  it('escapes control characters of a bad # capability: line in its message (a raw CR hid FILE:LINE on a terminal)', () => {
    for (const [cap, shown] of [['cap_net_raw=\rp', '"cap_net_raw=\\rp"'], ['cap_\x1b[31mRED\x1b[0m=ep', '"cap_\\u001b[31mRED\\u001b[0m=ep"']] as const) {
      const err = refusal(`# file: a\n# capability: ${cap}\n${BASE}`);
      expect(err.line).toBe(2);
      expect(err.message).toContain(`invalid capability text ${shown}`);
      expect(err.message).not.toMatch(/[\x00-\x1f]/);
    }
  });

  it('locates its messages as FILE:LINE, with - for stdin', () => {
    const err = (() => {
      try {
        parseGetfacl(b('# file: a\nuser::rwz\n'), '-');
      } catch (e) {
        return e as PermsnapError;
      }
      throw new Error('not refused');
    })();
    expect(err.located).toMatch(/^-:2: invalid permissions "rwz"/);
  });

  it('keeps refusing after a fault instead of parsing on from a broken state', () => {
    const parser = new GetfaclParser('x');
    expect(() => parser.push(b('# file: a\nuser::rwz\n'))).toThrow(PermsnapError);
    expect(() => parser.push(b(BASE))).toThrow(/invalid permissions/);
    expect(() => parser.end()).toThrow(/invalid permissions/);
  });
});

// ---------------------------------------------------------------------------------------

/** A valid snapshot with markers, the way permsnap writes one. */
function validSnapshot(): string {
  const blocks = [...ROUND_TRIP, ...ROUND_TRIP.map((e) => ({ ...e, path: `${e.path}/again` }))].map((e) => printBlock(e, GETFACL_DEFAULTS));
  return blocks.map((blk, i) => {
    const marker = (i === 0 ? '# permsnap: begin\n' : '') + (i === blocks.length - 1 ? `# permsnap: end, ${blocks.length} entries\n` : '');
    return blk.text.slice(0, blk.headerEnd) + marker + blk.text.slice(blk.headerEnd);
  }).join('');
}

const INTERESTING = '\n\n\r\0 \t:#\\,-rwx01789stdugmo';

function mutate(text: string, random: () => number): string {
  const pick = (n: number): number => Math.floor(random() * n);
  const lines = text.split('\n');
  const at = pick(text.length + 1);
  switch (pick(7)) {
    case 0: return text.slice(0, at) + (random() < 0.5 ? INTERESTING[pick(INTERESTING.length)] : String.fromCharCode(pick(256))) + text.slice(at + 1);
    case 1: return text.slice(0, at) + INTERESTING[pick(INTERESTING.length)] + text.slice(at);
    case 2: return text.slice(0, at) + text.slice(at + 1 + pick(8));
    case 3: lines.splice(pick(lines.length), 1); return lines.join('\n');
    case 4: { const i = pick(lines.length); lines.splice(i, 0, lines[i]!); return lines.join('\n'); }
    case 5: { const i = pick(lines.length); const j = pick(lines.length); [lines[i], lines[j]] = [lines[j]!, lines[i]!]; return lines.join('\n'); }
    default: return text.slice(0, at);
  }
}

/** The result of a parse in a comparable form: entries, or the fault's code, line and message. */
function outcome(parseIt: () => ParsedEntry[]): unknown {
  try {
    return { entries: parseIt() };
  } catch (err) {
    if (!(err instanceof PermsnapError)) throw err;
    return { code: err.code, file: err.file, line: err.line, message: err.message };
  }
}

function parseInChunks(bytes: Buffer, random: () => number, options: ParserOptions = {}, largestChunk = 40): ParsedEntry[] {
  const parser = new GetfaclParser('fuzz', options);
  const out: ParsedEntry[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = 1 + Math.floor(random() * largestChunk);
    out.push(...parser.push(bytes.subarray(at, at + size)));
    at += size;
  }
  out.push(...parser.end());
  return out;
}

describe('incremental parsing', () => {
  it('gives the same entries whatever the chunking, lines and CRLF split anywhere', () => {
    const text = validSnapshot();
    const random = seededRandom(7);
    for (const variant of [text, text.replaceAll('\n', '\r\n'), `${text}\n\n`]) {
      const whole = parseGetfacl(b(variant), 'fuzz');
      expect(whole.length).toBe(6);
      for (let i = 0; i < 20; i++) expect(parseInChunks(b(variant), random)).toEqual(whole);
      const oneByte = new GetfaclParser('fuzz');
      const bytes = b(variant);
      const got: ParsedEntry[] = [];
      for (let at = 0; at < bytes.length; at++) got.push(...oneByte.push(bytes.subarray(at, at + 1)));
      got.push(...oneByte.end());
      expect(got).toEqual(whole);
    }
  });

  it('returns each block from push() as soon as its closing blank line arrives', () => {
    const parser = new GetfaclParser('x');
    expect(parser.push(b(`# file: a\n${BASE}`))).toEqual([]);
    expect(parser.push(b(`\n# file: b\n${BASE}`)).map((p) => p.entry.path)).toEqual(['a']);
    expect(parser.end().map((p) => p.entry.path)).toEqual(['b']);
  });
});

describe('mutation fuzz', () => {
  it('either parses or refuses with MALFORMED and a line inside the file, never another exception', () => {
    const original = validSnapshot();
    const random = seededRandom(0x5eed);
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      let text = original;
      const edits = 1 + Math.floor(random() * 4);
      for (let k = 0; k < edits; k++) text = mutate(text, random);
      const bytes = b(text);
      const result = outcome(() => parseGetfacl(bytes, 'fuzz'));
      if ('code' in (result as object)) {
        const { code, line } = result as { code: string; line: number };
        const lineCount = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
        expect({ i, code, inFile: line >= 1 && line <= lineCount }).toEqual({ i, code: 'MALFORMED', inFile: true });
        refused++;
      }
      // Chunk boundaries must never change the outcome.
      expect(outcome(() => parseInChunks(bytes, random))).toEqual(result);
    }
    // The mutations must actually reach the refusal paths, and not all of them.
    expect(refused).toBeGreaterThan(1000);
    expect(refused).toBeLessThan(4000);
  });
});

describe('shareBlocks: a block that repeats one parsed before is not parsed again', () => {
  /**
   * Many blocks, few bodies: what shareBlocks is for, with a marker block, CRLF and odd blanks
   * among them; each body `run` times in a row (a block like the one before has a fast path).
   */
  function repetitiveSnapshot(run = 1): string {
    const bodies = ROUND_TRIP.map((e) => printBlock(e, GETFACL_DEFAULTS).text.replace(/^# file: .*\n/, ''));
    const blocks: string[] = [];
    for (let i = 0; i < 48; i++) blocks.push(`# file: p${i}\n${bodies[Math.floor(i / run) % bodies.length]}`);
    blocks[5] = (blocks[5] as string).replaceAll('\n', '\r\n');
    blocks[9] = (blocks[9] as string).replace(/\n$/, '\n \t\n');
    blocks[13] = (blocks[13] as string).replace('# file: p13\n', '# file: p13\n# effective comment\n');
    return blocks.join('');
  }

  /** With shareBlocks, in chunks of up to 600 bytes; shapes left out, to compare with a full parse. */
  const parseShared = (bytes: Buffer, random: () => number): ParsedEntry[] =>
    parseInChunks(bytes, random, { shareBlocks: true }, 600).map(({ entry, line }) => ({ entry, line }));

  it('gives the same entries, lines and refusals as a full parse, on mutated snapshots', () => {
    const random = seededRandom(0xb10c);
    let refused = 0;
    for (const original of [repetitiveSnapshot(), repetitiveSnapshot(3), validSnapshot() + repetitiveSnapshot()]) {
      for (let i = 0; i < 2000; i++) {
        let text = original;
        const edits = Math.floor(random() * 4);
        for (let k = 0; k < edits; k++) text = mutate(text, random);
        const bytes = b(text);
        const expected = outcome(() => parseGetfacl(bytes, 'fuzz'));
        if ('code' in (expected as object)) refused++;
        expect(outcome(() => parseShared(bytes, random)), `case ${i}`).toEqual(expected);
      }
    }
    expect(refused).toBeGreaterThan(500);
  });

  it('gives entries whose blocks say the same one shape, and parses each such body once', () => {
    const entries = parseShared(b(repetitiveSnapshot()), seededRandom(1));
    const parser = new GetfaclParser('x', { shareBlocks: true });
    const shaped = [...parser.push(b(repetitiveSnapshot())), ...parser.end()];
    expect(shaped.map((p) => p.entry)).toEqual(entries.map((p) => p.entry));
    const shapes = new Set(shaped.map((p) => p.shape));
    expect(shapes.has(undefined)).toBe(true); // the CRLF, blank-with-spaces and commented blocks
    expect(shapes.size).toBe(ROUND_TRIP.length + 2); // each body, the commented one, and none
    const p0 = shaped[0] as ParsedEntry;
    const again = shaped[ROUND_TRIP.length * 2] as ParsedEntry;
    expect(again.shape).toBe(p0.shape);
    expect(again.entry.path).toBe(`p${ROUND_TRIP.length * 2}`);
  });
});
