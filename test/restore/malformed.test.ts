// A corpus of malformed snapshots (contracts.md, "Parsing rules"): each is refused as a
// whole with exit 2 and `permsnap: FILE:LINE: <what is wrong>, expected <what>` naming the
// right line (a block-level fault: the block's `# file:` line; a line-level fault: its own
// line), and changes nothing: not the valid blocks before the fault, and no journal.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { observe, restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { CLI, makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-malformed-');
});
afterEach(() => removeTree(dir));

/** Lines 1-7: a valid block that WOULD change r/a (0600 -> 0644) if anything were applied. */
const GOOD = '# file: a\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\nother::r--\n\n';
/** Lines 8-: the start of block b. */
const B = '# file: b\n';
const BASE = 'user::rw-\ngroup::r--\nother::r--\n';

interface Case {
  name: string;
  text: string | Buffer;
  /** The line the message must name. */
  line: number;
  /** Some lines are defensible for a fault (e.g. truncation: where the marker is missing). */
  alternatives?: number[];
  /** A word the message must contain. */
  mentions?: RegExp;
}

const CASES: Case[] = [
  { name: 'a block without # file: (entries first)', text: GOOD + BASE + '\n', line: 8, mentions: /file/ },
  { name: 'a first block without # file:', text: BASE + '\n' + GOOD, line: 1, mentions: /file/ },
  { name: 'an empty path', text: GOOD + '# file: \n' + BASE + '\n', line: 8, mentions: /path/ },
  { name: 'two # file: lines in one block', text: GOOD + B + '# file: c\n' + BASE + '\n', line: 9 },
  { name: 'a duplicate # owner: line', text: GOOD + B + '# owner: root\n# owner: root\n' + BASE + '\n', line: 10, mentions: /owner/ },
  { name: 'a duplicate # group: line', text: GOOD + B + '# group: root\n# group: bin\n' + BASE + '\n', line: 10, mentions: /group/ },
  { name: 'a duplicate # flags: line', text: GOOD + B + '# flags: s--\n# flags: s--\n' + BASE + '\n', line: 10, mentions: /flags/ },
  { name: 'bad flags (sx-)', text: GOOD + B + '# flags: sx-\n' + BASE + '\n', line: 9, mentions: /flags/ },
  { name: 'bad flags (four characters)', text: GOOD + B + '# flags: s--t\n' + BASE + '\n', line: 9, mentions: /flags/ },
  { name: 'an unknown tag', text: GOOD + B + 'user::rw-\ngroup::r--\nowner::r--\nother::r--\n\n', line: 11, mentions: /tag/ },
  { name: 'a bad permission (rwz)', text: GOOD + B + 'user::rw-\ngroup::rwz\nother::r--\n\n', line: 10, mentions: /perm/ },
  { name: 'a bad permission (two characters)', text: GOOD + B + 'user::rw\ngroup::r--\nother::r--\n\n', line: 9, mentions: /perm/ },
  { name: 'a bad permission (octal 8)', text: GOOD + B + 'user::rw-\ngroup::r--\nother::8\n\n', line: 11, mentions: /perm/ },
  { name: 'a missing group:: entry', text: GOOD + B + 'user::rw-\nother::r--\n\n', line: 8, mentions: /group::/ },
  { name: 'a missing user:: entry', text: GOOD + B + 'group::r--\nother::r--\n\n', line: 8, mentions: /user::/ },
  { name: 'a missing other:: entry', text: GOOD + B + 'user::rw-\ngroup::r--\n\n', line: 8, mentions: /other::/ },
  { name: 'a duplicate user:: entry', text: GOOD + B + 'user::rw-\nuser::rw-\ngroup::r--\nother::r--\n\n', line: 10, mentions: /user::/ },
  { name: 'two masks', text: GOOD + B + 'user::rw-\nuser:1:r--\ngroup::r--\nmask::r--\nmask::rw-\nother::r--\n\n', line: 13, alternatives: [8], mentions: /mask/ },
  { name: 'duplicate named user entries', text: GOOD + B + 'user::rw-\nuser:1:r--\nuser:1:rw-\ngroup::r--\nmask::rw-\nother::r--\n\n', line: 11 },
  {
    name: 'duplicate named default group entries',
    text: GOOD + B + BASE + 'default:user::rwx\ndefault:group:1:r-x\ndefault:group:1:r-x\ndefault:group::r-x\ndefault:mask::r-x\ndefault:other::---\n\n',
    line: 14,
  },
  { name: 'default entries without their base entries', text: GOOD + B + BASE + 'default:user::rwx\ndefault:group::r-x\n\n', line: 8, mentions: /default/ },
  { name: 'only a named default entry', text: GOOD + B + BASE + 'default:user:1:r-x\n\n', line: 8, mentions: /default/ },
  { name: 'a NUL byte', text: GOOD + B + 'user::rw-\ngroup::r\0-\nother::r--\n\n', line: 10, mentions: /NUL/ },
  { name: 'a garbage line', text: GOOD + B + 'user::rw-\nhello world\ngroup::r--\nother::r--\n\n', line: 10 },
  { name: 'a garbage line in a CRLF file', text: (GOOD + B + 'user::rw-\nbogus\n').replaceAll('\n', '\r\n'), line: 10 },
  {
    name: 'a truncated permsnap file: begin marker, no end marker',
    text: '# file: a\n# permsnap: begin\n' + BASE + '\n# file: b\n' + BASE + '\n',
    // The marker is missing at the end of the file (line 11 is its last line, the blank one).
    line: 11,
    alternatives: [10, 7],
    mentions: /end|truncated/,
  },
  {
    name: 'a permsnap file whose end marker counts the wrong N',
    text: '# file: a\n# permsnap: begin\n' + BASE + '\n# file: b\n# permsnap: end, 3 entries\n' + BASE + '\n',
    line: 8,
    mentions: /3|truncated|edited/,
  },
  { name: 'a garbage line deep in a gzip file', text: gzipSync(GOOD + B + 'user::rw-\nhello\n'), line: 10 },
];

