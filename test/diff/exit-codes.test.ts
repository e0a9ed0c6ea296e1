// diff's exit codes (contracts.md): 0 no differences, 1 differences, 2 trouble (unreadable
// or malformed operand, usage), with `permsnap: FILE:LINE: ...` messages and no stack trace;
// --format nagios: 0 OK, 2 CRITICAL, 3 UNKNOWN, said on stdout.

import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasSetpriv, latin1, runAsNobody, STACK_FRAME } from '../helpers/facl-text.js';
import { buildBigTree, restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { CLI, isRoot, makeTempDir, removeTree, sh } from '../helpers/tree.js';
import { diffCli, SNAPSHOT_FIXTURE, snapshotFile } from './diff-kit.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-diff-exit-');
});
afterEach(() => {
  removeTree(dir);
});

function smallTree(): void {
  sh('mkdir -p tree/sub && touch tree/a tree/sub/b && chmod 4755 tree/a && setfacl -m u:bin:rw tree/sub/b', dir);
}

/** A trouble run: exit 2, the message on stderr with no stack trace, nothing on stdout. */
function expectTrouble(args: string[], message: RegExp, input?: Buffer): void {
  const r = diffCli(args, { cwd: dir, input });
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(latin1(r.stdout)).toBe('');
}

/** The same under --format nagios: exit 3 and `PERMSNAP UNKNOWN - <message>` on stdout. */
function expectUnknown(args: string[], message: RegExp, input?: Buffer): void {
  const r = diffCli([...args, '--format', 'nagios'], { cwd: dir, input });
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(3);
  expect(latin1(r.stdout)).toMatch(/^PERMSNAP UNKNOWN - .+\n$/);
  expect(latin1(r.stdout).slice('PERMSNAP UNKNOWN - '.length)).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_FRAME);
}

/** 1-based number of the first line of `text` that equals `line`. */
function lineOf(text: string, line: string): number {
  const n = text.split('\n').indexOf(line);
  expect(n, `${JSON.stringify(line)} in the text`).toBeGreaterThanOrEqual(0);
  return n + 1;
}

