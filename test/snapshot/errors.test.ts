// Bad input and hard trees (issue 2 "Bad input", contracts.md exit codes): missing paths,
// usage errors, unreadable directories, over-long paths, --one-file-system, paths on stdin.
// Wherever getfacl has the same situation, the real getfacl (run the same way) is the oracle.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclReady, filePaths, hasSetpriv, latin1, runAsNobody, STACK_FRAME, stripMarkers, tryMount, unmount } from '../helpers/facl-text.js';
import { CLI, getfacl, hasCommand, isRoot, makeTempDir, permsnap, removeTree, run, sh, type Run } from '../helpers/tree.js';

const hasScript = hasCommand('script');
const hasPrlimit = hasCommand('prlimit');

/** /proc/1/map_files opens but refuses to be read (EACCES from getdents) on this kernel. */
const mapFilesRefused = ((): boolean => {
  try {
    fs.readdirSync('/proc/1/map_files');
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES';
  }
})();

let dir = '';
const mounts: string[] = [];
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  for (const m of mounts.splice(0).reverse()) unmount(m);
  // rm copes with paths longer than PATH_MAX (the long-path test); fs.rmSync does not.
  spawnSync('rm', ['-rf', '--one-file-system', dir]);
  removeTree(dir);
});

const asPermsnap = (getfaclStderr: string): string => getfaclStderr.replaceAll('getfacl: ', 'permsnap: ');

/** --compat must equal getfacl byte for byte, stderr included (with permsnap's name). */
function expectSameAsGetfacl(ours: Run, theirs: Run): void {
  expect(latin1(ours.stdout)).toBe(latin1(theirs.stdout));
  expect(ours.stderr).toBe(asPermsnap(theirs.stderr));
  expect(ours.status).toBe(theirs.status);
}

/** Default output: getfacl's blocks plus the markers; getfacl's errors among permsnap's notices. */
function expectDefaultLikeGetfacl(ours: Run, theirs: Run): void {
  expect(stripMarkers(latin1(ours.stdout))).toBe(latin1(theirs.stdout));
  expect(ours.status).toBe(theirs.status);
  for (const line of asPermsnap(theirs.stderr).split('\n').filter((l) => l !== '')) expect(ours.stderr).toContain(`${line}\n`);
  expect(ours.stderr).not.toMatch(STACK_FRAME);
}