function setupTree(): string {
  const root = path.join(dir, 'r');
  fs.mkdirSync(root);
  for (const f of ['a', 'b']) {
    fs.writeFileSync(path.join(root, f), '');
    fs.chmodSync(path.join(root, f), 0o600);
    fs.chownSync(path.join(root, f), 1000, 1000);
  }
  return root;
}

function expectRefused(stderr: string, status: number | null, file: string, c: Case): void {
  expect(status, stderr).toBe(2);
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines, stderr).toHaveLength(1);
  const m = new RegExp(`^permsnap: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+): (.+), expected .+$`).exec(lines[0] as string);
  expect(m, stderr).not.toBeNull();
  expect([c.line, ...(c.alternatives ?? [])], stderr).toContain(Number(m?.[1]));
  if (c.mentions) expect(m?.[2]).toMatch(c.mentions);
}

describe.skipIf(!restoreReady)(`restore refuses malformed snapshots as a whole (${SKIP_REASON})`, () => {
  for (const c of CASES) {
    it(`refuses ${c.name} with exit 2, the right line, and no change`, () => {
      const root = setupTree();
      const ext = Buffer.isBuffer(c.text) ? '.facl.gz' : '.facl';
      const snap = path.join(dir, `bad${ext}`);
      fs.writeFileSync(snap, c.text);
      const before = observe(dir, 'r');

      // --root with the default journal (it would land in ROOT/var/lib/permsnap/undo/).
      const r = restore([snap, '--root', root], { cwd: '/' });
      expectRefused(r.stderr, r.status, snap, c);
      // And with an explicit journal, a relative file name, from the current directory.
      const undo = path.join(dir, 'undo.facl');
      const rel = restore([path.basename(snap), '--undo', undo], { cwd: dir });
      expectRefused(rel.stderr, rel.status, path.basename(snap), c);

      expect(observe(dir, 'r')).toEqual(before);
      expect(fs.existsSync(undo)).toBe(false);
      expect(fs.existsSync(path.join(root, 'var'))).toBe(false);
    });
  }

  it('calls stdin "-" in the message of a malformed snapshot read from stdin', () => {
    const root = setupTree();
    const before = observe(dir, 'r');
    const r = spawnSync(process.execPath, [CLI, 'restore', '-', '--root', root, '--no-undo'], { input: GOOD + B + 'user::rw-\nhello\n' });
    expectRefused(r.stderr.toString(), r.status, '-', { name: 'stdin', text: '', line: 10 });
    expect(observe(dir, 'r')).toEqual(before);
  });

  it('quotes the bad text in its message as text: UTF-8 as it reads, other bytes as \\xNN, a byte-order mark as \\ufeff', () => {
    const root = setupTree();
    const cases: Array<[Buffer, string]> = [
      [Buffer.from(GOOD + B + 'user::rw-\nhéllo\n'), 'line "héllo" is neither'],
      [Buffer.concat([Buffer.from(GOOD + B + 'user::rw-\nh'), Buffer.from([0xff]), Buffer.from('llo\n')]), 'line "h\\xffllo" is neither'],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD)]), 'unknown tag "\\ufeff# file"'],
      [Buffer.from(GOOD + B + 'user::rw-\nbogus\\udc80 "x"\n'), 'line "bogus\\\\udc80 \\"x\\"" is neither'],
    ];
    for (const [text, message] of cases) {
      const r = spawnSync(process.execPath, [CLI, 'restore', '-', '--root', root, '--no-undo'], { input: text });
      expect(r.status).toBe(2);
      expect(r.stderr.toString('utf8')).toContain(message);
    }
  });

  it('accepts what setfacl accepts (abbreviations, octal digits, comments, whitespace, CRLF, no owner lines)', () => {
    const root = setupTree();
    const text =
      '# a comment setfacl ignores\n# file: a\n# owner: root\n# group: root\n# flags: -s-\n u::rw-  \ng:1:5 # trailing comment\ng::r--\nm::r-x\no::4\n\n' +
      '# file: b\r\nuser::rw-\r\nuser:1:r--\t#effective:r--\r\ngroup::r--\r\nother::---\r\n\r\n';
    const snap = path.join(dir, 'lenient.facl');
    fs.writeFileSync(snap, text);
    const r = restore([snap, '--root', root, '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    const st = (f: string) => fs.lstatSync(path.join(root, f));
    expect((st('a').mode & 0o7777).toString(8)).toBe('2654');
    expect([st('a').uid, st('a').gid]).toEqual([0, 0]);
    expect((st('b').mode & 0o7777).toString(8)).toBe('640');
    expect([st('b').uid, st('b').gid]).toEqual([1000, 1000]); // no owner lines: ownership kept
  });
});
