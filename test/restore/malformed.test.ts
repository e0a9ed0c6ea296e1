// The corpus of malformed snapshots in fixtures/malformed/ (contracts.md, "Parsing rules"): each is refused as a
// whole with exit 2 and `permsnap: FILE:LINE: <what is wrong>, expected <what>` naming the
// right line (a block-level fault: the block's `# file:` line; a line-level fault: its own
// line), and changes nothing: not the valid blocks before the fault, and no journal.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusedAt, MALFORMED_CASES, malformedBytes } from '../helpers/malformed-corpus.js';
import { observe, restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { CLI, makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-malformed-');
});
afterEach(() => removeTree(dir));

/** Lines 1-7 of every case and test below: a valid block that WOULD change r/a (0600 -> 0644) if anything were applied. */
const GOOD = '# file: a\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\nother::r--\n\n';
/** Lines 8-: the start of block b. */
const B = '# file: b\n';

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

describe.skipIf(!restoreReady)(`restore refuses malformed snapshots as a whole (${SKIP_REASON})`, () => {
  for (const c of MALFORMED_CASES) {
    it(`refuses ${c.what} (${c.file}) with exit 2, the right line, and no change`, () => {
      const root = setupTree();
      const snap = path.join(dir, `bad${c.file.endsWith('.gz') ? '.facl.gz' : '.facl'}`);
      fs.writeFileSync(snap, malformedBytes(c));
      const before = observe(dir, 'r');

      // --root with the default journal (it would land in ROOT/var/lib/permsnap/undo/).
      const r = restore([snap, '--root', root], { cwd: '/' });
      expectRefusedAt(r.stderr, r.status, snap, c);
      // And with an explicit journal, a relative file name, from the current directory.
      const undo = path.join(dir, 'undo.facl');
      const rel = restore([path.basename(snap), '--undo', undo], { cwd: dir });
      expectRefusedAt(rel.stderr, rel.status, path.basename(snap), c);

      expect(observe(dir, 'r')).toEqual(before);
      expect(fs.existsSync(undo)).toBe(false);
      expect(fs.existsSync(path.join(root, 'var'))).toBe(false);
    });
  }

  it('calls stdin "-" in the message of a malformed snapshot read from stdin', () => {
    const root = setupTree();
    const before = observe(dir, 'r');
    const r = spawnSync(process.execPath, [CLI, 'restore', '-', '--root', root, '--no-undo'], { input: GOOD + B + 'user::rw-\nhello\n' });
    expectRefusedAt(r.stderr.toString(), r.status, '-', { line: 10 });
    expect(observe(dir, 'r')).toEqual(before);
  });

  it('quotes the bad text in its message as text: UTF-8 as it reads, other bytes as \\xNN, a byte-order mark as \\ufeff (and one at the start named)', () => {
    const root = setupTree();
    const cases: Array<[Buffer, string]> = [
      [Buffer.from(GOOD + B + 'user::rw-\nhéllo\n'), 'line "héllo" is neither'],
      [Buffer.concat([Buffer.from(GOOD + B + 'user::rw-\nh'), Buffer.from([0xff]), Buffer.from('llo\n')]), 'line "h\\xffllo" is neither'],
      [Buffer.from(GOOD + B + 'user::rw-\n\ufeffbogus\n'), 'line "\\ufeffbogus" is neither'],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD)]), '-:1: a UTF-8 byte order mark starts the file'],
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
