// Test helpers: fresh temp trees on the real filesystem, the real getfacl/setfacl/getcap
// as oracles, and the built permsnap CLI.

import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO, 'bin/permsnap.js');

/** A module as built in dist/ (`npm test` builds first), typed as its source: `fromDist<typeof import('../../src/x.js')>('x.js')`. */
export const fromDist = <T>(module: string): Promise<T> => import(path.join(REPO, 'dist', module));

export const isRoot = process.getuid?.() === 0;

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

export const hasAclTools = hasCommand('getfacl') && hasCommand('setfacl');
export const hasCapTools = hasCommand('getcap') && hasCommand('setcap');

/** A fresh temp dir (cleaned up by the returned function's caller, usually afterEach). */
export function makeTempDir(prefix = 'permsnap-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeTree(dir: string): void {
  // chattr +i files would block removal; tests that set it clear it themselves.
  fs.rmSync(dir, { recursive: true, force: true });
}

/** True when the filesystem of dir supports POSIX ACLs. */
export function supportsAcl(dir: string): boolean {
  if (!hasAclTools) return false;
  const probe = path.join(dir, '.acl-probe');
  fs.writeFileSync(probe, '');
  try {
    return spawnSync('setfacl', ['-m', 'u:12345:r', probe]).status === 0;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

export interface Run {
  status: number;
  stdout: Buffer;
  stderr: string;
}

function toRun(r: SpawnSyncReturns<Buffer>): Run {
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** A command that runs longer is a hang: it is killed and the test fails (CI must never stall). */
const RUN_LIMIT_MS = 100_000;

/** Runs a command. Odd names (not UTF-8) are never arguments: tests walk their parent. */
export function run(cmd: string, args: string[], options: RunOptions = {}): Run {
  return toRun(spawnSync(cmd, args, {
    cwd: options.cwd, input: options.input, env: options.env, maxBuffer: 1 << 30, timeout: RUN_LIMIT_MS, killSignal: 'SIGKILL',
  }));
}

export interface RunOptions {
  cwd?: string;
  input?: Buffer | string;
  env?: NodeJS.ProcessEnv;
}

export function permsnap(args: string[], options: RunOptions = {}): Run {
  return run(process.execPath, [CLI, ...args], options);
}

export function getfacl(args: string[], options: RunOptions = {}): Run {
  return run('getfacl', args, options);
}

export function sh(script: string, cwd: string): string {
  return execFileSync('sh', ['-c', script], { cwd, encoding: 'utf8' });
}