describe.skipIf(!restoreReady)(`diff exit codes (${SKIP_REASON})`, () => {
  it('exits 0 without differences and 1 with them whatever the format, but nagios (0 and 2)', () => {
    smallTree();
    snapshotFile(dir, ['tree'], 'healthy.facl');
    const same = { text: 0, getfacl: 0, nagios: 0 };
    for (const [format, status] of Object.entries(same)) {
      const r = diffCli(['healthy.facl', 'tree', '--format', format], { cwd: dir });
      expect([format, r.status, r.stderr]).toEqual([format, status, '']);
    }
    sh('chmod 0755 tree/a', dir);
    const differs = { json: 1, getfacl: 1, nagios: 2 };
    for (const [format, status] of Object.entries(differs)) {
      const r = diffCli(['healthy.facl', 'tree', '--format', format], { cwd: dir });
      expect([format, r.status, r.stderr]).toEqual([format, status, '']);
      expect(r.stdout.length).toBeGreaterThan(0);
    }
  });

  it('refuses a malformed snapshot on either side with FILE:LINE (stdin is "-"), exit 2; nagios says UNKNOWN, exit 3', () => {
    smallTree();
    const good = fs.readFileSync(snapshotFile(dir, ['tree'], 'healthy.facl'), 'latin1');
    const cases: Array<[string, string, number]> = [];
    // A line that is neither comment, entry nor blank: its own line.
    const junk = good.replace('# file: tree/a\n', '# file: tree/a\nnot an entry\n');
    cases.push(['junk.facl', junk, lineOf(junk, 'not an entry')]);
    // A block without group::: the line of the block's # file: header.
    const noGroup = good.replace(/(# file: tree\/sub\/b\n(?:.*\n)*?)group::r--\n/, '$1');
    expect(noGroup).not.toBe(good);
    cases.push(['no-group.facl', noGroup, lineOf(noGroup, '# file: tree/sub/b')]);
    // permsnap's begin marker without the end marker: truncated.
    const blocks = good.split('\n\n');
    expect(blocks.length).toBeGreaterThan(3);
    const truncated = blocks.slice(0, 2).join('\n\n') + '\n\n';
    expect(truncated).toContain('# permsnap: begin');
    cases.push(['truncated.facl', truncated, -1]);
    // A wrong count in the end marker.
    const wrongCount = good.replace(/# permsnap: end, (\d+) entries/, (_, n: string) => `# permsnap: end, ${Number(n) + 1} entries`);
    expect(wrongCount).not.toBe(good);
    cases.push(['wrong-count.facl', wrongCount, -1]);

    // Each case as BEFORE; then in turn as AFTER, on stdin, and under nagios (a CLI run costs a Node start).
    for (const [i, [name, text, line]] of cases.entries()) {
      fs.writeFileSync(path.join(dir, name), text, 'latin1');
      const at = (file: string): string => `${file.replace('.', '\\.')}:${line > 0 ? line : '\\d+'}: \\S`;
      expectTrouble([name, 'tree'], new RegExp(`^permsnap: ${at(name)}`, 'm'));
      if (i % 3 === 0) expectTrouble(['tree', name], new RegExp(`^permsnap: ${at(name)}`, 'm'));
      if (i % 3 === 1) expectTrouble(['-', 'tree'], new RegExp(`^permsnap: ${at('-')}`, 'm'), Buffer.from(text, 'latin1'));
      if (i % 3 === 2) expectUnknown([name, 'tree'], new RegExp(`^${at(name)}`));
    }
    expectUnknown(['tree', 'junk.facl'], new RegExp(`^junk\\.facl:${lineOf(junk, 'not an entry')}: \\S`));
  });

  it('exits 2, never aborting, when BEFORE is malformed while AFTER, a big live tree, is still being walked', () => {
    // AFTER's worker is inside koffi calls most of the time: it must be asked to stop, as a
    // worker terminated inside one aborts the whole process.
    buildBigTree(dir, 'big', 40, 500);
    fs.writeFileSync(path.join(dir, 'bad.facl'), '# file: x\nnot an entry\n', 'latin1');
    for (let run = 0; run < 8; run++) expectTrouble(['bad.facl', 'big'], /^permsnap: bad\.facl:2: \S/m);
  });

  it('refuses corrupt gzip data and an operand that does not exist, naming it; nagios says UNKNOWN', () => {
    smallTree();
    const good = fs.readFileSync(snapshotFile(dir, ['tree'], 'healthy.facl'));
    const gz = gzipSync(good);
    fs.writeFileSync(path.join(dir, 'cut.gz'), gz.subarray(0, gz.length - 12));
    expectTrouble(['cut.gz', 'tree'], /^permsnap: cut\.gz: .*gzip/m);
    expectTrouble(['tree', 'no-such.facl'], /^permsnap: no-such\.facl: cannot read the snapshot: no such file or directory$/m);
    expectUnknown(['no-such.facl', 'tree'], /^no-such\.facl: cannot read the snapshot: no such file or directory\n$/);
    expectUnknown(['cut.gz', 'tree'], /^cut\.gz: .*gzip/);
    // A format permsnap does not read is named, not taken for text with a NUL on line 1.
    fs.writeFileSync(path.join(dir, 't.tbz'), Buffer.concat([Buffer.from('BZh91AY&SY', 'latin1'), Buffer.alloc(600)]));
    fs.writeFileSync(path.join(dir, 't.zip'), Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(600)]));
    expectTrouble(['tree', 't.tbz'], /^permsnap: t\.tbz: bzip2 data is not supported, expected a snapshot \(plain or gzip\), a tar archive/m);
    expectTrouble(['t.zip', 'tree'], /^permsnap: t\.zip: zip data is not supported/m);
    expectUnknown(['t.tbz', 'tree'], /^t\.tbz: bzip2 data is not supported/);
    const restored = restore(['t.tbz', '--root', path.join(dir, 'tree'), '--no-undo'], { cwd: dir });
    expect([restored.status, restored.stderr]).toEqual([2, expect.stringMatching(/^permsnap: t\.tbz: bzip2 data is not supported/m)]);
  });

  it('keeps nagios UNKNOWN to one line with no "|" of its own, whatever the file name or the line it quotes', () => {
    smallTree();
    fs.writeFileSync(path.join(dir, 'bad|x.facl'), 'junk\n');
    fs.writeFileSync(path.join(dir, 'bad3.facl'), '# file: f\nuser::rw-\ngroup::r--\nother::r--\nju|nk\n\n');
    // An operand named "x|modified=0" must not forge the performance data, nor "a\nb" a second line.
    expectUnknown(['bad|x.facl', 'tree'], /^bad\\174x\.facl:1: [^|\n]*\n$/);
    expectUnknown(['bad3.facl', 'tree'], /^bad3\.facl:5: [^|\n]*ju\\174nk[^|\n]*\n$/);
    expectUnknown(['no\nexist|modified=0', 'tree'], /^no\\012exist\\174modified=0: cannot read the snapshot: no such file or directory\n$/);
    // On stderr too, a file name is quoted as getfacl quotes a path: one line.
    expectTrouble(['no\nexist', 'tree'], /^permsnap: no\\012exist: cannot read the snapshot: no such file or directory\n$/);
  });

  it('refuses a snapshot that holds no path (an empty file, a gzip of nothing, stdin): trouble, not every path extra', () => {
    smallTree();
    fs.writeFileSync(path.join(dir, 'empty.facl'), '');
    fs.writeFileSync(path.join(dir, 'empty.facl.gz'), gzipSync(Buffer.alloc(0)));
    const message = /^permsnap: empty\.facl: the snapshot holds no path \(an empty file\?\), expected at least one block$/m;
    expectTrouble(['empty.facl', 'tree'], message);
    expectTrouble(['tree', 'empty.facl'], message);
    expectTrouble(['empty.facl.gz', 'tree'], /^permsnap: empty\.facl\.gz: the snapshot holds no path/m);
    expectTrouble(['-', 'tree'], /^permsnap: -: the snapshot holds no path/m, Buffer.alloc(0));
    expectUnknown(['empty.facl', 'tree'], /^empty\.facl: the snapshot holds no path/);
  });

  it('refuses usage errors with exit 2: stdin on both sides, an unknown --ignore field or format, a missing operand', () => {
    smallTree();
    snapshotFile(dir, ['tree'], 'healthy.facl');
    const input = fs.readFileSync(path.join(dir, 'healthy.facl'));
    for (const [args, message] of [
      [['-', '-'], /^permsnap: .*standard input/m],
      [['healthy.facl', 'tree', '--ignore', 'mode,colour'], /^permsnap: .*"colour"/m],
      [['healthy.facl', 'tree', '--format', 'xml'], /^permsnap: [^\n]*\n?.*"xml"/m],
      [['healthy.facl'], /^permsnap: /m],
    ] as const) {
      const r = diffCli([...args], { cwd: dir, input });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(r.stdout.length).toBe(0);
    }
  });

  it('says UNKNOWN (exit 3) on stdout for a usage error under --format nagios, as a monitoring plugin must', () => {
    smallTree();
    snapshotFile(dir, ['tree'], 'healthy.facl');
    for (const args of [['healthy.facl', '--format', 'nagios'], ['healthy.facl', 'tree', '--format=nagios', '--no-such-option']]) {
      const r = diffCli(args, { cwd: dir });
      expect(r.status, args.join(' ')).toBe(3);
      expect(latin1(r.stdout)).toMatch(/^PERMSNAP UNKNOWN - \S.*\n$/);
      expect(r.stderr).toMatch(/^permsnap: /m);
    }
  });
});

describe.skipIf(!restoreReady || !isRoot || !hasSetpriv)(`diff of paths it cannot read, run as nobody (needs root for setpriv; ${SKIP_REASON})`, () => {
  /** tree/secret is root's, mode 0700: nobody sees the directory but not its contents. */
  function secretTree(): void {
    fs.chmodSync(dir, 0o755);
    sh('mkdir -p tree/secret tree/open && touch tree/secret/inner tree/open/file && chmod 0700 tree/secret', dir);
  }

  const asNobody = (args: string[]): ReturnType<typeof runAsNobody> => runAsNobody(process.execPath, [CLI, 'diff', ...args], { cwd: dir });

  it('exits 2 naming an unreadable directory of a live side, and nagios UNKNOWN (3) when nothing else differs', () => {
    secretTree();
    // BEFORE as nobody sees it: without tree/secret/inner, so nothing but the problem differs.
    const seen = runAsNobody(process.execPath, [CLI, ...SNAPSHOT_FIXTURE, 'tree'], { cwd: dir });
    expect(seen.status).toBe(1);
    expect(latin1(seen.stdout)).not.toContain('tree/secret/inner');
    fs.writeFileSync(path.join(dir, 'seen.facl'), seen.stdout);
    fs.chmodSync(path.join(dir, 'seen.facl'), 0o644);
    for (const args of [['seen.facl', 'tree'], ['tree', 'seen.facl']]) {
      const r = asNobody(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^permsnap: tree\/secret: .*(EACCES|[Pp]ermission denied)/m);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(latin1(r.stdout)).toBe('0 modified, 0 missing, 0 extra\n');
      const nagios = asNobody([...args, '--format', 'nagios']);
      expect(nagios.status).toBe(3);
      // Not OK: what could not be read may differ.
      expect(latin1(nagios.stdout)).toMatch(/^PERMSNAP UNKNOWN - .*tree\/secret.* \| modified=0;;;0 missing=0;;;0 extra=0;;;0\n$/);
    }
  });

  it('still reports the differences it found (exit 2 with trouble; nagios CRITICAL, 2)', () => {
    secretTree();
    snapshotFile(dir, ['tree'], 'root.facl'); // root sees tree/secret/inner
    fs.chmodSync(path.join(dir, 'root.facl'), 0o644);
    const before = (fs.statSync(path.join(dir, 'tree/open/file')).mode & 0o7777).toString(8).padStart(4, '0');
    sh('chmod 0777 tree/open/file', dir);
    const r = asNobody(['root.facl', 'tree']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^permsnap: tree\/secret: /m);
    const text = latin1(r.stdout);
    expect(text.split('\n')).toContain(`modified  tree/open/file  mode ${before} -> 0777`);
    // What lies beneath the unreadable directory is unknown, not missing.
    expect(text).not.toContain('tree/secret/inner');
    expect(text.split('\n')[0]).toBe('1 modified, 0 missing, 0 extra');
    expect(r.stderr).toMatch(/^permsnap: 1 path\(s\) at or beneath paths that could not be read not compared$/m);
    const nagios = asNobody(['root.facl', 'tree', '--format', 'nagios']);
    expect(nagios.status).toBe(2);
    expect(latin1(nagios.stdout)).toMatch(/^PERMSNAP CRITICAL - 1 modified: /);
  });

  it('exits 2 when a snapshot operand cannot be read', () => {
    secretTree();
    snapshotFile(dir, ['tree'], 'private.facl');
    fs.chmodSync(path.join(dir, 'private.facl'), 0o600);
    const r = asNobody(['private.facl', 'tree']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^permsnap: private\.facl: cannot read the snapshot: permission denied$/m);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stdout.length).toBe(0);
  });
});
