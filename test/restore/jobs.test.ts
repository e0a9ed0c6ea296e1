// permsnap restore --jobs N: worker threads give the same result as one thread. A varied
// tree (owners, special bits, named and default ACLs, a capability, a FIFO, symlinks, and
// a bulk directory of more paths than one chunk, so that directories are deferred) is
// damaged, copied, and restored with --jobs 1 and --jobs 3: same tree as before the damage
// (getfacl -R, getcap -r), same summary, same dry-run output line for line, journals with
// the same blocks that each give the damage back. Also with few descriptors (small chunks,
// many deferred directories). And as an unprivileged user: a directory without search
// permission in the snapshot, holding more paths than a chunk, gets its mode last.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasSetpriv, runAsNobody, splitBlocks } from '../helpers/facl-text.js';
import { capTree, faclTree, restore, restoreReady, SKIP_REASON, summaryOf, writeSnapshot } from '../helpers/restore-kit.js';
import { CLI, isRoot, makeTempDir, removeTree, run, sh, type Run } from '../helpers/tree.js';

let dir = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-jobs-');
});
afterEach(() => removeTree(dir));

const hasPrlimit = spawnSync('sh', ['-c', 'command -v prlimit']).status === 0;

const BULK_DIRS = 12;
const BULK_FILES = 110;

/** PARENT/tree: about 1,400 paths of every kind restore handles. */
function buildTree(parent: string): void {
  const root = path.join(parent, 'tree');
  const mk = (rel: string, mode: number, uid = 0, gid = 0, isDir = false): string => {
    const p = path.join(root, rel);
    if (isDir) fs.mkdirSync(p, { recursive: true });
    else fs.writeFileSync(p, '');
    fs.chownSync(p, uid, gid);
    fs.chmodSync(p, mode);
    return p;
  };
  mk('', 0o755, 0, 0, true);
  mk('owners', 0o750, 0, 4343, true);
  mk('owners/root', 0o644);
  mk('owners/daemon', 0o640, 1, 1);
  mk('owners/no-names', 0o600, 4242, 4343);
  mk('owners/nobody', 0o604, 65534, 65534);
  mk('owners/max-id', 0o444, 4294967294, 4294967294);
  mk('special', 0o755, 0, 0, true);
  mk('special/setuid', 0o4755);
  mk('special/setgid', 0o2711, 0, 4343);
  mk('special/all-three', 0o7777);
  mk('special/none', 0o000);
  mk('special/sticky-dir', 0o1777, 0, 0, true);
  mk('special/setgid-dir', 0o2775, 0, 4343, true);
  mk('special/setgid-dir/inside', 0o664, 4242, 4343);
  mk('acls', 0o755, 0, 0, true);
  const named = mk('acls/named', 0o640);
  const setuidAcl = mk('acls/setuid-with-acl', 0o4750);
  const withDefault = mk('acls/with-default', 0o2770, 0, 4343, true);
  mk('acls/with-default/inner-dir', 0o750, 0, 0, true);
  mk('acls/with-default/inner-file', 0o640);
  const defaultOnly = mk('acls/default-only', 0o755, 0, 0, true);
  mk('caps', 0o755, 0, 0, true);
  const ping = mk('caps/ping', 0o755);
  mk('caps/plain', 0o755);
  mk('kinds', 0o755, 0, 0, true);
  spawnSync('mkfifo', ['-m', '0620', path.join(root, 'kinds/fifo')]);
  fs.chownSync(path.join(root, 'kinds/fifo'), 4242, 5);
  fs.symlinkSync('../owners/root', path.join(root, 'kinds/link-to-file'));
  fs.symlinkSync('../acls', path.join(root, 'kinds/link-to-dir'));
  fs.symlinkSync('nowhere', path.join(root, 'kinds/dangling'));
  // More paths than one chunk (1024): bulk and the tree itself are deferred.
  mk('bulk', 0o755, 0, 0, true);
  const modes = [0o644, 0o640, 0o600, 0o755, 0o750, 0o4755, 0o2755, 0o1644, 0o444, 0o000];
  const owners: Array<[number, number]> = [[0, 0], [4242, 4343], [1, 1], [65534, 65534]];
  for (let d = 0; d < BULK_DIRS; d++) {
    const sub = `bulk/d${String(d).padStart(2, '0')}`;
    mk(sub, d % 3 === 0 ? 0o2775 : 0o755, ...(owners[d % owners.length] as [number, number]), true);
    for (let f = 0; f < BULK_FILES; f++) mk(`${sub}/f${String(f).padStart(3, '0')}`, modes[(d + f) % modes.length] as number, ...(owners[f % owners.length] as [number, number]));
  }
  const setfacl = (args: string[]): void => {
    const r = spawnSync('setfacl', args);
    if (r.status !== 0) throw new Error(`setfacl ${args.join(' ')}: ${r.stderr}`);
  };
  setfacl(['-m', 'u:bin:rwx,u:4444:r,g:daemon:rw,g:5555:x,m::r', named]);
  setfacl(['-m', 'u:65534:rwx', setuidAcl]);
  setfacl(['-m', 'd:u:bin:rwx,d:g:4545:rx,d:m::rx,u:4444:rx', withDefault]);
  setfacl(['-d', '-m', 'u::rwx,g::r-x,o::---', defaultOnly]);
  setfacl(['-m', 'u:4444:r,g:5555:rw', ...listed(root, 'bulk/d01'), ...listed(root, 'bulk/d07')]);
  setfacl(['-d', '-m', 'g:5555:rwx', path.join(root, 'bulk/d03'), path.join(root, 'bulk/d09')]);
  const cap = spawnSync('setcap', ['cap_net_raw=ep', ping]);
  if (cap.status !== 0) throw new Error(`setcap: ${cap.stderr}`);
}

