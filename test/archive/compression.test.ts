// --from-tar recognises compression by content, never by name: the same archive, plain or
// compressed with gzip, xz or zstd, under names that say otherwise, from a file or from
// stdin, gives the same snapshot. Formats it cannot read are named in a clear error.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aclReady, latin1 } from '../helpers/facl-text.js';
import { buildOddTree } from '../helpers/odd-tree.js';
import { hasCommand, makeTempDir, permsnap, removeTree } from '../helpers/tree.js';
import { gnuTarCreate, hasCompressors, hasGnuTar, snapshotOk } from './archive-kit.js';

let dir = '';
let plain = '';
let expected = '';

/** Compressor command lines, and a misleading name for each result. */
const COMPRESSIONS: Array<[string, string[], string]> = [
  ['gzip', ['gzip', '-c'], 'archive.tar'],
  ['xz', ['xz', '-c', '-T1'], 'archive.tar.gz'],
  ['zstd', ['zstd', '-q', '-c'], 'archive.tgz'],
  // zstd with several frames (what `zstd -T2 --rsyncable` or concatenation gives).
  ['zstd, two frames', ['sh', '-c', 'head -c 20480 "$0" | zstd -q -c; tail -c +20481 "$0" | zstd -q -c'], 'frames.tar.xz'],
  ['gzip, two members', ['sh', '-c', 'head -c 20480 "$0" | gzip -c; tail -c +20481 "$0" | gzip -c'], 'members.tar'],
  // zstd that begins with a skippable frame, as pzstd writes it (printf: its magic 0x184D2A50 and a 4-byte payload).
  ['zstd after a skippable frame', ['sh', '-c', "printf 'P*M\\030\\004\\000\\000\\000abcd'; zstd -q -c \"$0\""], 'skippable.tar'],
];

function compress(command: string[], name: string): string {
  const target = path.join(dir, name);
  fs.writeFileSync(target, execFileSync(command[0] as string, [...command.slice(1), plain], { maxBuffer: 1 << 28 }));
  return target;
}

describe.skipIf(!aclReady || !hasGnuTar || !hasCompressors)('--from-tar compression by content (needs ACLs, GNU tar, gzip, xz, zstd)', () => {
  beforeAll(() => {
    dir = makeTempDir();
    buildOddTree(dir, 'tree');
    plain = gnuTarCreate('plain.tar.zst', ['tree'], dir);
    expected = snapshotOk(['--from-tar', plain], dir);
    // The plain archive's snapshot is a real one: it has the tree's ACL entries and odd names.
    expect(expected).toContain('# file: tree/acls/named\n');
    expect(expected).toContain('# file: tree/odd/new\\012line\n');
  });
  afterAll(() => removeTree(dir));

  for (const [label, command, name] of COMPRESSIONS) {
    it(`reads ${label} data named ${name} from a file and from stdin`, () => {
      const archive = compress(command, name);
      expect(fs.readFileSync(archive).equals(fs.readFileSync(plain))).toBe(false);
      expect(snapshotOk(['--from-tar', archive], dir)).toBe(expected);
      const piped = permsnap(['snapshot', '--quiet', '--from-tar', '-'], { cwd: dir, input: fs.readFileSync(archive) });
      expect(piped.stderr).toBe('');
      expect(piped.status).toBe(0);
      expect(latin1(piped.stdout)).toBe(expected);
    });
  }

  it('reads a plain archive from stdin', () => {
    const piped = permsnap(['snapshot', '--quiet', '--from-tar', '-'], { cwd: dir, input: fs.readFileSync(plain) });
    expect(piped.status).toBe(0);
    expect(latin1(piped.stdout)).toBe(expected);
  });

  it.skipIf(!hasCommand('bzip2'))('names bzip2 data as unsupported instead of calling it a corrupt tar (needs bzip2)', () => {
    const archive = compress(['bzip2', '-c'], 'archive.tar.bz2');
    const r = permsnap(['snapshot', '--from-tar', archive], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toBe(`permsnap: ${archive}: bzip2 data is not supported, expected a tar archive, plain or compressed with gzip, xz or zstd\n`);
  });
});