function smallTree(): void {
  fs.mkdirSync(path.join(dir, 'tree', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tree', 'file'), '');
  fs.writeFileSync(path.join(dir, 'tree', 'sub', 'inner'), '');
}

describe.skipIf(!aclReady)('snapshot on bad input (needs getfacl and ACLs on the temp filesystem)', () => {
  it('reports a missing PATH as "permsnap: X: No such file or directory", prints the other PATHs and exits 1', () => {
    smallTree();
    const args = ['tree/file', 'missing', 'tree/sub', 'tree/also/missing'];
    const ours = permsnap(['snapshot', ...args], { cwd: dir });
    const theirs = getfacl(['-R', ...args], { cwd: dir });
    expect(ours.stderr.split('\n')).toContain('permsnap: missing: No such file or directory');
    expect(ours.stderr.split('\n')).toContain('permsnap: tree/also/missing: No such file or directory');
    expect(filePaths(latin1(ours.stdout))).toEqual(['tree/file', 'tree/sub', 'tree/sub/inner']);
    expect(ours.status).toBe(1);
    expectDefaultLikeGetfacl(ours, theirs);
    expectSameAsGetfacl(permsnap(['snapshot', '--compat', ...args], { cwd: dir }), theirs);
  });

  it('prints usage on stderr and exits 2 without a stack trace for an unknown option or command', () => {
    smallTree();
    for (const args of [['snapshot', '--bogus', 'tree'], ['snapshot', '-Z', 'tree'], ['frobnicate', 'tree']]) {
      const r = permsnap(args, { cwd: dir });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout.length, args.join(' ')).toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/^permsnap: /);
      expect(r.stderr, args.join(' ')).toContain('permsnap snapshot'); // the usage text
      // A command's usage error ends with its synopsis and a pointer to --help, not the whole help.
      if (args[0] === 'snapshot') expect(r.stderr.split('\n').slice(1).join('\n')).toBe("Usage: permsnap snapshot [paths..]\nTry 'permsnap snapshot --help' for more information.\n");
      expect(r.stderr, args.join(' ')).not.toMatch(STACK_FRAME);
    }
    expect(permsnap(['snapshot', '--bogus', 'tree'], { cwd: dir }).stderr).toContain('bogus');
  });

  it('takes -h for help and -v for the version, as getfacl does (exit 0, on stdout), bundled short options too', () => {
    smallTree();
    for (const args of [['snapshot', '-h'], ['snapshot', '-dah', 'tree'], ['-h']]) {
      const ours = permsnap(args, { cwd: dir });
      const theirs = getfacl(args.slice(args[0] === 'snapshot' ? 1 : 0), { cwd: dir });
      expect([ours.status, theirs.status], args.join(' ')).toEqual([0, 0]);
      expect(latin1(ours.stdout), args.join(' ')).toContain('Show help');
      expect(latin1(theirs.stdout), args.join(' ')).toContain('Usage: getfacl');
      expect(ours.stderr, args.join(' ')).toBe('');
    }
    // The tool's own help teaches the three commands by example.
    const top = latin1(permsnap(['--help'], { cwd: dir }).stdout);
    for (const command of ['snapshot /etc -o etc.facl', 'diff etc.facl /etc', 'restore etc.facl --root / --dry-run']) expect(top).toContain(`permsnap ${command}`);
    const version = permsnap(['snapshot', '-v'], { cwd: dir });
    expect([version.status, latin1(version.stdout).trim()]).toEqual([0, JSON.parse(fs.readFileSync(path.join(path.dirname(CLI), '..', 'package.json'), 'utf8')).version]);
  });

  it('refuses --jobs 0 (and other non-positive or non-integer counts) with exit 2 and a message naming --jobs', () => {
    smallTree();
    for (const value of ['0', '-1', '1.5', 'abc']) {
      const r = permsnap(['snapshot', '--jobs', value, 'tree'], { cwd: dir });
      expect(r.status, value).toBe(2);
      expect(r.stdout.length, value).toBe(0);
      expect(r.stderr.split('\n')[0], value).toMatch(/^permsnap: .*--jobs/);
      expect(r.stderr, value).not.toMatch(STACK_FRAME);
    }
    expect(permsnap(['snapshot', '-j', '0', 'tree'], { cwd: dir }).status).toBe(2);
  });

  it.skipIf(!isRoot || !hasSetpriv)('prints an unreadable directory\'s own block, reports it and goes on, like getfacl, as nobody (needs root and setpriv)', () => {
    fs.chmodSync(dir, 0o755);
    smallTree();
    for (const [name, mode] of [['locked', 0o000], ['listable-only', 0o644], ['searchable-only', 0o311]] as const) {
      const d = path.join(dir, 'tree', name);
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'secret'), '');
      fs.mkdirSync(path.join(d, 'subdir'));
      fs.chmodSync(d, mode);
    }
    fs.writeFileSync(path.join(dir, 'tree', 'zz-after'), '');
    const theirs = runAsNobody('getfacl', ['-R', 'tree'], { cwd: dir });
    expect(theirs.status).toBe(1);
    expect(theirs.stderr).toContain('getfacl: tree/locked: Permission denied');
    expect(filePaths(latin1(theirs.stdout))).toContain('tree/locked');
    const compat = runAsNobody(process.execPath, [CLI, 'snapshot', '--compat', 'tree'], { cwd: dir });
    expectSameAsGetfacl(compat, theirs);
    for (const jobs of ['1', '3']) {
      const ours = runAsNobody(process.execPath, [CLI, 'snapshot', '--jobs', jobs, 'tree'], { cwd: dir });
      expectDefaultLikeGetfacl(ours, theirs);
    }
  });

  it('treats paths of more than 4095 bytes as getfacl does (ENAMETOOLONG naming the parent, walk goes on)', () => {
    // Built with python's dir_fd calls: the paths are too long for path-based mkdir.
    const script = `
import os
os.mkdir('tree')
fd = os.open('tree', os.O_RDONLY)
length = len('tree')
def mkd(name):
    global fd, length
    os.mkdir(name, dir_fd=fd)
    nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
    length += 1 + len(name)
while 3990 - length - 1 > 250:
    mkd('d' * 200)
mkd('e' * (3990 - length - 1))
for total in (4093, 4094, 4095, 4096, 4097, 4200):
    prefix = 'f%d-' % total
    os.close(os.open(prefix + 'x' * (total - length - 1 - len(prefix)), os.O_CREAT | os.O_WRONLY, dir_fd=fd))
for total in (4093, 4094, 4095, 4096):
    name = 's%d-' % total
    name += 'y' * (total - length - 1 - len(name))
    os.mkdir(name, dir_fd=fd)
    sfd = os.open(name, os.O_RDONLY, dir_fd=fd)
    os.close(os.open('a', os.O_CREAT | os.O_WRONLY, dir_fd=sfd))
    os.close(os.open('bb', os.O_CREAT | os.O_WRONLY, dir_fd=sfd))
`;
    execFileSync('python3', ['-c', script], { cwd: dir });
    const theirs = getfacl(['-R', 'tree'], { cwd: dir });
    expect(theirs.status).toBe(1); // the tree really has over-long paths
    expect(theirs.stderr).toContain('File name too long');
    expectSameAsGetfacl(permsnap(['snapshot', '--compat', 'tree'], { cwd: dir }), theirs);
    expectDefaultLikeGetfacl(permsnap(['snapshot', 'tree'], { cwd: dir }), theirs);
    expectDefaultLikeGetfacl(permsnap(['snapshot', '--jobs', '3', 'tree'], { cwd: dir }), theirs);
  });

  it('treats an argument of 4094 to 4097 bytes as getfacl does', () => {
    fs.mkdirSync(path.join(dir, 't'));
    fs.writeFileSync(path.join(dir, 't', 'f'), '');
    fs.writeFileSync(path.join(dir, 't', 'ff'), '');
    const args = [4094, 4095, 4096, 4097].map((n) => {
      const name = n % 2 === 0 ? 'ff' : 'f';
      const arg = `t/${'./'.repeat((n - 2 - name.length) / 2)}${name}`;
      expect(arg.length).toBe(n);
      return arg;
    });
    for (const arg of args) {
      const theirs = getfacl(['-R', arg], { cwd: dir });
      expectSameAsGetfacl(permsnap(['snapshot', '--compat', arg], { cwd: dir }), theirs);
      expectDefaultLikeGetfacl(permsnap(['snapshot', arg], { cwd: dir }), theirs);
    }
    expect(getfacl(['-R', ...args], { cwd: dir }).status).toBe(1);
  });

  it.skipIf(!isRoot)('matches getfacl with and without --one-file-system when a tmpfs is mounted inside the tree (needs root to mount)', (ctx) => {
    smallTree();
    const mnt = path.join(dir, 'tree', 'mnt');
    fs.mkdirSync(mnt);
    if (!tryMount('tmpfs', mnt)) return ctx.skip();
    mounts.push(mnt);
    fs.mkdirSync(path.join(mnt, 'inside'));
    fs.writeFileSync(path.join(mnt, 'inside', 'file'), '');
    execFileSync('setfacl', ['-m', 'u:bin:rw', path.join(mnt, 'inside', 'file')]);
    fs.writeFileSync(path.join(dir, 'tree', 'sub', 'after'), '');

    const separate = getfacl(['-R', '--one-file-system', 'tree'], { cwd: dir });
    expect(filePaths(latin1(separate.stdout))).not.toContain('tree/mnt');
    expectSameAsGetfacl(permsnap(['snapshot', '--compat', '--one-file-system', 'tree'], { cwd: dir }), separate);
    expectDefaultLikeGetfacl(permsnap(['snapshot', '--one-file-system', 'tree'], { cwd: dir }), separate);
    // The mount point given as the argument: its own filesystem is the reference.
    const fromMount = getfacl(['-R', '--one-file-system', 'tree/mnt'], { cwd: dir });
    expectSameAsGetfacl(permsnap(['snapshot', '--compat', '--one-file-system', 'tree/mnt'], { cwd: dir }), fromMount);

    const all = getfacl(['-R', 'tree'], { cwd: dir });
    expect(filePaths(latin1(all.stdout))).toContain('tree/mnt/inside/file');
    expectSameAsGetfacl(permsnap(['snapshot', '--compat', 'tree'], { cwd: dir }), all);
    // tmpfs is not a pseudo filesystem: the default walk enters it too.
    expectDefaultLikeGetfacl(permsnap(['snapshot', 'tree'], { cwd: dir }), all);

    // Symlinks to the other filesystem: what counts is where the symlink itself is. An
    // entry there is skipped before a symlink is followed: a dangling one is no error.
    fs.symlinkSync('mnt', path.join(dir, 'tree', 'to-mnt'));
    fs.symlinkSync('tree/mnt', path.join(dir, 'top'));
    fs.symlinkSync('/nonexistent', path.join(mnt, 'dangling'));
    for (const args of [['-L', 'tree'], ['-L', 'top'], ['top'], ['-P', 'top'], ['-L', 'tree/to-mnt']]) {
      const theirs = getfacl(['-R', '--one-file-system', ...args], { cwd: dir });
      expect(theirs.status, args.join(' ')).toBe(0);
      expectSameAsGetfacl(permsnap(['snapshot', '--compat', '--one-file-system', ...args], { cwd: dir }), theirs);
      expectDefaultLikeGetfacl(permsnap(['snapshot', '--one-file-system', ...args], { cwd: dir }), theirs);
    }
    expect(filePaths(latin1(getfacl(['-R', '-L', '--one-file-system', 'tree'], { cwd: dir }).stdout))).toContain('tree/to-mnt');
  });

  it('reads more PATHs from stdin, one per line, where an argument is "-", like getfacl', () => {
    smallTree();
    fs.writeFileSync(path.join(dir, 'tree', 'with space'), '');
    const input = 'tree/sub\nmissing\ntree/with space\n\ntree/file\n';
    for (const args of [['-'], ['tree/file', '-'], ['-', 'tree/sub'], ['--jobs', '1', '-']]) {
      const theirs = run('getfacl', ['-R', ...args.filter((a) => a !== '--jobs' && a !== '1')], { cwd: dir, input });
      expect(filePaths(latin1(theirs.stdout)).length, args.join(' ')).toBeGreaterThan(2);
      expectSameAsGetfacl(permsnap(['snapshot', '--compat', ...args], { cwd: dir, input }), theirs);
      expectDefaultLikeGetfacl(permsnap(['snapshot', ...args], { cwd: dir, input }), theirs);
    }
  });

  it('keeps the bytes of a path read from stdin that is not UTF-8, like getfacl', () => {
    smallTree();
    fs.writeFileSync(Buffer.from(`${dir}/tree/not-utf8-\xff\xfe`, 'latin1'), '');
    const input = Buffer.from('tree/not-utf8-\xff\xfe\ntree/file\n', 'latin1');
    const theirs = run('getfacl', ['-R', '-'], { cwd: dir, input });
    expect(theirs.status).toBe(0);
    expect(filePaths(latin1(theirs.stdout))).toEqual(['tree/not-utf8-\xff\xfe', 'tree/file']);
    expectSameAsGetfacl(permsnap(['snapshot', '--compat', '-'], { cwd: dir, input }), theirs);
  });
});

