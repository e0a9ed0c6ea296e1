// Archives where diff and restore take a snapshot: a tar archive (plain or compressed, a
// file, stdin or a pipe) is recognised by its content and read as the snapshot of the tree
// it holds; a gzip-compressed snapshot is still a snapshot. diff of an archive against the
// tree it was made from finds nothing, and after damage names exactly the damaged paths;
// restore from the archive brings the damaged tree back to what the real getfacl showed.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STACK_FRAME } from '../helpers/facl-text.js';
import { buildOddTree } from '../helpers/odd-tree.js';
import { capTree, faclTree, getfaclText, restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { CLI, hasCommand, makeTempDir, permsnap, removeTree, run, sh } from '../helpers/tree.js';
import { diffCli, kindsByPath, parseDiffJson, sortedEntries } from '../diff/diff-kit.js';
import { gnuTarCreate, hasCompressors, hasGnuTar, socketPaths } from './archive-kit.js';

const ready = restoreReady && hasGnuTar;
const NO_DIFFERENCES = '0 modified, 0 missing, 0 extra\n';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-archive-operands-');
});
afterEach(() => removeTree(dir));

/** The odd tree without its socket (tar does not archive sockets), and a GNU tar of it. */
function treeAndArchive(): string {
  buildOddTree(dir, 'tree', { privileged: true });
  for (const socket of socketPaths(dir, 'tree')) fs.rmSync(path.join(dir, socket));
  return gnuTarCreate('tree.tar', ['tree'], dir);
}

