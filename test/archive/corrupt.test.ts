// A corrupt or truncated archive is never a shorter snapshot: exit 2, one clear line
// `permsnap: ARCHIVE: <what is wrong>`, nothing on stdout's behalf in an -o file (the old
// file stays as it was, no temp file is left), and no stack trace.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STACK_FRAME } from '../helpers/facl-text.js';
import { makeTempDir, permsnap, removeTree, run } from '../helpers/tree.js';
import { gnuTarCreate, hasCompressors, hasGnuTar, snapshotOk } from './archive-kit.js';

let dir = '';
let archive = '';
let bytes = Buffer.alloc(0);
/** GNU tar's block numbers (`tar -tvR`): where each member's header starts, and the end marker. */
let blocks: Array<{ block: number; text: string }> = [];
const OLD = '# an older snapshot\n';

function write(name: string, data: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return file;
}

/** Runs --from-tar FILE -o out.facl over an existing out.facl; checks everything but the message. */
function fails(file: string, extra: string[] = []): string {
  const out = path.join(dir, 'out', 'out.facl');
  fs.writeFileSync(out, OLD);
  const r = permsnap(['snapshot', '--from-tar', file, '-o', out, ...extra], { cwd: dir });
  expect(r.status).toBe(2);
  expect(r.stdout.length).toBe(0);
  expect(fs.readFileSync(out, 'utf8')).toBe(OLD);
  expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['out.facl']);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stderr.split('\n')).toHaveLength(2);
  return r.stderr;
}