/** Runs a shell script (arguments that are not UTF-8 can only be given through one), stdout and stderr as bytes. */
function shellBytes(script: string, cwd: string): { status: number; stdout: Buffer; stderr: Buffer } {
  const r = spawnSync('sh', ['-c', script, 'sh', process.execPath, CLI], { cwd, maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** getfacl's stderr bytes with permsnap's name, for comparing byte for byte. */
const asPermsnapBytes = (stderr: Buffer): string => latin1(stderr).replaceAll('getfacl: ', 'permsnap: ');

describe.skipIf(!aclReady)('snapshot command-line edges, against getfacl (needs getfacl and ACLs on the temp filesystem)', () => {
  it('takes a PATH that is not UTF-8 as its bytes (Node decodes arguments as UTF-8, losing them)', () => {
    sh(`mkdir -p "$(printf 'odd\\377name/sub')"`, dir);
    const script = (tool: string): string => `${tool} "$(printf 'odd\\377name')" "$(printf 'gone\\376')"`;
    const theirs = shellBytes(script('getfacl -R'), dir);
    const ours = shellBytes(script('"$1" "$2" snapshot --compat'), dir);
    expect(filePaths(latin1(theirs.stdout))).toEqual(['odd\xffname', 'odd\xffname/sub']);
    expect(latin1(ours.stdout)).toBe(latin1(theirs.stdout));
    expect(latin1(ours.stderr)).toBe(asPermsnapBytes(theirs.stderr));
    expect(ours.status).toBe(theirs.status);
  });

  it('reports a path with its own bytes on stderr, UTF-8 or not (not encoded a second time)', () => {
    const script = (tool: string): string => `${tool} "$(printf '\\303\\251t\\303\\251')" "$(printf 'zz\\376')"`;
    const theirs = shellBytes(script('getfacl -R'), dir);
    const ours = shellBytes(script('"$1" "$2" snapshot --compat'), dir);
    expect(latin1(theirs.stderr)).toContain('getfacl: \xc3\xa9t\xc3\xa9: No such file or directory');
    expect(latin1(ours.stderr)).toBe(asPermsnapBytes(theirs.stderr));
    expect(ours.status).toBe(theirs.status);
  });

  it('takes what follows "--" as PATHs, even those that look like options (-x, -L)', () => {
    smallTree();
    for (const name of ['-x', '-L', '--compat']) fs.writeFileSync(path.join(dir, name), '');
    // An option just before "--" does not take the operand after it: no snapshot over a file named to be read.
    fs.writeFileSync(path.join(dir, 'data.txt'), 'keep me');
    const taken = permsnap(['snapshot', '-o', '--', 'data.txt'], { cwd: dir });
    expect(taken.status).toBe(2);
    expect(taken.stderr.split('\n')[0]).toBe('permsnap: --output takes its value before "--", not "data.txt" after it');
    expect(fs.readFileSync(path.join(dir, 'data.txt'), 'utf8')).toBe('keep me');
    // A usage error names an operand after "--" as typed.
    const extra = permsnap(['diff', '--', 'a', 'b', 'c'], { cwd: dir });
    expect(extra.status).toBe(2);
    expect(extra.stderr.split('\n')[0]).toBe('permsnap: unexpected operand "c" (diff takes BEFORE AFTER)');
    for (const args of [['tree/file', '--', '-x'], ['--', '-x', '-L'], ['--', '--compat', 'tree']]) {
      const theirs = getfacl(['-R', ...args], { cwd: dir });
      expect(theirs.status, args.join(' ')).toBe(0);
      expectSameAsGetfacl(permsnap(['snapshot', '--compat', ...args], { cwd: dir }), theirs);
    }
    // "-L" after "--" is a file: the walk stays physical, as getfacl's does.
    fs.symlinkSync('tree', path.join(dir, 'link'));
    expectSameAsGetfacl(permsnap(['snapshot', '--compat', 'link', '--', '-L'], { cwd: dir }), getfacl(['-R', 'link', '--', '-L'], { cwd: dir }));
  });

  it.skipIf(!isRoot || !hasSetpriv)('with --compat prints every per-path problem, as getfacl does (no count of the rest), as nobody (needs root and setpriv)', () => {
    fs.chmodSync(dir, 0o755);
    const d = path.join(dir, 'd');
    fs.mkdirSync(d);
    for (let i = 0; i < 1003; i++) fs.writeFileSync(path.join(d, `f${i}`), '');
    fs.chmodSync(d, 0o744); // listable, not searchable: every entry's stat fails
    const theirs = runAsNobody('getfacl', ['-R', 'd'], { cwd: dir });
    expect(theirs.stderr.split('\n').filter((l) => l.endsWith('Permission denied'))).toHaveLength(1003);
    expectSameAsGetfacl(runAsNobody(process.execPath, [CLI, 'snapshot', '--compat', 'd'], { cwd: dir }), theirs);
    // Without --compat, the first 1000 and a count (contracts.md, "Memory").
    const ours = runAsNobody(process.execPath, [CLI, 'snapshot', 'd'], { cwd: dir });
    expect(ours.stderr).toContain('permsnap: 3 more per-path problem(s) not shown (the first 1000 are above)');
  });

  it.skipIf(!isRoot || !hasSetpriv)('counts a directory that cannot be listed as a problem, not as a path the snapshot lacks: it has the directory (needs root and setpriv)', () => {
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(path.join(dir, 'd1/d2'), { recursive: true });
    fs.chmodSync(path.join(dir, 'd1/d2'), 0o000);
    const r = runAsNobody(process.execPath, [CLI, 'snapshot', 'd1'], { cwd: dir });
    expect(r.status, r.stderr).toBe(1);
    expect(filePaths(latin1(r.stdout))).toEqual(['d1', 'd1/d2']);
    expect(r.stderr).toBe('permsnap: d1/d2: Permission denied\npermsnap: 1 problem(s) reading the tree (above): the snapshot lacks what could not be read\n');
    // --quiet leaves out progress and notices; problems and the summary still print (its help).
    expect(runAsNobody(process.execPath, [CLI, 'snapshot', 'd1', '-q'], { cwd: dir }).stderr).toBe(r.stderr);
  });

  it.skipIf(!mapFilesRefused)('with --compat says nothing of a directory that opens but cannot be read, as getfacl (/proc/1/map_files here)', () => {
    const theirs = getfacl(['-R', '/proc/1/map_files'], { cwd: dir });
    expectSameAsGetfacl(permsnap(['snapshot', '--compat', '/proc/1/map_files'], { cwd: dir }), theirs);
    // permsnap's own output says what could not be read.
    const ours = permsnap(['snapshot', '--all-filesystems', '/proc/1/map_files'], { cwd: dir });
    expect(ours.stderr).toContain('permsnap: /proc/1/map_files: Permission denied\n');
    expect(ours.status).toBe(1);
  });

  it.skipIf(!hasPrlimit)('walks a tree deeper than the descriptor limit, as getfacl does (needs prlimit)', () => {
    fs.mkdirSync(path.join(dir, 't', ...Array.from({ length: 700 }, () => 'a')), { recursive: true });
    const limited = (cmd: string, args: string[]): Run => run('prlimit', ['--nofile=512:512', cmd, ...args], { cwd: dir });
    const theirs = limited('getfacl', ['-R', 't']);
    expect(filePaths(latin1(theirs.stdout))).toHaveLength(701);
    for (const jobs of ['1', '2']) expectSameAsGetfacl(limited(process.execPath, [CLI, 'snapshot', '--compat', '--jobs', jobs, 't']), theirs);
  });

  it('with -o writes through a symlink to the file it names, and into a device as it is (no temp file renamed over it)', () => {
    smallTree();
    fs.writeFileSync(path.join(dir, 'out.facl'), '');
    fs.symlinkSync('out.facl', path.join(dir, 'link.facl'));
    expect(permsnap(['snapshot', 'tree', '-o', 'link.facl'], { cwd: dir }).status).toBe(0);
    expect(fs.lstatSync(path.join(dir, 'link.facl')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'out.facl'), 'latin1')).toContain('# file: tree/sub/inner\n');
    if (isRoot) {
      sh('mknod null-device c 1 3', dir);
      expect(permsnap(['snapshot', 'tree', '-o', 'null-device'], { cwd: dir }).status).toBe(0);
      expect(fs.lstatSync(path.join(dir, 'null-device')).isCharacterDevice()).toBe(true);
    }
  });

  it('says "Removing leading \'/\'" as getfacl does; -q silences it, except with --compat', () => {
    smallTree();
    const notice = "permsnap: Removing leading '/' from absolute path names\n";
    expect(permsnap(['snapshot', '--compat', path.join(dir, 'tree')]).stderr).toBe(notice);
    expect(permsnap(['snapshot', '-q', path.join(dir, 'tree')]).stderr).toBe('');
    // With --compat it is part of what getfacl says: -q leaves it.
    expect(permsnap(['snapshot', '--compat', '-q', path.join(dir, 'tree')]).stderr).toBe(notice);
  });

  it('says a failed write to stdout (a full disk) once, without a stack trace, and exits 2', () => {
    smallTree();
    for (const args of [['snapshot', 'tree'], ['snapshot', '--compat', 'tree'], ['diff', 'tree', 'tree/sub']]) {
      const full = fs.openSync('/dev/full', 'w');
      const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', full, 'pipe'] });
      fs.closeSync(full);
      const stderr = r.stderr.toString();
      expect(stderr, args.join(' ')).toContain('permsnap: standard output: no space left on device\n');
      expect(stderr.split('standard output').length, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).not.toMatch(STACK_FRAME);
      expect(r.status, args.join(' ')).toBe(2);
    }
    // Nothing written to stdout (the snapshot goes to -o): nothing fails.
    const full = fs.openSync('/dev/full', 'w');
    const quiet = spawnSync(process.execPath, [CLI, 'snapshot', 'tree', '-o', 'out.facl'], { cwd: dir, stdio: ['ignore', full, 'pipe'] });
    fs.closeSync(full);
    expect(quiet.stderr.toString()).toBe('');
    expect(quiet.status).toBe(0);
  });

  it('goes on as getfacl does when stderr cannot be written (a full log disk): the whole snapshot, the same exit code, no -o temp file', () => {
    // Big enough that the workers still walk when the first message fails to write.
    sh('mkdir tree && for d in $(seq 30); do mkdir tree/d$d; for f in $(seq 40); do : > tree/d$d/f$f; done; done', dir);
    const withFullStderr = (command: string, args: string[]): { status: number | null; stdout: Buffer } => {
      const full = fs.openSync('/dev/full', 'w');
      const r = spawnSync(command, args, { cwd: dir, stdio: ['ignore', 'pipe', full], maxBuffer: 1 << 30 });
      fs.closeSync(full);
      return { status: r.status, stdout: r.stdout };
    };
    const absolute = path.join(dir, 'tree');
    // The leading-slash notice, then a missing path: two messages that fail to write.
    for (const operands of [[absolute], ['missing', 'tree']]) {
      const theirs = withFullStderr('getfacl', ['-R', ...operands]);
      const ours = withFullStderr(process.execPath, [CLI, 'snapshot', '--compat', ...operands]);
      expect(ours.status, operands.join(' ')).toBe(theirs.status);
      expect(latin1(ours.stdout) === latin1(theirs.stdout), operands.join(' ')).toBe(true);
      const marked = withFullStderr(process.execPath, [CLI, 'snapshot', ...operands]);
      expect(marked.status).toBe(theirs.status);
      expect(stripMarkers(latin1(marked.stdout))).toBe(latin1(theirs.stdout));
    }
    const toFile = withFullStderr(process.execPath, [CLI, 'snapshot', absolute, '-o', 'out.facl']);
    expect(toFile.status).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['out.facl', 'tree']);
    expect(filePaths(fs.readFileSync(path.join(dir, 'out.facl'), 'latin1'))).toHaveLength(1 + 30 + 1200);
  });

  it.skipIf(!hasScript)('shows no progress line on a terminal with --compat (getfacl shows none), and one without it (needs script(1))', () => {
    smallTree();
    const onTerminal = (args: string): string =>
      execFileSync('script', ['-qec', `"${process.execPath}" "${CLI}" snapshot ${args} tree > /dev/null`, '/dev/null'], { cwd: dir, encoding: 'latin1' });
    expect(onTerminal('')).toContain('\r\x1b[K');
    expect(onTerminal('--compat')).not.toContain('\x1b[K');
  });
});