function listed(root: string, rel: string): string[] {
  return fs.readdirSync(path.join(root, rel)).filter((_, i) => i % 2 === 0).map((n) => path.join(root, rel, n));
}

/** Every kind of damage (cwd = the dir holding tree); the FIFO, links and dangling links make some commands complain. */
function damage(cwd: string): void {
  sh('chown -R 1000:1000 tree/owners tree/special tree/bulk/d00 tree/bulk/d01 tree/bulk/d02 tree/bulk/d03 tree/bulk/d04 tree/bulk/d05', cwd);
  sh('setfacl -R -b tree/acls tree/bulk', cwd);
  sh('chmod -R u+rwx,go+w tree 2>/dev/null || true', cwd);
  sh('setcap -r tree/caps/ping && setcap cap_sys_admin=ep tree/caps/plain', cwd);
}

interface View {
  facl: Map<string, string>;
  caps: string[];
}

const view = (parent: string): View => ({ facl: faclTree(parent), caps: capTree(parent) });

/** The summary line of a restore's stderr. */
function summaryLine(r: Run): string {
  const line = r.stderr.split('\n').find((l) => / path\(s\) (?:would change|changed)/.test(l));
  expect(line, r.stderr).toBeDefined();
  return line as string;
}

/**
 * A journal's blocks without its first line (root and start time) and marker lines, sorted,
 * each once (the end marker comes on a repeat of the last block).
 */
function journalBlocks(file: string): string[] {
  const text = fs.readFileSync(file, 'latin1');
  expect(text.startsWith('# permsnap undo journal: ')).toBe(true);
  const body = text.slice(text.indexOf('\n') + 1).split('\n').filter((l) => !l.startsWith('# permsnap: ')).join('\n');
  return [...new Set(splitBlocks(body))].sort();
}

/** `permsnap restore ARGS` with the process's descriptors limited (prlimit): small chunks. */
function restoreWithFewDescriptors(limit: number, args: string[]): Run {
  return run('prlimit', [`--nofile=${limit}:${limit}`, process.execPath, CLI, 'restore', ...args]);
}

