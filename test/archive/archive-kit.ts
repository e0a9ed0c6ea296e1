// Helpers for the --from-tar tests: the real archivers, permsnap's two kinds of snapshot,
// and block-level edits of getfacl text (latin1: one char per byte).

import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { blockFile, latin1, MARKER_LINE, splitBlocks } from '../helpers/facl-text.js';
import { hasCommand, permsnap, run, type Run } from '../helpers/tree.js';

export const hasGnuTar = hasCommand('tar') && run('tar', ['--version']).stdout.toString().includes('GNU tar');
export const hasBsdtar = hasCommand('bsdtar');
export const hasCompressors = hasCommand('gzip') && hasCommand('xz') && hasCommand('zstd');

/** Runs an archiver and insists it succeeded (bsdtar's warnings about non-UTF-8 names aside). */
export function archiver(cmd: 'tar' | 'bsdtar', args: string[], cwd: string): Run {
  const r = run(cmd, args, { cwd });
  const warnedOnly = cmd === 'bsdtar' && r.status === 1 && /Can't translate pathname/.test(r.stderr);
  if (r.status !== 0 && !warnedOnly) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r;
}

/** GNU tar with everything permsnap reads: POSIX ACLs and every xattr (capabilities included). */
export function gnuTarCreate(archive: string, members: string[], cwd: string, extra: string[] = []): string {
  archiver('tar', ['--acls', '--xattrs', '--xattrs-include=*', ...extra, '-cf', archive, ...members], cwd);
  return path.resolve(cwd, archive);
}

export function bsdtarCreate(archive: string, members: string[], cwd: string, extra: string[] = []): string {
  archiver('bsdtar', ['--acls', '--xattrs', ...extra, '-cf', archive, ...members], cwd);
  return path.resolve(cwd, archive);
}

/** `permsnap snapshot ARGS` that must succeed quietly; its stdout as latin1. */
export function snapshotOk(args: string[], cwd: string): string {
  const r = permsnap(['snapshot', '--quiet', ...args], { cwd });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return latin1(r.stdout);
}

/** The blocks of a text, without permsnap's marker lines (block counts differ when blocks are removed). */
export function unmarkedBlocks(text: string): string[] {
  return splitBlocks(text).map((block) =>
    block
      .split('\n')
      .filter((l) => !MARKER_LINE.test(l))
      .join('\n'),
  );
}

/** The `# file:` values of blocks (quoted as printed). */
export const fileOf = (block: string): string => blockFile(block) ?? `(no file line) ${block}`;

/** Paths (as `# file:` prints them) of the sockets beneath parent/rel: tar does not archive sockets. */
export function socketPaths(parent: string, rel: string, printedPrefix = rel): string[] {
  const found: string[] = [];
  const visit = (abs: Buffer, printed: string): void => {
    const st = fs.lstatSync(abs);
    if (st.isSocket()) found.push(printed);
    if (!st.isDirectory()) return;
    for (const name of fs.readdirSync(abs, { encoding: 'buffer' })) {
      visit(Buffer.concat([abs, Buffer.from('/'), name]), printed === '.' ? latin1(name) : `${printed}/${latin1(name)}`);
    }
  };
  visit(Buffer.from(path.join(parent, rel), 'latin1'), printedPrefix);
  return found;
}

/** Checks the begin/end markers of a text and returns the end marker's count. */
export function markerCount(text: string): number {
  const lines = text.split('\n');
  expect(lines.filter((l) => l === '# permsnap: begin')).toHaveLength(1);
  const ends = lines.filter((l) => l.startsWith('# permsnap: end, '));
  expect(ends).toHaveLength(1);
  return Number(/end, (\d+) entries/.exec(ends[0] as string)?.[1]);
}