describe.skipIf(!ready)(`diff with a tar archive as an operand (${SKIP_REASON}, GNU tar)`, () => {
  it('finds no differences between an archive and the live tree it was made from, on either side and from stdin', () => {
    const archive = treeAndArchive();
    const pairs: Array<{ args: string[]; input?: Buffer }> = [
      { args: [archive, 'tree'] },
      { args: ['tree', 'tree.tar'] },
      { args: ['-', 'tree'], input: fs.readFileSync(archive) },
    ];
    if (hasCompressors) {
      // Compressed by content, whatever the name says.
      fs.writeFileSync(path.join(dir, 'gz-no-suffix'), gzipSync(fs.readFileSync(archive)));
      execFileSync('xz', ['-k', archive]);
      execFileSync('zstd', ['-q', '-k', archive]);
      pairs.push({ args: ['gz-no-suffix', 'tree'] }, { args: ['tree.tar.xz', 'tree'] }, { args: ['tree.tar.zst', 'tree'] });
    }
    for (const { args, input } of pairs) {
      const r = diffCli(args, { cwd: dir, input });
      expect(r.stderr, args.join(' ')).toBe('');
      expect([r.status, r.stdout.toString('latin1')], args.join(' ')).toEqual([0, NO_DIFFERENCES]);
    }
    // A pipe (process substitution) cannot be read twice: the bytes sniffed are replayed.
    const piped = run('bash', ['-c', '"$0" "$1" diff <(cat tree.tar) tree', process.execPath, CLI], { cwd: dir });
    expect([piped.status, piped.stdout.toString('latin1'), piped.stderr]).toEqual([0, NO_DIFFERENCES, '']);
  });

  it('reads a v7 archive (no ustar magic) as an archive, and an empty one as a snapshot of nothing, not as text with NUL bytes', () => {
    sh('mkdir -p v && touch v/f && chmod 640 v/f && tar --format=v7 -cf v7.tar v && tar -cf empty.tar -T /dev/null', dir);
    expect([diffCli(['v7.tar', 'v'], { cwd: dir }).status, diffCli(['v7.tar', 'v'], { cwd: dir }).stdout.toString()]).toEqual([0, NO_DIFFERENCES]);
    sh('chmod 777 v/f', dir);
    expect(restore(['v7.tar', '--no-undo'], { cwd: dir }).status).toBe(0);
    expect(fs.statSync(path.join(dir, 'v/f')).mode & 0o777).toBe(0o640);
    const empty = diffCli(['empty.tar', 'v'], { cwd: dir });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain('empty.tar: the snapshot holds no path');
    expect(empty.stderr).not.toContain('NUL byte');
  });

  it('after damage exits 1 and names exactly the damaged paths', () => {
    const archive = treeAndArchive();
    sh(
      'chmod 0777 tree/special/setuid && chown 4444:5555 tree/acls && setfacl -b tree/acls/named && ' +
        'setcap -r tree/kinds/with-capability && rm tree/special/none && touch tree/added',
      dir,
    );
    const r = diffCli(['--format', 'json', archive, 'tree'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(sortedEntries(kindsByPath(parseDiffJson(r.stdout)))).toEqual([
      ['tree/acls', 'modified'],
      ['tree/acls/named', 'modified'],
      ['tree/added', 'extra'],
      ['tree/kinds/with-capability', 'modified'],
      ['tree/special/none', 'missing'],
      ['tree/special/setuid', 'modified'],
    ]);
  });

  it('still reads a gzip-compressed snapshot as a snapshot, even one with "ustar " at offset 257', () => {
    treeAndArchive();
    const real = getfaclText(['-R', 'tree'], dir);
    fs.writeFileSync(path.join(dir, 'real.facl.gz'), gzipSync(Buffer.from(real, 'latin1')));
    // A name placed so that the gzip'd text has tar's magic where a tar header has it.
    const block = (p: string): string => `# file: ${p}\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\nother::r--\n\n`;
    const name = `${'n'.repeat(257 - `${block('tree/x')}# file: tree/`.length)}ustar `;
    fs.writeFileSync(path.join(dir, 'tree', name), '');
    fs.writeFileSync(path.join(dir, 'tree', 'x'), '');
    fs.chmodSync(path.join(dir, 'tree', 'x'), 0o644);
    fs.chmodSync(path.join(dir, 'tree', name), 0o644);
    const crafted = block('tree/x') + block(`tree/${name}`);
    expect(crafted.slice(257, 263)).toBe('ustar ');
    fs.writeFileSync(path.join(dir, 'crafted.gz'), gzipSync(Buffer.from(crafted, 'latin1')));
    const r = diffCli(['--format', 'json', 'real.facl.gz', 'tree'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(sortedEntries(kindsByPath(parseDiffJson(r.stdout)))).toEqual([[`tree/${name}`, 'extra'], ['tree/x', 'extra']]);
    const plain = diffCli(['crafted.gz', '-'], { cwd: dir, input: crafted });
    expect([plain.status, plain.stdout.toString('latin1'), plain.stderr]).toEqual([0, NO_DIFFERENCES, '']);
  });
});

describe.skipIf(!ready)(`restore from a tar archive (${SKIP_REASON}, GNU tar)`, () => {
  it('repairs a damaged tree to what getfacl -R and getcap -r showed before the damage', () => {
    const archive = treeAndArchive();
    const before = { facl: faclTree(dir), caps: capTree(dir) };
    expect(before.caps.length).toBeGreaterThan(0);
    sh('chmod -R a+rwx tree 2>/dev/null; chown -R 1000:1000 tree; setfacl -R -b tree 2>/dev/null; setcap -r tree/kinds/with-capability 2>/dev/null; true', dir);
    expect(faclTree(dir)).not.toEqual(before.facl);
    const r = restore([archive, '--root', dir, '--no-undo'], { cwd: dir });
    expect(r.stderr).toMatch(/path\(s\) changed/);
    expect(r.status).toBe(0);
    expect(sortedEntries(faclTree(dir))).toEqual(sortedEntries(before.facl));
    expect(capTree(dir)).toEqual(before.caps);
    const again = restore([archive, '--root', dir, '--no-undo', '--dry-run'], { cwd: dir });
    expect(again.stderr).toMatch(/dry run: 0 path\(s\) would change/);
  });

  it("takes the archive's ids for owner and group names this host does not know, as tar -x does", () => {
    sh('mkdir -p g && touch g/f && chmod 640 g/f && tar --owner=ghostuser:7777 --group=ghostgrp:8888 -cf ghost.tar g && chown -R 0:0 g', dir);
    sh('mkdir x && tar -xpf ghost.tar -C x', dir);
    const r = restore([path.join(dir, 'ghost.tar'), '--root', dir, '--no-undo'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    for (const p of ['g', 'g/f']) {
      const ours = fs.statSync(path.join(dir, p));
      const tars = fs.statSync(path.join(dir, 'x', p));
      expect([ours.uid, ours.gid], p).toEqual([tars.uid, tars.gid]);
      expect([ours.uid, ours.gid], p).toEqual([7777, 8888]);
    }
  });

  it('reads owner and group names that are not UTF-8 as their bytes, from a GNU header as from a pax record', () => {
    const names = `--owner="$(printf 'us\\377er'):4242" --group="$(printf 'gr\\376p'):4343"`;
    sh(`mkdir -p n && touch n/f && tar ${names} -cf gnu.tar n && tar --format=pax ${names} -cf pax.tar n`, dir);
    for (const archive of ['gnu.tar', 'pax.tar']) {
      const r = run(process.execPath, [CLI, 'snapshot', '--from-tar', path.join(dir, archive)], { cwd: dir });
      expect(r.status, archive).toBe(0);
      const text = r.stdout.toString('latin1');
      expect(text, archive).toContain('# file: n/f\n# owner: us\xffer\n# group: gr\xfep\n');
    }
  });

  it('refuses a truncated archive before changing anything (exit 2, one line)', () => {
    const archive = treeAndArchive();
    const cut = path.join(dir, 'cut.tar');
    fs.writeFileSync(cut, fs.readFileSync(archive).subarray(0, 8192));
    sh('chmod 0777 tree/special/setuid', dir);
    const damaged = faclTree(dir);
    const r = restore([cut, '--root', dir, '--no-undo'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).toMatch(new RegExp(`^permsnap: ${cut}: truncated archive: [^\\n]*\\n$`));
    expect(faclTree(dir)).toEqual(damaged);
  });
});

describe.skipIf(!hasCommand('xz'))('operands that are neither snapshot nor archive (needs xz)', () => {
  it('says xz data that holds no tar is not an operand permsnap reads (exit 2)', () => {
    const file = path.join(dir, 'notes.xz');
    fs.writeFileSync(file, execFileSync('xz', ['-c'], { input: 'some notes\n'.repeat(100) }));
    const r = permsnap(['diff', file, file], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`permsnap: ${file}: xz data that is not a tar archive, expected a snapshot (plain or gzip), a tar archive or a .deb\n`);
  });

  it('says an intact xz file smaller than a tar header is not a tar archive, not that it is corrupt (exit 2)', () => {
    const file = path.join(dir, 'small.xz');
    fs.writeFileSync(file, execFileSync('xz', ['-c'], { input: '# file: a\nuser::rw-\ngroup::r--\nother::r--\n\n' }));
    const r = permsnap(['diff', file, file], { cwd: dir });
    expect([r.status, r.stderr]).toEqual([2, `permsnap: ${file}: xz data that is not a tar archive, expected a snapshot (plain or gzip), a tar archive or a .deb\n`]);
  });

  it('says an xz archive cut before its first tar header is corrupt or truncated, not another kind of data (exit 2)', () => {
    fs.mkdirSync(path.join(dir, 't'));
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(dir, 't', `f${i}`), `${i}\n`);
    const whole = execFileSync('xz', ['-c'], { input: execFileSync('tar', ['-cf', '-', 't'], { cwd: dir }) });
    const cut = path.join(dir, 'cut.tar.xz');
    fs.writeFileSync(cut, whole.subarray(0, 100));
    const r = permsnap(['diff', cut, path.join(dir, 't')], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^permsnap: ${cut}: corrupt or truncated xz data: it inflates to \\d+ byte\\(s\\), less than a tar header, expected a tar archive\\n$`));
  });
});
