// A member's uid, gid and mode fields as GNU tar reads them: an id past what a file can
// have, negative, or not a number, and a mode that is not octal, make the member one
// permsnap cannot read (restore and diff refuse the archive, exit 2; snapshot leaves it
// out). Found by exploratory testing: a PAX uid of 2^32 was taken modulo 2^32, so restore
// made a setuid file root's while snapshot and diff printed 4294967296; a field of
// garbage printed as NaN and restored nothing, silently.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STACK_FRAME } from '../helpers/facl-text.js';
import { makeTempDir, permsnap, removeTree } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-member-fields-');
  fs.mkdirSync(path.join(dir, 'root'));
  fs.writeFileSync(path.join(dir, 'root', 'f'), 'x');
  fs.chmodSync(path.join(dir, 'root', 'f'), 0o644);
});
afterEach(() => removeTree(dir));

const octal = (n: number, size: number): Buffer => Buffer.from(`${n.toString(8).padStart(size - 1, '0')}\0`, 'latin1');

/**
 * A ustar header block for a file named f; `fields` replaces mode (100), uid (108), gid (116)
 * or size (124) raw, and gives the owner (265) and group (297) names.
 */
function header(fields: { mode?: Buffer; uid?: Buffer; gid?: Buffer; size?: Buffer; uname?: string; gname?: string } = {}, name = 'f', type = '0', size = 0): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'latin1');
  (fields.mode ?? octal(0o4755, 8)).copy(h, 100);
  (fields.uid ?? octal(0, 8)).copy(h, 108);
  (fields.gid ?? octal(0, 8)).copy(h, 116);
  (fields.size ?? octal(size, 12)).copy(h, 124);
  octal(0, 12).copy(h, 136);
  h.write(type, 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  h.write(fields.uname ?? '', 265, 'latin1');
  h.write(fields.gname ?? '', 297, 'latin1');
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  Buffer.from(`${sum.toString(8).padStart(6, '0')}\0 `, 'latin1').copy(h, 148);
  return h;
}

