// Helpers for the restore tests: the real getfacl/getcap as oracles keyed by path, a walk
// that records every inode's mode, owner and ctime (ctime catches a write that changed
// nothing), and the restore CLI, synchronous or spawned.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { aclReady, latin1, unquote } from './facl-text.js';
import { CLI, getfacl, hasCapTools, hasCommand, isRoot, permsnap, run, type Run, type RunOptions } from './tree.js';

export { aclReady, latin1 };

/** Everything the restore tests need: root, ACLs on the temp filesystem, the tools. */
export const restoreReady: boolean = isRoot && aclReady && hasCapTools && hasCommand('python3');
export const SKIP_REASON = 'needs root, getfacl/setfacl with ACLs on the temp filesystem, getcap/setcap and python3';

/** `permsnap snapshot tree` run in dir, written to dir/snap.facl; returns that path. */
export function writeSnapshot(dir: string): string {
  const snap = permsnap(['snapshot', '--quiet', 'tree'], { cwd: dir });
  if (snap.status !== 0) throw new Error(`permsnap snapshot failed: ${snap.stderr}`);
  const file = path.join(dir, 'snap.facl');
  fs.writeFileSync(file, snap.stdout);
  return file;
}

export function restore(args: string[], options: RunOptions = {}): Run {
  return permsnap(['restore', ...args], options);
}

/** `permsnap restore ARGS` as a child process (for signals and races). */
export function spawnRestore(args: string[], cwd: string): ChildProcess {
  return spawn(process.execPath, [CLI, 'restore', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Waits for a spawned child, killing it (SIGKILL) after timeoutMs. */
export function finished(child: ChildProcess, timeoutMs = 90_000): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** getfacl -R (or other args) as latin1 text; asserts nothing about its exit status. */
export function getfaclText(args: string[], cwd: string): string {
  return latin1(getfacl(args, { cwd }).stdout);
}

/** The blocks of a getfacl text keyed by their `# file:` line (order-independent comparisons). */
export function blocksByPath(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    const file = block.split('\n').find((l) => l.startsWith('# file: '));
    map.set(file ? file.slice('# file: '.length) : `(no file line) ${block}`, block);
  }
  return map;
}

/** getfacl -R of `rel` beneath cwd, keyed by path. */
export function faclTree(cwd: string, rel = 'tree'): Map<string, string> {
  return blocksByPath(getfaclText(['-R', rel], cwd));
}

/** getcap -r output, sorted lines. */
export function capTree(cwd: string, rel = 'tree'): string[] {
  return latin1(run('getcap', ['-r', rel], { cwd }).stdout)
    .split('\n')
    .filter(Boolean)
    .sort();
}

export interface InodeState {
  mode: number;
  uid: number;
  gid: number;
  ctimeNs: bigint;
  link?: string;
}

/**
 * lstat of parent/rel and everything beneath it, symlinks not followed, keyed by the path
 * relative to parent as raw bytes in latin1 (`tree/kinds/file`), as getfacl -R rel names them.
 */
export function statTree(parent: string, rel: string): Map<string, InodeState> {
  const out = new Map<string, InodeState>();
  const visit = (p: Buffer, rel: string): void => {
    const st = fs.lstatSync(p, { bigint: true });
    const state: InodeState = { mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid), ctimeNs: st.ctimeNs };
    if (st.isSymbolicLink()) state.link = latin1(fs.readlinkSync(p, { encoding: 'buffer' }));
    out.set(rel, state);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p, { encoding: 'buffer' })) {
        visit(Buffer.concat([p, Buffer.from('/'), name]), `${rel}/${latin1(name)}`);
      }
    }
  };
  visit(Buffer.from(path.join(parent, rel), 'latin1'), rel);
  return out;
}

/** Everything observable about a tree: getfacl -R, getcap -r and lstat (ctime included). */
export interface Observed {
  facl: Map<string, string>;
  caps: string[];
  stat: Map<string, InodeState>;
}

export function observe(parent: string, rel: string): Observed {
  return { facl: faclTree(parent, rel), caps: capTree(parent, rel), stat: statTree(parent, rel) };
}

/** `# file:` values (still quoted) of a snapshot text, duplicates removed. */
export function snapshotPaths(text: string): string[] {
  return [...new Set(text.split('\n').filter((l) => l.startsWith('# file: ')).map((l) => l.slice('# file: '.length)))];
}

/** The summary line's numbers. */
export function summaryOf(stderr: string): { changed: number; alreadyCorrect: number; missing: number; problems: number } | null {
  const m = /(\d+) path\(s\) (?:would change|changed)(?: \([^)]*\))?, (\d+) already correct, (\d+) missing \(skipped\).*?, (\d+) problem\(s\)/.exec(stderr);
  if (!m) return null;
  return { changed: Number(m[1]), alreadyCorrect: Number(m[2]), missing: Number(m[3]), problems: Number(m[4]) };
}

/** The paths with changes to make that a stopped run says it did not reach (0 when it says none). */
export function notReachedOf(stderr: string): number {
  return Number(/, (\d+) path\(s\) with changes to make not reached\b/.exec(stderr)?.[1] ?? 0);
}

/** chattr -i -a on a path if it exists (cleanup of immutable-file tests). */
export function clearAttributes(p: string): void {
  if (fs.existsSync(p)) spawnSync('chattr', ['-i', '-a', p]);
}

/** A flat big tree: DIR/rel/dNNN/fNNN, files mode 0640 (healthy), directories 0755. */
export function buildBigTree(parent: string, rel: string, dirs: number, filesPerDir: number): string {
  const root = path.join(parent, rel);
  spawnSync('python3', ['-c', `
import os, sys
root, dirs, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.mkdir(root)
os.chmod(root, 0o755)
for d in range(dirs):
    p = os.path.join(root, 'd%03d' % d)
    os.mkdir(p)
    os.chmod(p, 0o755)
    for f in range(files):
        fp = os.path.join(p, 'f%03d' % f)
        open(fp, 'w').close()
        os.chmod(fp, 0o640)
`, root, String(dirs), String(filesPerDir)]);
  return root;
}

/** A `# file:` value (quoted as getfacl quotes) as the raw-bytes latin1 key statTree uses. */
export function rawPath(quoted: string): string {
  return latin1(unquote(quoted));
}

/**
 * Fills DIR with sentinel files that a restore following a symlink would visibly change:
 * each NAME gets mode 0600, owner 4242:4343, a named ACL entry and (files) a capability.
 */
export function plantSentinels(dir: string, names: string[]): void {
  for (const name of names) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (!fs.existsSync(p)) fs.writeFileSync(p, 'sentinel\n');
    fs.chownSync(p, 4242, 4343);
    fs.chmodSync(p, 0o600);
    spawnSync('setfacl', ['-m', 'u:4444:r', p]);
    if (fs.statSync(p).isFile()) spawnSync('setcap', ['cap_chown=ep', p]);
  }
}
