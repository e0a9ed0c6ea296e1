// `snapshot --from-tar` of an archive made by the real GNU tar and bsdtar must print what
// `permsnap snapshot` prints for the tree the archive was made from, run in the tree's
// parent: odd names, special bits, foreign and unnamed owners, named and numeric ACL
// entries, default ACLs, capabilities, devices, FIFOs, hard links, deep paths.
// The one intended difference: tar does not archive sockets, so their blocks are removed
// from the live side (and the end marker's count is checked on each side on its own).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aclReady, latin1 } from '../helpers/facl-text.js';
import { buildOddTree } from '../helpers/odd-tree.js';
import { hasCapTools, isRoot, makeTempDir, permsnap, removeTree, run } from '../helpers/tree.js';
import { bsdtarCreate, fileOf, gnuTarCreate, hasBsdtar, hasGnuTar, markerCount, snapshotOk, socketPaths, unmarkedBlocks } from './archive-kit.js';

const ready = isRoot && aclReady && hasCapTools && hasGnuTar && hasBsdtar;

let dir = '';
let sockets: string[] = [];
const archives: Record<'gnu' | 'bsd', string> = { gnu: '', bsd: '' };

/** The live snapshot's blocks minus the sockets tar leaves out, and its marker count. */
function liveBlocks(args: string[], cwd = dir, rel = 'tree'): string[] {
  const text = snapshotOk([...args, rel], cwd);
  if (!args.includes('--compat') && !args.includes('--format')) expect(markerCount(text)).toBe(unmarkedBlocks(text).length);
  return unmarkedBlocks(text).filter((block) => !sockets.includes(fileOf(block)));
}

function archiveBlocks(archive: string, args: string[], cwd = dir): string[] {
  const text = snapshotOk(['--from-tar', archive, ...args], cwd);
  if (!args.includes('--compat') && !args.includes('--format')) expect(markerCount(text)).toBe(unmarkedBlocks(text).length);
  return unmarkedBlocks(text);
}