/** A PAX extended header (records for the next member) and its data, padded. */
function paxHeader(records: Record<string, string>): Buffer {
  const data = Buffer.concat(Object.entries(records).map(([k, v]) => {
    const body = ` ${k}=${v}\n`;
    let n = body.length + 1;
    while (String(n).length + body.length !== n) n = String(n).length + body.length;
    return Buffer.from(`${n}${body}`, 'latin1');
  }));
  return Buffer.concat([header({ mode: octal(0o644, 8) }, 'PaxHeader', 'x', data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

const archive = (...blocks: Buffer[]): Buffer => Buffer.concat([...blocks, Buffer.alloc(1024)]);

describe('archive members with uid, gid or mode fields no file can have', () => {
  const cases: Array<{ what: string; bytes: Buffer; says: RegExp }> = [
    { what: 'a PAX uid of 2^32 (was uid 0)', bytes: archive(paxHeader({ uid: '4294967296' }), header()), says: /PAX uid "4294967296" is not an id from 0 to 4294967294/ },
    { what: 'a PAX gid past the largest', bytes: archive(paxHeader({ gid: '9999999999' }), header()), says: /PAX gid "9999999999" is not an id from 0 to 4294967294/ },
    { what: 'a PAX uid that is not a number', bytes: archive(paxHeader({ uid: '12ab' }), header()), says: /PAX uid "12ab" is not an id from 0 to 4294967294/ },
    { what: 'a base-256 uid of 2^32', bytes: archive(header({ uid: Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0]) })), says: /uid field \(4294967296\) is not an id from 0 to 4294967294/ },
    { what: 'a base-256 uid of -1 (all 0xff)', bytes: archive(header({ uid: Buffer.alloc(8, 0xff) })), says: /uid field \(negative\) is not an id from 0 to 4294967294/ },
    { what: 'a uid field of garbage', bytes: archive(header({ uid: Buffer.from('zz\0\0\0\0\0\0', 'latin1') })), says: /uid field \("zz"\) is not an id from 0 to 4294967294/ },
    { what: 'a mode field of garbage', bytes: archive(header({ mode: Buffer.from('zz\0\0\0\0\0\0', 'latin1') })), says: /mode field \("zz"\) is not an octal number/ },
    // tar-stream read these up to the first byte that is not octal: 0006 and uid 0.
    { what: 'a mode field with a digit that is not octal', bytes: archive(header({ mode: Buffer.from('0000698\0', 'latin1') })), says: /mode field \("0000698"\) is not an octal number/ },
    { what: 'a gid field with a letter among its digits', bytes: archive(header({ gid: Buffer.from('00009x9\0', 'latin1') })), says: /gid field \("00009x9"\) is not an id from 0 to 4294967294/ },
  ];
  for (const { what, bytes, says } of cases) {
    it(`refuses ${what}: restore and diff exit 2 changing nothing, snapshot leaves the member out`, () => {
      const file = path.join(dir, 'evil.tar');
      fs.writeFileSync(file, bytes);
      const r = permsnap(['restore', file, '--root', path.join(dir, 'root'), '--no-undo'], { cwd: dir });
      expect(r.stderr.toString()).toMatch(new RegExp(`^permsnap: ${file.replaceAll('.', '\\.')}: member 1 f: ${says.source}, expected members permsnap can read\\n$`));
      expect(r.status).toBe(2);
      const st = fs.statSync(path.join(dir, 'root', 'f'));
      expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o644, process.getuid?.() ?? 0, process.getgid?.() ?? 0]);
      const d = permsnap(['diff', file, 'root'], { cwd: dir });
      expect([d.status, d.stderr.toString()]).toEqual([2, expect.stringMatching(says)]);
      const s = permsnap(['snapshot', '--from-tar', file], { cwd: dir });
      expect(s.stderr.toString()).toMatch(new RegExp(`^permsnap: f: ${says.source}; left out\\n`));
      expect(s.stderr.toString()).not.toMatch(STACK_FRAME);
      expect(s.stdout.toString()).not.toMatch(/NaN|null|4294967296/);
      expect(s.status).toBe(1);
    });
  }

  it('a size field that is not octal refuses the archive in every command: what follows the member is not where it would be read', () => {
    const bad = header({ size: Buffer.from('0000000009x', 'latin1') });
    const file = path.join(dir, 'size.tar');
    fs.writeFileSync(file, archive(bad));
    const says = `permsnap: ${file}: corrupt tar header: the size field of "f" ("0000000009x") is not an octal number\n`;
    for (const args of [['snapshot', '--from-tar', file], ['diff', file, 'root'], ['restore', file, '--root', 'root', '--no-undo']]) {
      const r = permsnap(args, { cwd: dir });
      expect([r.status, r.stderr.toString()]).toEqual([2, says]);
    }
  });

  it('a PAX size record that is not a decimal number refuses the archive in every command (tar-stream read "5abc" as 5, and lost the next member)', () => {
    const file = path.join(dir, 'paxsize.tar');
    fs.writeFileSync(file, archive(paxHeader({ size: '5abc' }), header(), header({}, 'g')));
    const says = `permsnap: ${file}: corrupt PAX header: size record "5abc" is not a decimal number\n`;
    for (const args of [['snapshot', '--from-tar', file], ['diff', file, 'root'], ['restore', file, '--root', 'root', '--no-undo']]) {
      const r = permsnap(args, { cwd: dir });
      expect([r.status, r.stderr.toString()]).toEqual([2, says]);
    }
    fs.writeFileSync(file, archive(paxHeader({ size: '99999999999999999999' }), header()));
    expect(permsnap(['snapshot', '--from-tar', file], { cwd: dir }).stderr.toString()).toBe(`permsnap: ${file}: corrupt PAX header: size record "99999999999999999999" is out of range\n`);
    // Zeros before the digits are a decimal number all the same.
    fs.writeFileSync(file, archive(paxHeader({ size: '0000000000000000' }), header(), header({}, 'g')));
    const padded = permsnap(['snapshot', '--from-tar', file], { cwd: dir });
    expect([padded.status, padded.stderr.toString()]).toEqual([0, '']);
  });

  it('takes a member whose uid field is not a number when the header names its owner, as tar\'s extraction looks the name up', () => {
    const named = header({ uid: Buffer.from('00001x0\0', 'latin1'), uname: 'root' });
    const file = path.join(dir, 'named-uid.tar');
    fs.writeFileSync(file, archive(named));
    const s = permsnap(['snapshot', '--from-tar', file], { cwd: dir });
    expect([s.status, s.stderr.toString()]).toEqual([0, '']);
    expect(s.stdout.toString()).toMatch(/^# file: f\n# owner: root\n/);
    // A name unknown here is a problem, and the setuid file goes to no one: tar-stream's
    // reading of "0000698" (6) is never taken for the id.
    const unknown = path.join(dir, 'unknown-uid.tar');
    fs.writeFileSync(unknown, archive(header({ uid: Buffer.from('0000698\0', 'latin1'), uname: 'nosuchuserx' })));
    const r = permsnap(['restore', unknown, '--root', path.join(dir, 'root'), '--dry-run'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toMatch(/\/root\/f: unknown user "nosuchuserx"$/m);
    expect(r.stdout.toString()).not.toMatch(/owner|4755/);
  });

  it('reads numeric fields as GNU tar does: leading blanks, then a blank or NUL after the digits, all NUL as 0', () => {
    const file = path.join(dir, 'spelled.tar');
    const fields = { mode: Buffer.from('  4750 \0', 'latin1'), uid: Buffer.from('000765 \0', 'latin1'), gid: Buffer.alloc(8) };
    fs.writeFileSync(file, archive(header(fields)));
    const s = permsnap(['snapshot', '-n', '--from-tar', file], { cwd: dir });
    expect([s.status, s.stderr.toString()]).toEqual([0, '']);
    expect(s.stdout.toString()).toMatch(/^# owner: 501\n# group: 0\n# flags: s--\n(#.*\n)*user::rwx\ngroup::r-x\nother::---\n/m);
  });

  it('an empty PAX uname or gname with a PAX id deletes the header\'s name (POSIX pax), so the id stands; without one the header\'s name stands: both as GNU tar extracts them', () => {
    const named = header({ uname: 'root', gname: 'root' });
    const file = path.join(dir, 'unnamed.tar');
    fs.writeFileSync(file, archive(paxHeader({ uid: '5000000', uname: '', gid: '5000001', gname: '' }), named, paxHeader({ uname: '', gname: '' }), named, named));
    const s = permsnap(['snapshot', '--from-tar', file], { cwd: dir });
    expect([s.status, s.stderr.toString()]).toEqual([0, '']);
    // The first member: the ids; the second (empty names, no ids in records) and the third
    // (no records): the header's names, which GNU tar looks up.
    expect(s.stdout.toString()).toMatch(/^# file: f\n# owner: 5000000\n# group: 5000001\n[^]*# file: f\n# owner: root\n# group: root\n[^]*# file: f\n# owner: root\n# group: root\n/);
  });

  it('still reads the largest id a file can have, from a PAX record and from the header', () => {
    const file = path.join(dir, 'max.tar');
    fs.writeFileSync(file, archive(paxHeader({ uid: '4294967294' }), header({ gid: Buffer.from([0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe]) })));
    const s = permsnap(['snapshot', '-n', '--from-tar', file], { cwd: dir });
    expect([s.status, s.stderr.toString()]).toEqual([0, '']);
    expect(s.stdout.toString()).toContain('# owner: 4294967294\n# group: 4294967294\n');
  });
});