/** Two identical damaged copies, DIR/a/tree and DIR/b/tree, and the snapshot taken before the damage. */
function twoDamagedCopies(): { a: string; b: string; snap: string; healthy: View; damaged: View } {
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  fs.mkdirSync(a);
  fs.mkdirSync(b);
  buildTree(a);
  const snap = writeSnapshot(a);
  const healthy = view(a);
  expect(healthy.facl.size).toBeGreaterThan(BULK_DIRS * BULK_FILES);
  expect(healthy.caps.join('\n')).toContain('tree/caps/ping cap_net_raw=ep');
  damage(a);
  sh(`cp -a ${JSON.stringify(path.join(a, 'tree'))} ${JSON.stringify(b)}`, dir);
  const damaged = view(a);
  expect(view(b)).toEqual(damaged);
  expect(damaged.facl).not.toEqual(healthy.facl);
  expect(damaged.caps).not.toEqual(healthy.caps);
  return { a, b, snap, healthy, damaged };
}

describe.skipIf(!restoreReady)(`restore --jobs (${SKIP_REASON})`, () => {
  it('gives the same dry run, summary, tree and journal with --jobs 3 as with --jobs 1, and each journal gives the damage back', () => {
    const { a, b, snap, healthy, damaged } = twoDamagedCopies();

    const dry1 = restore([snap, '--root', a, '--dry-run', '--jobs', '1']);
    const dry3 = restore([snap, '--root', a, '--dry-run', '--jobs', '3']);
    expect(dry1.status, dry1.stderr).toBe(0);
    expect(dry3.status, dry3.stderr).toBe(0);
    const lines1 = dry1.stdout.toString('latin1').split('\n');
    expect(lines1.length).toBeGreaterThan(BULK_DIRS * BULK_FILES);
    expect(dry3.stdout.toString('latin1').split('\n')).toEqual(lines1);
    expect(summaryLine(dry3)).toBe(summaryLine(dry1));
    expect(view(a)).toEqual(damaged);

    const journal1 = path.join(dir, 'jobs1.facl');
    const journal3 = path.join(dir, 'jobs3.facl');
    const one = restore([snap, '--root', a, '--undo', journal1, '--jobs', '1']);
    const three = restore([snap, '--root', b, '--undo', journal3, '--jobs', '3']);
    expect(one.status, one.stderr).toBe(0);
    expect(three.status, three.stderr).toBe(0);
    expect(summaryLine(three)).toBe(summaryLine(one));
    expect(summaryLine(one)).toBe(summaryLine(dry1).replace('dry run: ', '').replace('would change', 'changed'));
    expect(summaryOf(one.stderr)?.problems).toBe(0);
    expect(view(a)).toEqual(healthy);
    expect(view(b)).toEqual(healthy);

    const blocks1 = journalBlocks(journal1);
    expect(blocks1.length).toBe(summaryOf(one.stderr)?.changed);
    expect(journalBlocks(journal3)).toEqual(blocks1);

    // Each journal, restored with the other number of threads, gives the damage back exactly.
    const undo1 = restore([journal1, '--root', a, '--no-undo', '--jobs', '3']);
    const undo3 = restore([journal3, '--root', b, '--no-undo', '--jobs', '1']);
    expect(undo1.status, undo1.stderr).toBe(0);
    expect(undo3.status, undo3.stderr).toBe(0);
    expect(summaryLine(undo3)).toBe(summaryLine(undo1));
    expect(view(a)).toEqual(damaged);
    expect(view(b)).toEqual(damaged);
  });

  it.skipIf(!hasPrlimit)('gives the same dry run, tree, summary and journal blocks with chunks cut small by a low descriptor limit (needs prlimit)', () => {
    const { a, b, snap, healthy, damaged } = twoDamagedCopies();
    // 400 descriptors: chunks of 48 paths whatever --jobs is, so the same order.
    const dry1 = restoreWithFewDescriptors(400, [snap, '--root', a, '--dry-run', '--jobs', '1']);
    const dry3 = restoreWithFewDescriptors(400, [snap, '--root', a, '--dry-run', '--jobs', '3']);
    expect(dry1.status, dry1.stderr).toBe(0);
    expect(dry3.status, dry3.stderr).toBe(0);
    expect(summaryLine(dry3)).toBe(summaryLine(dry1));
    expect(dry3.stdout.toString('latin1').split('\n')).toEqual(dry1.stdout.toString('latin1').split('\n'));
    // Small chunks defer directories that chunks of 1024 do not: the order differs from the default's.
    const dryDefault = restore([snap, '--root', a, '--dry-run', '--jobs', '3']);
    expect(dryDefault.stdout.toString('latin1')).not.toBe(dry3.stdout.toString('latin1'));

    const journal1 = path.join(dir, 'jobs1.facl');
    const journal3 = path.join(dir, 'jobs3.facl');
    const one = restoreWithFewDescriptors(400, [snap, '--root', a, '--undo', journal1, '--jobs', '1']);
    const three = restoreWithFewDescriptors(400, [snap, '--root', b, '--undo', journal3, '--jobs', '3']);
    expect(one.status, one.stderr).toBe(0);
    expect(three.status, three.stderr).toBe(0);
    expect(summaryLine(three)).toBe(summaryLine(one));
    expect(view(a)).toEqual(healthy);
    expect(view(b)).toEqual(healthy);
    expect(journalBlocks(journal3)).toEqual(journalBlocks(journal1));

    const undo3 = restoreWithFewDescriptors(400, [journal3, '--root', b, '--no-undo', '--jobs', '3']);
    expect(undo3.status, undo3.stderr).toBe(0);
    expect(view(b)).toEqual(damaged);
  });

  it('takes the last block for a path however it is spelt (tree/d, ./tree/d), with any --jobs', () => {
    const block = (recorded: string, user: string, group: string, other: string): string =>
      `# file: ${recorded}\n# owner: root\n# group: root\nuser::${user}\ngroup::${group}\nother::${other}\n`;
    fs.mkdirSync(path.join(dir, 'tree/d'), { recursive: true });
    // More files than a chunk, so that the two blocks for tree/d land in different chunks.
    const names = Array.from({ length: 1100 }, (_, i) => `tree/d/f${String(i).padStart(4, '0')}`);
    for (const name of names) fs.writeFileSync(path.join(dir, name), '');
    const snap = path.join(dir, 'spellings.facl');
    const blocks = [...names.map((n) => block(n, 'rw-', 'r--', 'r--')), block('tree/d', 'rwx', '---', '---'), block('./tree/d', 'rwx', 'r-x', '---')];
    fs.writeFileSync(snap, blocks.join('\n'));
    for (const jobs of ['1', '2', '3']) {
      sh('chmod -R 0777 tree', dir);
      const r = restore([snap, '--root', dir, '--no-undo', '--jobs', jobs]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr, `--jobs ${jobs}`).toContain(`1 block(s) repeat a path given earlier in the snapshot (the first: ${path.join(dir, 'tree/d')})`);
      expect((fs.statSync(path.join(dir, 'tree/d')).mode & 0o7777).toString(8), `--jobs ${jobs}`).toBe('750');
      expect((fs.statSync(path.join(dir, 'tree/d/f1099')).mode & 0o7777).toString(8)).toBe('644');
    }
  });
});

