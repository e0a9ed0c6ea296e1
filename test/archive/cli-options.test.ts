// The --from-tar option's wiring: exclusive with PATH operands and the walk-only options,
// documented in --help, -o written atomically, and per-member problems reported by name
// (exit 1) while the rest of the archive is printed.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latin1 } from '../helpers/facl-text.js';
import { makeTempDir, permsnap, removeTree, run } from '../helpers/tree.js';
import { hasGnuTar, snapshotOk } from './archive-kit.js';

let dir = '';
let archive = '';

describe.skipIf(!hasGnuTar)('snapshot --from-tar options (needs GNU tar)', () => {
  beforeAll(() => {
    dir = makeTempDir();
    fs.mkdirSync(path.join(dir, 'a'));
    fs.writeFileSync(path.join(dir, 'a', 'f'), 'x');
    fs.chmodSync(path.join(dir, 'a', 'f'), 0o4751);
    archive = path.join(dir, 'a.tar');
    expect(run('tar', ['-cf', archive, 'a'], { cwd: dir }).status).toBe(0);
  });
  afterAll(() => removeTree(dir));

  it('leaves an existing -o baseline as it was when no member is recorded (an empty archive, every member excluded): exit 1', () => {
    const empty = path.join(dir, 'empty.tar');
    expect(run('tar', ['-cf', empty, '-T', '/dev/null'], { cwd: dir }).status).toBe(0);
    const base = path.join(dir, 'base.facl');
    for (const [args, why] of [[['--from-tar', empty], ''], [['--from-tar', archive, '--exclude', 'a'], ' (--exclude left out 2)']] as const) {
      fs.writeFileSync(base, '# file: kept\n');
      const r = permsnap(['snapshot', ...args, '-o', base], { cwd: dir });
      expect([r.status, r.stderr]).toEqual([1, `permsnap: ${base}: not written: no member of the archive was recorded${why}\n`]);
      expect(fs.readFileSync(base, 'utf8')).toBe('# file: kept\n');
      expect(fs.readdirSync(dir).filter((n) => n.includes('base'))).toEqual(['base.facl']);
    }
    // To stdout too: `snapshot --from-tar x.tar > base.facl` in CI must not pass.
    const out = permsnap(['snapshot', '--from-tar', empty], { cwd: dir });
    expect([out.status, out.stdout.length, out.stderr]).toEqual([1, 0, 'permsnap: the snapshot is empty: no member of the archive was recorded\n']);
  });

  it('refuses PATH operands and the options that only mean something for a walk', () => {
    for (const [args, message] of [
      [['a'], '--from-tar reads the tree from ARCHIVE: give it without PATH operands'],
      [['--jobs', '2'], '--jobs applies to walking PATHs, not to --from-tar'],
      [['-L'], '--logical (-L) applies to walking PATHs, not to --from-tar'],
      [['--one-file-system'], '--one-file-system applies to walking PATHs, not to --from-tar'],
      [['--all-filesystems'], '--all-filesystems applies to walking PATHs, not to --from-tar'],
    ] as const) {
      const r = permsnap(['snapshot', '--from-tar', archive, ...args], { cwd: dir });
      expect(r.status).toBe(2);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr.split('\n')[0]).toBe(`permsnap: ${message}`);
    }
  });

  it('accepts -P, since symlinks in an archive are never followed anyway', () => {
    expect(snapshotOk(['--from-tar', archive, '-P'], dir)).toBe(snapshotOk(['--from-tar', archive], dir));
  });

  it('skips a hard link to a symlink (GNU tar stores `ln -P` of a symlink so), as it skips the symlink, and as the live walk does', () => {
    const h = path.join(dir, 'h');
    fs.mkdirSync(h);
    fs.writeFileSync(path.join(h, 'f'), '');
    fs.symlinkSync('f', path.join(h, 'sl'));
    fs.linkSync(path.join(h, 'sl'), path.join(h, 'hl'));
    expect(run('tar', ['-cf', 'h.tar', 'h'], { cwd: dir }).status).toBe(0);
    const fromTar = snapshotOk(['--from-tar', 'h.tar'], dir);
    expect(fromTar.match(/^# file: .*$/gm)).toEqual(['# file: h', '# file: h/f']);
  });

  it('explains --from-tar in the help', () => {
    const help = permsnap(['snapshot', '--help'], { cwd: dir }).stdout.toString();
    expect(help).toMatch(/--from-tar\s+Snapshot the tree inside a tar ARCHIVE instead of walking PATHs/);
    expect(help).toContain('"-" reads stdin');
  });

  it('writes -o atomically with the bytes it prints on stdout', () => {
    const out = path.join(dir, 'out.facl');
    const r = permsnap(['snapshot', '--quiet', '--from-tar', archive, '-o', out], { cwd: dir });
    expect(r.status).toBe(0);
    expect(latin1(fs.readFileSync(out))).toBe(snapshotOk(['--from-tar', archive], dir));
    expect(latin1(fs.readFileSync(out))).toContain('# file: a/f\n# owner: root\n# group: root\n# flags: s--\n');
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('reports a member it cannot read by name, prints the others and exits 1', () => {
    const bad = path.join(dir, 'dotdot.tar');
    // -P keeps the ".." that GNU tar would otherwise remove.
    expect(run('tar', ['-P', '-cf', bad, 'a/../a/f', 'a'], { cwd: dir }).status).toBe(0);
    const r = permsnap(['snapshot', '--from-tar', bad], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'permsnap: a/../a/f: member name with a ".." component; left out\n' +
        'permsnap: 1 member(s) of the archive could not be read; the snapshot lacks them\n',
    );
    expect(latin1(r.stdout).match(/^# file: .*$/gm)).toEqual(['# file: a', '# file: a/f']);
  });

  it('reports a member of a type it does not read (a GNU volume label) and prints the rest', () => {
    const labelled = path.join(dir, 'label.tar');
    expect(run('tar', ['-V', 'backup of a', '-cf', labelled, 'a'], { cwd: dir }).status).toBe(0);
    const r = permsnap(['snapshot', '--from-tar', labelled], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'permsnap: backup of a: member of a type permsnap does not read (a GNU volume label, old-style sparse file or incremental dump?); left out',
    );
    expect(latin1(r.stdout).match(/^# file: .*$/gm)).toEqual(['# file: a', '# file: a/f']);
  });
});