describe.skipIf(!ready)('--from-tar against the live snapshot of the same tree (needs root, ACLs, setcap, GNU tar and bsdtar)', () => {
  beforeAll(() => {
    dir = makeTempDir();
    const root = buildOddTree(dir, 'tree', { privileged: true });
    // A hard-linked file with an ACL and a capability: tar stores them on one of the two
    // members only, the other is a link member that must get them from its target.
    const linked = path.join(root, 'kinds', 'file');
    execFileSync('setfacl', ['-m', 'u:bin:rw,g:adm:r', linked]);
    execFileSync('setcap', ['cap_sys_time=ep', linked]);
    sockets = socketPaths(dir, 'tree');
    expect(sockets).toEqual(['tree/kinds/socket']);
    archives.gnu = gnuTarCreate('gnu.tar', ['tree'], dir);
    archives.bsd = bsdtarCreate('bsd.tar', ['tree'], dir);
  });
  afterAll(() => removeTree(dir));

  for (const maker of ['gnu', 'bsd'] as const) {
    it(`prints the live tree's blocks in sorted order for a ${maker} archive`, () => {
      const live = liveBlocks(['--sort']);
      const fromArchive = archiveBlocks(archives[maker], ['--sort']);
      expect(fromArchive.length).toBeGreaterThan(80);
      expect(fromArchive).toEqual(live);
    });

    it(`prints the same set of blocks in archive order for a ${maker} archive`, () => {
      const live = liveBlocks([]);
      const fromArchive = archiveBlocks(archives[maker], []);
      expect([...fromArchive].sort()).toEqual([...live].sort());
    });

    it(`matches with numeric ids (-n), JSON Lines and --compat for a ${maker} archive`, () => {
      for (const args of [['-n'], ['--format', 'json'], ['--compat'], ['-n', '--format', 'json']]) {
        const live = liveBlocks(['--sort', ...args]);
        const fromArchive = archiveBlocks(archives[maker], ['--sort', ...args]);
        const isJson = args.includes('json');
        // JSON has one line per path: the socket is a line there, not a block.
        const liveLines = isJson ? live.join('\n').split('\n').filter((l) => !l.includes('"tree/kinds/socket"')) : live;
        expect(isJson ? fromArchive.join('\n').split('\n') : fromArchive).toEqual(liveLines);
      }
    });

    it(`gives a hard link its target's ACL and capability for a ${maker} archive`, () => {
      const blocks = new Map(archiveBlocks(archives[maker], ['--sort']).map((b) => [fileOf(b), b]));
      for (const name of ['tree/kinds/file', 'tree/kinds/hardlink']) {
        expect(blocks.get(name)).toContain('# capability: cap_sys_time=ep');
        expect(blocks.get(name)).toContain('user:bin:rw-');
      }
    });
  }

  it('takes a member appended for a path (tar -r) as what that path now is, also for the hard links that name it, as tar extracts it', () => {
    const w = path.join(dir, 'appended');
    fs.mkdirSync(path.join(w, 'src'), { recursive: true });
    const src = (name: string): string => path.join(w, 'src', name);
    const tar = (args: string[]): void => void execFileSync('tar', ['--acls', '--xattrs', '--xattrs-include=*', '--format=posix', '-C', path.join(w, 'src'), ...args]);
    // f with an ACL and a capability, then f again without them and a hard link g to it.
    fs.writeFileSync(src('f'), 'a');
    execFileSync('setfacl', ['-m', 'u:1234:rwx', src('f')]);
    execFileSync('setcap', ['cap_chown=ep', src('f')]);
    tar(['-cf', path.join(w, 'a.tar'), './f']);
    execFileSync('setfacl', ['-b', src('f')]);
    execFileSync('setcap', ['-r', src('f')]);
    fs.chmodSync(src('f'), 0o640);
    fs.linkSync(src('f'), src('g'));
    tar(['-rf', path.join(w, 'a.tar'), './f', './g']);
    // s a symlink, then s a file and a hard link t to it.
    fs.symlinkSync('f', src('s'));
    tar(['-cf', path.join(w, 'b.tar'), './s']);
    fs.rmSync(src('s'));
    fs.writeFileSync(src('s'), 'b');
    fs.linkSync(src('s'), src('t'));
    tar(['-rf', path.join(w, 'b.tar'), './s', './t']);

    const g = archiveBlocks(path.join(w, 'a.tar'), [], w).find((b) => fileOf(b) === 'g');
    expect(g).toBe('# file: g\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\nother::---');
    expect(archiveBlocks(path.join(w, 'b.tar'), [], w).map(fileOf)).toEqual(['s', 't']);
  });

  it('GNU tar stores the hard link as a link member without ACL records, so the target lookup is what is tested', () => {
    const listing = latin1(run('tar', ['-tvf', archives.gnu], { cwd: dir }).stdout);
    expect(listing).toMatch(/^h.*tree\/kinds\/(file|hardlink) link to tree\/kinds\/(hardlink|file)$/m);
  });

  it('reads capabilities from GNU tar\'s raw binary xattr records and bsdtar\'s base64 ones', () => {
    for (const archive of [archives.gnu, archives.bsd]) {
      const blocks = new Map(archiveBlocks(archive, ['--sort']).map((b) => [fileOf(b), b]));
      expect(blocks.get('tree/kinds/with-capability')).toContain('# capability: cap_net_admin,cap_net_raw=ep');
    }
    const raw = fs.readFileSync(archives.gnu);
    expect(raw.includes(Buffer.from('SCHILY.xattr.security.capability='))).toBe(true);
    expect(fs.readFileSync(archives.bsd).includes(Buffer.from('LIBARCHIVE.xattr.security.capability='))).toBe(true);
  });

  it('prints the paths getfacl -R . prints for an archive of "." made in the tree', () => {
    const tree = path.join(dir, 'tree');
    const dot = gnuTarCreate(path.join(dir, 'dot.tar'), ['.'], tree);
    const bsdDot = bsdtarCreate(path.join(dir, 'bsd-dot.tar'), ['.'], tree);
    const saved = sockets;
    sockets = ['kinds/socket'];
    try {
      const live = liveBlocks(['--sort'], tree, '.');
      expect(live[0]).toMatch(/^# file: \.\n/);
      expect(archiveBlocks(dot, ['--sort'], tree)).toEqual(live);
      expect(archiveBlocks(bsdDot, ['--sort'], tree)).toEqual(live);
    } finally {
      sockets = saved;
    }
  });

  it('leaves out excluded paths and what is beneath them, as the live snapshot does', () => {
    const args = ['--sort', '--exclude', 'acls', '--exclude', 'tree/deep/level0/level1', '--exclude', '*.bin'];
    const fromArchive = archiveBlocks(archives.gnu, args);
    expect(fromArchive.some((b) => fileOf(b).startsWith('tree/acls'))).toBe(false);
    expect(fromArchive.some((b) => fileOf(b) === 'tree/deep/level0')).toBe(true);
    expect(fromArchive).toEqual(liveBlocks(args));
  });

  it('strips the leading "/" of an archive made with tar -P, saying so once, as the live snapshot does', () => {
    const abs = gnuTarCreate('abs.tar', ['-P', path.join(dir, 'tree', 'special')], dir);
    const live = permsnap(['snapshot', '--sort', path.join(dir, 'tree', 'special')], { cwd: dir });
    const fromArchive = permsnap(['snapshot', '--sort', '--from-tar', abs], { cwd: dir });
    expect(fromArchive.status).toBe(0);
    expect(fromArchive.stderr).toBe("permsnap: Removing leading '/' from absolute path names\n");
    expect(fromArchive.stderr).toBe(live.stderr);
    expect(latin1(fromArchive.stdout)).toBe(latin1(live.stdout));
    expect(latin1(fromArchive.stdout)).toContain(`# file: ${path.join(dir, 'tree', 'special').slice(1)}\n`);
  });

  it('skips base-only files with -s and keeps the rest, as the live snapshot does', () => {
    const fromArchive = archiveBlocks(archives.bsd, ['--sort', '-s']);
    expect(fromArchive.length).toBeGreaterThan(3);
    expect(fromArchive.every((b) => b.includes('mask::') || b.includes('default:'))).toBe(true);
    expect(fromArchive).toEqual(liveBlocks(['--sort', '-s']));
  });
});
