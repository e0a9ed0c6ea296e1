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

export const hasDpkgDeb = hasCommand('dpkg-deb');

export interface DebSpec {
  /** Creates the package's files beneath root (the future `/`). */
  populate(root: string): void;
  /** Maintainer scripts by name (postinst, preinst, ...), written executable. */
  scripts?: Record<string, string>;
  /** dpkg-deb -Z: gzip, xz, zstd or none. */
  compression?: 'gzip' | 'xz' | 'zstd' | 'none';
}

/**
 * Builds PKG.deb in parent with the real dpkg-deb, owners as they are on disk (no
 * --root-owner-group); returns the .deb's path. The package's tree stays in parent/PKG,
 * without its DEBIAN directory: the live tree the package was made from.
 */
export function buildDeb(parent: string, pkg: string, spec: DebSpec): string {
  const root = path.join(parent, pkg);
  fs.mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'DEBIAN', 'control'),
    `Package: ${pkg}\nVersion: 1.0\nArchitecture: all\nMaintainer: Test <test@example.com>\nDescription: permsnap test package\n`,
  );
  for (const [name, text] of Object.entries(spec.scripts ?? {})) fs.writeFileSync(path.join(root, 'DEBIAN', name), text, { mode: 0o755 });
  spec.populate(root);
  const deb = path.join(parent, `${pkg}.deb`);
  const r = run('dpkg-deb', [`-Z${spec.compression ?? 'xz'}`, '--build', root, deb]);
  if (r.status !== 0) throw new Error(`dpkg-deb --build ${pkg} failed (${r.status}): ${r.stderr}`);
  fs.rmSync(path.join(root, 'DEBIAN'), { recursive: true });
  return deb;
}

/** mkdir -p, then the mode and owner (chown first: it clears set-id bits). */
export function makeDir(p: string, mode = 0o755, uid = 0, gid = 0): void {
  fs.mkdirSync(p, { recursive: true });
  fs.chownSync(p, uid, gid);
  fs.chmodSync(p, mode);
}

export function makeFile(p: string, mode = 0o644, uid = 0, gid = 0): void {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, path.basename(p));
  fs.chownSync(p, uid, gid);
  fs.chmodSync(p, mode);
}