const FILES = 3000;
const INNER_FILES = 1200;
const FILE_MODES = [0o600, 0o640, 0o604, 0o400, 0o700, 0o644, 0o000, 0o660];

describe.skipIf(!isRoot || !hasSetpriv)('restore --jobs as an unprivileged user (needs root to set up the tree as uid 65534, and setpriv)', () => {
  it('reports the problems of changes that fail in the same order with --jobs 3 as with --jobs 1', () => {
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(path.join(dir, 'tree'));
    for (let d = 0; d < 3; d++) {
      fs.mkdirSync(path.join(dir, `tree/d${d}`));
      for (let f = 0; f < 900; f++) fs.writeFileSync(path.join(dir, `tree/d${d}/f${String(f).padStart(3, '0')}`), '');
    }
    // Every tenth file is root's in the snapshot: nobody may not give it back (EPERM), in every chunk.
    sh('chown -R 65534:65534 tree && chmod 0644 tree/d*/f* && chown 0:0 tree/d*/f*0', dir);
    const snap = writeSnapshot(dir);
    sh('chown -R 65534:65534 tree && chmod 0777 tree/d*/f*', dir);
    const problems = (jobs: string): string[] => {
      const r = runAsNobody(process.execPath, [CLI, 'restore', snap, '--root', dir, '--no-undo', '--jobs', jobs], { cwd: dir });
      expect(r.status, r.stderr).toBe(1);
      return r.stderr.split('\n').filter((l) => l.startsWith('permsnap: ') && l.includes('/tree/'));
    };
    const one = problems('1');
    expect(one.length).toBe(270);
    sh('chmod 0777 tree/d*/f*', dir);
    expect(problems('3')).toEqual(one);
  });

  for (const locked of [0o000, 0o600]) {
    const shown = locked.toString(8).padStart(4, '0');
    it(`fixes every file of a directory whose snapshot mode is ${shown} across chunks, and sets the directory's mode last`, () => {
      // nobody must reach the snapshot and the tree.
      fs.chmodSync(dir, 0o755);
      const tree = path.join(dir, 'tree');
      const lockedDir = path.join(tree, 'locked');
      const innerDir = path.join(lockedDir, 'inner');
      fs.mkdirSync(innerDir, { recursive: true });
      const wanted = new Map<string, number>();
      const make = (p: string, i: number): void => {
        fs.writeFileSync(p, '');
        wanted.set(p, FILE_MODES[i % FILE_MODES.length] as number);
      };
      for (let i = 0; i < FILES; i++) make(path.join(lockedDir, `f${String(i).padStart(4, '0')}`), i);
      for (let i = 0; i < INNER_FILES; i++) make(path.join(innerDir, `g${String(i).padStart(4, '0')}`), i + 3);
      for (const [p, mode] of wanted) fs.chmodSync(p, mode);
      sh('chown -R 65534:65534 tree && chmod 0755 tree', dir);
      fs.chmodSync(innerDir, locked);
      fs.chmodSync(lockedDir, locked);
      const snap = writeSnapshot(dir);

      // The damage: everything reachable and writable.
      sh('chmod 0755 tree/locked tree/locked/inner && chmod 0666 tree/locked/f* tree/locked/inner/g*', dir);
      const r = runAsNobody(process.execPath, [CLI, 'restore', snap, '--root', dir, '--no-undo', '--jobs', '2'], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      const changed = FILES + INNER_FILES + 2;
      // tree itself is already right.
      expect(summaryOf(r.stderr)).toEqual({ changed, alreadyCorrect: 1, missing: 0, problems: 0 });
      expect(r.stderr).toContain(`${changed} path(s) changed (mode ${changed})`);

      // Read back as root.
      let wrong = 0;
      let latestFile = 0n;
      let latestInner = 0n;
      for (const [p, mode] of wanted) {
        const st = fs.statSync(p, { bigint: true });
        if (Number(st.mode & 0o7777n) !== mode) wrong++;
        if (p.startsWith(`${innerDir}/`)) latestInner = st.ctimeNs > latestInner ? st.ctimeNs : latestInner;
        else latestFile = st.ctimeNs > latestFile ? st.ctimeNs : latestFile;
      }
      expect(wrong).toBe(0);
      const lockedSt = fs.statSync(lockedDir, { bigint: true });
      const innerSt = fs.statSync(innerDir, { bigint: true });
      expect(Number(lockedSt.mode & 0o7777n).toString(8)).toBe(locked.toString(8));
      expect(Number(innerSt.mode & 0o7777n).toString(8)).toBe(locked.toString(8));
      // Changed after everything beneath it (the kernel's coarse clock may tie).
      expect(innerSt.ctimeNs).toBeGreaterThanOrEqual(latestInner);
      expect(lockedSt.ctimeNs).toBeGreaterThanOrEqual(innerSt.ctimeNs);
      expect(lockedSt.ctimeNs).toBeGreaterThanOrEqual(latestFile);
    });
  }
});
