// `snapshot -o FILE`: the same bytes as stdout, gzip when FILE ends in .gz, written atomically
// (temp file, fsync, rename): no temp file left behind, and a run that fails leaves an
// existing FILE exactly as it was and no partial file.

import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclReady, hasSetpriv, latin1, runAsNobody, runWithTimeout, STACK_FRAME, tryMount, unmount } from '../helpers/facl-text.js';
import { buildOddTree } from '../helpers/odd-tree.js';
import { finished } from '../helpers/restore-kit.js';
import { CLI, isRoot, makeTempDir, permsnap, removeTree } from '../helpers/tree.js';

let dir = '';
let out = '';
const mounts: string[] = [];
const OLD = '# an older snapshot\n';

beforeEach(() => {
  dir = makeTempDir();
  out = path.join(dir, 'out');
  fs.mkdirSync(out);
});
afterEach(() => {
  for (const m of mounts.splice(0).reverse()) unmount(m);
  removeTree(dir);
});

function stdoutOf(args: string[]): Buffer {
  const r = permsnap(['snapshot', '--quiet', ...args], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.length).toBeGreaterThan(0);
  return r.stdout;
}

function writeOld(file: string): fs.Stats {
  fs.writeFileSync(file, OLD);
  return fs.statSync(file);
}

/** The old file is untouched and nothing else (no temp file, no partial output) is there. */
function expectUntouched(directory: string, file: string, before: fs.Stats): void {
  expect(fs.readdirSync(directory)).toEqual([path.basename(file)]);
  expect(fs.readFileSync(file, 'utf8')).toBe(OLD);
  expect(fs.statSync(file).ino).toBe(before.ino);
}