describe.skipIf(!hasGnuTar)('corrupt and truncated archives (needs GNU tar)', () => {
  beforeAll(() => {
    dir = makeTempDir();
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    fs.writeFileSync(path.join(tree, 'small'), 'x');
    // Incompressible, so a cut in the middle of the compressed file is a cut in its data.
    fs.writeFileSync(path.join(tree, 'big'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)));
    fs.writeFileSync(path.join(tree, 'last'), 'y');
    archive = gnuTarCreate('good.tar', ['tree/small', 'tree/big', 'tree/last'], dir);
    bytes = fs.readFileSync(archive);
    blocks = run('tar', ['-tvR', '-f', archive]).stdout.toString().trim().split('\n').map((line) => {
      const m = /^block (\d+): (.*)$/.exec(line);
      if (!m) throw new Error(`unexpected tar -tvR line: ${line}`);
      return { block: Number(m[1]), text: m[2] as string };
    });
    expect(blocks.map((b) => b.text.split(' ').at(-1))).toEqual(['tree/small', 'tree/big', 'tree/last', '**']);
    fs.mkdirSync(path.join(dir, 'out'));
  });
  afterAll(() => removeTree(dir));
  beforeEach(() => {
    // The intact archive works, so each failure below is the damage's doing.
    expect(snapshotOk(['--from-tar', archive], dir)).toContain('# file: tree/last\n');
  });

  it('refuses an archive cut inside a header', () => {
    const file = write('cut-header.tar', bytes.subarray(0, 512 * blocks[1]!.block + 100));
    expect(fails(file)).toBe(`permsnap: ${file}: truncated archive: the data ends within or just after member 1 ("tree/small")\n`);
  });

  it('refuses an archive cut inside a member\'s data', () => {
    const file = write('cut-data.tar', bytes.subarray(0, 512 * (blocks[1]!.block + 10)));
    expect(fails(file)).toBe(`permsnap: ${file}: truncated archive: the data ends within or just after member 2 ("tree/big")\n`);
  });

  it('refuses an archive cut between two members (tar-stream alone would accept it)', () => {
    const file = write('cut-boundary.tar', bytes.subarray(0, 512 * blocks[2]!.block));
    expect(fails(file)).toBe(`permsnap: ${file}: truncated archive: no end-of-archive marker after member 2 ("tree/big")\n`);
  });

  it('refuses an archive whose end-of-archive marker is missing', () => {
    const file = write('no-end.tar', bytes.subarray(0, 512 * blocks[3]!.block));
    expect(fails(file)).toBe(`permsnap: ${file}: truncated archive: no end-of-archive marker after member 3 ("tree/last")\n`);
  });

  it('reads nothing after the end-of-archive marker, as GNU tar: a second archive appended, junk', () => {
    const other = gnuTarCreate('other.tar', ['tree/small'], dir);
    for (const [name, tail] of [['appended.tar', fs.readFileSync(other)], ['junk.tar', Buffer.from('junk\n')]] as const) {
      const file = write(name, Buffer.concat([bytes, tail]));
      expect(run('tar', ['-tf', file]).stdout.toString().trim().split('\n')).toEqual(['tree/small', 'tree/big', 'tree/last']);
      expect(snapshotOk(['--from-tar', file], dir)).toBe(snapshotOk(['--from-tar', archive], dir));
    }
  });

  it('refuses a header whose checksum does not match', () => {
    const damaged = Buffer.from(bytes);
    damaged[512 * blocks[1]!.block + 5] ^= 0x20;
    const file = write('bad-checksum.tar', damaged);
    expect(fails(file)).toBe(`permsnap: ${file}: corrupt tar header (bad checksum) after member 1 ("tree/small")\n`);
  });

  it('refuses what is not a tar archive, empty input and stdin alike', () => {
    const text = write('notes.tar', Buffer.from('hello, I am not an archive\n'.repeat(40)));
    expect(fails(text)).toBe(`permsnap: ${text}: not a tar archive (bad header checksum at the start)\n`);
    const short = write('short.tar', Buffer.from('hello\n'));
    expect(fails(short)).toBe(`permsnap: ${short}: not a tar archive: 6 bytes, less than one 512-byte header\n`);
    const empty = write('empty.tar', Buffer.alloc(0));
    expect(fails(empty)).toBe(`permsnap: ${empty}: empty input, expected a tar archive\n`);
    // 700 bytes: inside the first member's PAX header (GNU tar writes POSIX format with --acls).
    const r = permsnap(['snapshot', '--from-tar', '-'], { cwd: dir, input: bytes.subarray(0, 700) });
    expect(r.status).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toBe('permsnap: -: truncated archive: the data ends within the first member\n');
  });

  it('says why an archive cannot be opened', () => {
    const missing = path.join(dir, 'missing.tar');
    expect(fails(missing)).toBe(`permsnap: ${missing}: cannot open: no such file or directory\n`);
    expect(fails(dir)).toBe(`permsnap: ${dir}: cannot open: is a directory\n`);
  });

  describe.skipIf(!hasCompressors)('compressed (needs gzip, xz, zstd)', () => {
    const compressed = (command: string, args: string[]): Buffer => execFileSync(command, [...args, archive], { maxBuffer: 1 << 26 });

    it('refuses truncated gzip, xz and zstd streams, naming the compression', () => {
      const expected: Array<[string, Buffer, string]> = [
        ['gz', compressed('gzip', ['-c']), 'corrupt gzip data: unexpected end of file'],
        ['xz', compressed('xz', ['-c']), 'corrupt xz data: unexpected end of input (truncated?)'],
        ['zst', compressed('zstd', ['-q', '-c']), 'corrupt zstd data: unexpected EOF'],
      ];
      for (const [ext, data, message] of expected) {
        for (const keep of [Math.floor(data.length / 2), data.length - 4]) {
          const file = write(`cut-${keep}.tar.${ext}`, data.subarray(0, keep));
          expect(fails(file)).toBe(`permsnap: ${file}: ${message}\n`);
        }
      }
    });

    it('refuses gzip and xz streams whose integrity check fails', () => {
      for (const [ext, data, message] of [
        ['gz', compressed('gzip', ['-c']), 'corrupt gzip data: incorrect data check'],
        ['xz', compressed('xz', ['-c']), 'corrupt xz data: the compressed data is corrupt (integrity check failed)'],
      ] as const) {
        const damaged = Buffer.from(data);
        damaged[Math.floor(damaged.length / 2)] ^= 0xff;
        const file = write(`damaged.tar.${ext}`, damaged);
        expect(fails(file)).toBe(`permsnap: ${file}: ${message}\n`);
      }
    });

    it('refuses a compressed stream that is cut at a member boundary inside', () => {
      const cut = write('cut-boundary-inner.tar', bytes.subarray(0, 512 * blocks[2]!.block));
      const file = write('cut-boundary.tar.zst', execFileSync('zstd', ['-q', '-c', cut]));
      expect(fails(file)).toBe(`permsnap: ${file}: truncated archive: no end-of-archive marker after member 2 ("tree/big")\n`);
    });
  });
});
