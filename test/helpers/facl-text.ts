// Small, independent readers of getfacl text for the snapshot tests: blocks, `# file:`
// paths (unquoted to bytes), permsnap's marker lines; plus mounts and an unprivileged runner.
// Text is handled as latin1 strings: one char per byte, so any name survives.

import { spawnSync } from 'node:child_process';
import { makeTempDir, removeTree, run, supportsAcl, hasAclTools, type Run, type RunOptions } from './tree.js';

export const latin1 = (b: Buffer): string => b.toString('latin1');

/** True when getfacl/setfacl exist and the temp filesystem takes ACLs. */
export const aclReady: boolean =
  hasAclTools &&
  (() => {
    const probe = makeTempDir();
    try {
      return supportsAcl(probe);
    } finally {
      removeTree(probe);
    }
  })();

/** The blocks of a getfacl text, each without its terminating blank line. */
export function splitBlocks(text: string): string[] {
  if (text === '') return [];
  const trimmed = text.endsWith('\n\n') ? text.slice(0, -2) : text.replace(/\n$/, '');
  return trimmed.split('\n\n');
}

/** The `# file:` value of a block (still quoted), or undefined. */
export function blockFile(block: string): string | undefined {
  const line = block.split('\n').find((l) => l.startsWith('# file: '));
  return line?.slice('# file: '.length);
}

/** Every `# file:` value in order (still quoted). */
export function filePaths(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('# file: '))
    .map((l) => l.slice('# file: '.length));
}

/** setfacl's unquoting: backslash + three octal digits is a byte, `\\` is a backslash. */
export function unquote(quoted: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < quoted.length; i++) {
    const c = quoted.charCodeAt(i);
    if (c === 0x5c && /^[0-7]{3}$/.test(quoted.slice(i + 1, i + 4))) {
      out.push(parseInt(quoted.slice(i + 1, i + 4), 8));
      i += 3;
    } else if (c === 0x5c && quoted[i + 1] === '\\') {
      out.push(0x5c);
      i += 1;
    } else {
      out.push(c);
    }
  }
  return Buffer.from(out);
}

export const MARKER_LINE = /^# permsnap: /;

/** The text without permsnap's marker lines (what getfacl would have printed otherwise). */
export function stripMarkers(text: string): string {
  return text
    .split('\n')
    .filter((l) => !MARKER_LINE.test(l))
    .join('\n');
}

/** The text without `# capability:` lines. */
export function stripCapabilities(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('# capability: '))
    .join('\n');
}

/** Mounts; false when the kernel or the sandbox refuses (the caller skips). */
export function tryMount(type: string, target: string, options: string[] = []): boolean {
  const r = spawnSync('mount', ['-t', type, ...options, type, target]);
  return r.status === 0;
}

export function unmount(target: string): void {
  spawnSync('umount', [target]);
  // A busy mount (should not happen) must still not block removing the temp dir.
  spawnSync('umount', ['-l', target]);
}

export const hasSetpriv = spawnSync('sh', ['-c', 'command -v setpriv']).status === 0;

/** Runs a command as nobody (uid/gid 65534, no supplementary groups). */
export function runAsNobody(cmd: string, args: string[], options: RunOptions = {}): Run {
  return run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', cmd, ...args], options);
}

/** True when the line is a stack-trace frame (`    at f (file:1:2)`). */
export const STACK_FRAME = /^\s+at .+[:(]/m;

export interface TimedRun extends Run {
  timedOut: boolean;
}

/** Runs a command that might hang (a bug under test), killing it after timeoutMs. */
export function runWithTimeout(cmd: string, args: string[], options: RunOptions & { timeoutMs: number }): TimedRun {
  const r = spawnSync(cmd, args, { cwd: options.cwd, input: options.input, env: options.env, maxBuffer: 1 << 30, timeout: options.timeoutMs, killSignal: 'SIGKILL' });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  if (r.error && !timedOut) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout ?? Buffer.alloc(0), stderr: (r.stderr ?? Buffer.alloc(0)).toString('utf8'), timedOut };
}