describe.skipIf(!aclReady)('snapshot -o FILE (needs getfacl and ACLs on the temp filesystem)', () => {
  it('writes the same bytes to FILE as to stdout, prints nothing on stdout and leaves no temp file', () => {
    buildOddTree(dir);
    const expected = stdoutOf(['tree']);
    for (const option of [['-o'], ['--output']]) {
      const file = path.join(out, 'snap.facl');
      const r = permsnap(['snapshot', '--quiet', ...option, file, 'tree'], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.length).toBe(0);
      expect(fs.readFileSync(file).equals(expected)).toBe(true);
      expect(fs.readdirSync(out)).toEqual(['snap.facl']);
      fs.rmSync(file);
    }
    const json = path.join(out, 'snap.jsonl');
    expect(permsnap(['snapshot', '--quiet', '--format', 'json', '-o', json, 'tree'], { cwd: dir }).status).toBe(0);
    expect(fs.readFileSync(json).equals(stdoutOf(['--format', 'json', 'tree']))).toBe(true);
  });

  it('writes gzip when FILE ends in .gz, whose content is what stdout gets, and leaves no temp file', () => {
    buildOddTree(dir);
    const expected = stdoutOf(['tree']);
    const file = path.join(out, 'snap.facl.gz');
    const r = permsnap(['snapshot', '--quiet', '-o', file, 'tree'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const raw = fs.readFileSync(file);
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    expect(zlib.gunzipSync(raw).equals(expected)).toBe(true);
    expect(fs.readdirSync(out)).toEqual(['snap.facl.gz']);
  });

  it('replaces an existing FILE by a new file (rename, not rewrite in place)', () => {
    buildOddTree(dir);
    const file = path.join(out, 'snap.facl');
    const before = writeOld(file);
    const r = permsnap(['snapshot', '--quiet', '-o', file, 'tree'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(file).equals(stdoutOf(['tree']))).toBe(true);
    expect(fs.statSync(file).ino).not.toBe(before.ino);
    expect(fs.readdirSync(out)).toEqual(['snap.facl']);
  });

  it('gives a new FILE mode 0600; a replaced one keeps its mode, owner, group and ACL (a baseline shared with a monitoring group stays shared)', () => {
    buildOddTree(dir);
    const fresh = path.join(out, 'new.facl');
    expect(permsnap(['snapshot', '--quiet', '-o', fresh, 'tree'], { cwd: dir }).status).toBe(0);
    expect(fs.statSync(fresh).mode & 0o7777).toBe(0o600);
    const file = path.join(out, 'shared.facl');
    writeOld(file);
    fs.chmodSync(file, 0o640);
    if (isRoot) fs.chownSync(file, 65534, 4);
    execFileSync('setfacl', ['-m', 'u:daemon:r', file]);
    const access = (p: string): string => execFileSync('getfacl', ['-cn', p]).toString();
    const before = { access: access(file), st: fs.statSync(file) };
    const r = permsnap(['snapshot', '--quiet', '-o', file, 'tree'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const after = fs.statSync(file);
    expect(after.ino).not.toBe(before.st.ino);
    expect([after.mode & 0o7777, after.uid, after.gid]).toEqual([before.st.mode & 0o7777, before.st.uid, before.st.gid]);
    expect(access(file)).toBe(before.access);
    expect(before.access).toContain('user:');
  });

  it('writes -o - to stdout, and -o ./- to a file named "-"', () => {
    buildOddTree(dir);
    const r = permsnap(['snapshot', '--quiet', '-o', '-', 'tree'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.equals(stdoutOf(['tree']))).toBe(true);
    expect(fs.existsSync(path.join(dir, '-'))).toBe(false);
    const named = permsnap(['snapshot', '--quiet', '-o', './-', 'tree'], { cwd: dir });
    expect(named.status, named.stderr).toBe(0);
    expect(named.stdout.length).toBe(0);
    expect(fs.readFileSync(path.join(dir, '-')).equals(stdoutOf(['tree']))).toBe(true);
  });

  it('writes -o /dev/stdout straight to stdout when it is a pipe (it leads to no file to replace)', () => {
    buildOddTree(dir);
    const r = permsnap(['snapshot', '--quiet', '-o', '/dev/stdout', 'tree'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.equals(stdoutOf(['tree']))).toBe(true);
  });

  it('still writes FILE when some paths are missing (exit 1: done, some paths unreadable)', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    const file = path.join(out, 'snap.facl');
    const r = permsnap(['snapshot', '--quiet', '-o', file, 'missing', 'tree'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('permsnap: missing: No such file or directory');
    expect(fs.readFileSync(file).equals(stdoutOf(['tree']))).toBe(true);
    expect(fs.readdirSync(out)).toEqual(['snap.facl']);
  });

  it('leaves an existing FILE untouched, and creates none, when no PATH could be read (exit 1): no empty baseline', () => {
    const file = path.join(out, 'snap.facl');
    const before = writeOld(file);
    const r = permsnap(['snapshot', '--quiet', '-o', file, 'missing', 'gone'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('permsnap: missing: No such file or directory');
    expect(r.stderr).toContain(`permsnap: ${file}: not written: no path could be read`);
    expectUntouched(out, file, before);
    fs.rmSync(file);
    expect(permsnap(['snapshot', '--quiet', '-o', file, 'missing'], { cwd: dir }).status).toBe(1);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('leaves an existing FILE untouched and creates nothing on a usage error', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    const file = path.join(out, 'snap.facl');
    const before = writeOld(file);
    for (const args of [['--jobs', '0'], ['--no-such-option'], ['--format', 'yaml']]) {
      const r = permsnap(['snapshot', '--quiet', '-o', file, ...args, 'tree'], { cwd: dir });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      expectUntouched(out, file, before);
    }
  });

  it('leaves its own output file out when writing into the tree it walks, so a diff against the tree is clean', () => {
    fs.mkdirSync(path.join(dir, 'tree/var/backups'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tree/a'), 'a');
    for (const jobs of ['1', '2']) {
      for (const file of ['tree/var/backups/p.facl', 'tree/var/backups/p.facl.gz']) {
        fs.rmSync(path.join(dir, 'tree/var/backups'), { recursive: true });
        fs.mkdirSync(path.join(dir, 'tree/var/backups'));
        const r = permsnap(['snapshot', '--quiet', '--jobs', jobs, '-o', file, 'tree'], { cwd: dir });
        expect(r.status).toBe(0);
        const text = latin1(file.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(path.join(dir, file))) : fs.readFileSync(path.join(dir, file)));
        const recorded = [...text.matchAll(/^# file: (.*)$/gm)].map((m) => m[1]);
        expect(recorded).toEqual(expect.arrayContaining(['tree', 'tree/a', 'tree/var/backups']));
        expect(recorded.filter((p) => p.startsWith('tree/var/backups/'))).toEqual([]);
        // Written again over itself: the old file is recorded (it is what the walk saw), never the temp file.
        const again = permsnap(['snapshot', '--quiet', '--jobs', jobs, '-o', file, 'tree'], { cwd: dir });
        expect(again.status).toBe(0);
        const diff = permsnap(['diff', file, 'tree'], { cwd: dir });
        expect(diff.stdout.toString()).toMatch(/^0 modified, 0 missing, 0 extra/);
        expect(diff.status).toBe(0);
      }
    }
  });

  for (const [signal, file] of [['SIGINT', 'big.facl'], ['SIGTERM', 'big.facl.gz']] as const) {
    it(`leaves no temp file and no FILE when ${signal} ends the run (${file})`, async () => {
      // /usr: a big tree that is already there (a run of a second or more on one thread).
      const child = spawn(process.execPath, [CLI, 'snapshot', '--quiet', '--jobs', '1', '-o', path.join(out, file), '/usr'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const done = finished(child);
      // The temp file exists from the start of the walk to the rename.
      for (let i = 0; i < 3000 && fs.readdirSync(out).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(fs.readdirSync(out)).toHaveLength(1);
      child.kill(signal);
      const r = await done;
      expect(r.signal, r.stderr).toBe(signal);
      expect(fs.readdirSync(out)).toEqual([]);
    });
  }

  it.skipIf(!isRoot)('says, in one line, that it cannot replace an immutable FILE, which keeps its content (needs root for chattr)', () => {
    const file = path.join(out, 'locked.facl');
    writeOld(file);
    execFileSync('chattr', ['+i', file]);
    try {
      const r = permsnap(['snapshot', '--quiet', '-o', file, 'out'], { cwd: dir });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`permsnap: ${file}: cannot replace output file: operation not permitted\n`);
      expect(fs.readFileSync(file, 'utf8')).toBe(OLD);
      expect(fs.readdirSync(out)).toEqual(['locked.facl']);
    } finally {
      execFileSync('chattr', ['-i', file]);
    }
  });

  it('fails with exit 2 and no stack trace when the output directory does not exist', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    const r = permsnap(['snapshot', '--quiet', '-o', path.join(out, 'nowhere', 'snap.facl'), 'tree'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^permsnap: .*nowhere/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stdout.length).toBe(0);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it.skipIf(!isRoot || !hasSetpriv)('leaves a writable FILE untouched when its directory is not writable (run as nobody through setpriv)', () => {
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(path.join(dir, 'tree'));
    fs.writeFileSync(path.join(dir, 'tree', 'f'), '');
    fs.chmodSync(out, 0o755); // root's: nobody cannot create a temp file here
    const file = path.join(out, 'snap.facl');
    const before = writeOld(file);
    fs.chmodSync(file, 0o666); // but could rewrite the file itself in place
    const r = runAsNobody(process.execPath, [CLI, 'snapshot', '--quiet', '-o', file, 'tree'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^permsnap: /);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expectUntouched(out, file, before);
  });

  for (const name of ['snap.facl', 'snap.facl.gz']) {
    it.skipIf(!isRoot)(`leaves an existing ${name} untouched and no partial file when the disk fills up mid-write (small tmpfs; needs root to mount)`, (ctx) => {
      const small = path.join(dir, 'small');
      fs.mkdirSync(small);
      if (!tryMount('tmpfs', small, ['-o', 'size=64k'])) return ctx.skip();
      mounts.push(small);
      // Random names so that even gzip output is far bigger than 64 KiB.
      const tree = path.join(dir, 'tree');
      fs.mkdirSync(tree);
      for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(tree, crypto.randomBytes(60).toString('hex')), '');
      const file = path.join(small, name);
      const before = writeOld(file);
      // A writer that waits forever for a full disk to drain is a bug too: give it 30 s.
      const r = runWithTimeout(process.execPath, [CLI, 'snapshot', '--quiet', '-o', file, 'tree'], { cwd: dir, timeoutMs: 30_000 });
      expect(r.timedOut, 'permsnap hung on a full disk').toBe(false);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^permsnap: /);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(r.stdout.length).toBe(0);
      expectUntouched(small, file, before);
      expect(latin1(fs.readFileSync(file))).toBe(OLD);
    });
  }
});
