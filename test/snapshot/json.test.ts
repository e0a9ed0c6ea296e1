// `snapshot --format json`: JSON Lines with contracts.md's entry schema. Every object is
// checked against the real getfacl's block for the same path (names, ids with -n, entries
// without effective comments with -E) and against getcap for capabilities.

import { isUtf8 } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclReady, blockFile, latin1, splitBlocks, unquote } from '../helpers/facl-text.js';
import { buildOddTree, ODD_NAMES } from '../helpers/odd-tree.js';
import { getfacl, hasCapTools, isRoot, makeTempDir, permsnap, removeTree, run } from '../helpers/tree.js';

const KEYS = new Set(['path', 'pathBase64', 'owner', 'group', 'uid', 'gid', 'mode', 'acl', 'defaultAcl', 'capability']);

let dir = '';
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeTree(dir));

type JsonEntry = Record<string, unknown>;

function jsonLines(args: string[]): JsonEntry[] {
  const r = permsnap(['snapshot', '--quiet', '--format', 'json', ...args], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const text = r.stdout.toString('utf8');
  expect(isUtf8(r.stdout)).toBe(true);
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const value: unknown = JSON.parse(line);
      expect(typeof value === 'object' && value !== null && !Array.isArray(value), line).toBe(true);
      return value as JsonEntry;
    });
}

/** The path bytes of a JSON entry. */
function pathBytes(entry: JsonEntry): Buffer {
  if ('pathBase64' in entry) return Buffer.from(entry.pathBase64 as string, 'base64');
  return Buffer.from(entry.path as string, 'utf8');
}

interface Expected {
  path: Buffer;
  owner: string; // as getfacl prints it (name, or decimal id when none)
  group: string;
  uid: number;
  gid: number;
  mode: string;
  acl: string[];
  defaultAcl: string[];
}

const PERM = (p: string): number => (p[0] === 'r' ? 4 : 0) | (p[1] === 'w' ? 2 : 0) | (p[2] === 'x' ? 1 : 0);

/** An independent reading of getfacl -R -E output (and of -n output for the ids). */
function expectedEntries(args: string[]): Expected[] {
  const named = splitBlocks(latin1(getfacl(['-R', '-E', ...args], { cwd: dir }).stdout));
  const numeric = splitBlocks(latin1(getfacl(['-R', '-E', '-n', ...args], { cwd: dir }).stdout));
  expect(numeric.length).toBe(named.length);
  return named.map((block, i) => {
    const header = new Map<string, string>();
    const acl: string[] = [];
    const defaultAcl: string[] = [];
    for (const line of block.split('\n')) {
      const m = /^# (file|owner|group|flags): (.*)$/.exec(line);
      if (m) header.set(m[1] as string, m[2] as string);
      else if (line.startsWith('default:')) defaultAcl.push(line.slice('default:'.length));
      else acl.push(line);
    }
    const ids = new Map((numeric[i] as string).split('\n').filter((l) => /^# (owner|group): /.test(l)).map((l) => l.slice(2).split(': ') as [string, string]));
    const perm = (tag: string): number => PERM((acl.find((e) => e.startsWith(`${tag}::`)) as string).slice(-3));
    const hasMask = acl.some((e) => e.startsWith('mask::'));
    const flags = header.get('flags') ?? '---';
    const special = (flags[0] === 's' ? 4 : 0) | (flags[1] === 's' ? 2 : 0) | (flags[2] === 't' ? 1 : 0);
    const mode = `${special}${perm('user')}${hasMask ? perm('mask') : perm('group')}${perm('other')}`;
    return {
      path: unquote(header.get('file') as string),
      owner: header.get('owner') as string,
      group: header.get('group') as string,
      uid: Number(ids.get('owner')),
      gid: Number(ids.get('group')),
      mode,
      acl,
      defaultAcl,
    };
  });
}

const utf8 = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');

describe.skipIf(!aclReady)('snapshot --format json (needs getfacl and ACLs on the temp filesystem)', () => {
  it("prints one JSON object per line, one per getfacl block, each matching getfacl's data for the path", () => {
    buildOddTree(dir);
    const entries = jsonLines(['tree']);
    const expected = expectedEntries(['tree']);
    expect(entries.length).toBe(expected.length);
    expect(entries.length).toBe(splitBlocks(latin1(getfacl(['-R', 'tree'], { cwd: dir }).stdout)).length);

    entries.forEach((entry, i) => {
      const want = expected[i] as Expected;
      const where = latin1(want.path);
      for (const key of Object.keys(entry)) expect(KEYS.has(key), `${where}: key ${key}`).toBe(true);
      expect(pathBytes(entry).equals(want.path), where).toBe(true);
      if (isUtf8(want.path)) {
        expect(entry.path, where).toBe(want.path.toString('utf8'));
        expect('pathBase64' in entry, where).toBe(false);
      } else {
        expect('path' in entry, where).toBe(false);
      }
      expect(entry.uid, where).toBe(want.uid);
      expect(entry.gid, where).toBe(want.gid);
      // getfacl prints the decimal id when there is no name: then JSON has no name at all.
      if (want.owner === String(want.uid)) expect('owner' in entry, where).toBe(false);
      else expect(entry.owner, where).toBe(utf8(unquote(want.owner).toString('latin1')));
      if (want.group === String(want.gid)) expect('group' in entry, where).toBe(false);
      else expect(entry.group, where).toBe(utf8(unquote(want.group).toString('latin1')));
      expect(entry.mode, where).toBe(want.mode);
      expect(entry.acl, where).toEqual(want.acl.map(utf8));
      if (want.defaultAcl.length > 0) expect(entry.defaultAcl, where).toEqual(want.defaultAcl.map(utf8));
      else expect('defaultAcl' in entry, where).toBe(false);
    });
  });

  it('gives mode as four octal digits with the special bits, and the group digit from the mask when there is one', () => {
    const f = (name: string): string => path.join(dir, 'm', name);
    fs.mkdirSync(path.join(dir, 'm'));
    fs.writeFileSync(f('setuid'), '');
    fs.chmodSync(f('setuid'), 0o4711);
    fs.writeFileSync(f('plain'), '');
    fs.chmodSync(f('plain'), 0o640);
    fs.writeFileSync(f('masked'), '');
    fs.chmodSync(f('masked'), 0o2754);
    execFileSync('setfacl', ['-m', 'u:bin:rwx,g::rwx,m::r', f('masked')]);
    fs.mkdirSync(f('sticky'));
    fs.chmodSync(f('sticky'), 0o1777);
    fs.writeFileSync(f('nothing'), '');
    fs.chmodSync(f('nothing'), 0);
    const byPath = new Map(jsonLines(['--sort', 'm']).map((e) => [e.path as string, e]));
    expect(byPath.get('m/setuid')?.mode).toBe('4711');
    expect(byPath.get('m/plain')?.mode).toBe('0640');
    expect(byPath.get('m/masked')?.mode).toBe('2744');
    expect(byPath.get('m/masked')?.acl).toEqual(['user::rwx', 'user:bin:rwx', 'group::rwx', 'mask::r--', 'other::r--']);
    expect(byPath.get('m/sticky')?.mode).toBe('1777');
    expect(byPath.get('m/nothing')?.mode).toBe('0000');
    expect(byPath.get('m/nothing')?.acl).toEqual(['user::---', 'group::---', 'other::---']);
  });

  it('gives a name that is not UTF-8 as pathBase64 (exact bytes) and no path', () => {
    buildOddTree(dir);
    const entries = jsonLines(['tree/odd']);
    const base64 = entries.filter((e) => 'pathBase64' in e);
    for (const e of base64) expect('path' in e).toBe(false);
    const notUtf8 = ODD_NAMES.filter((n) => !isUtf8(n)).map((n) => Buffer.concat([Buffer.from('tree/odd/'), n]));
    expect(notUtf8.length).toBeGreaterThan(0);
    expect(base64.map(pathBytes).map((b) => b.toString('hex')).sort()).toEqual(notUtf8.map((b) => b.toString('hex')).sort());
    // The UTF-8 odd names come out as strings, control characters and all.
    const paths = entries.filter((e) => 'path' in e).map((e) => e.path);
    expect(paths).toContain('tree/odd/new\nline');
    expect(paths).toContain('tree/odd/back\\slash');
    expect(paths).toContain('tree/odd/ünïcödé');
    expect(paths).toContain('tree/odd/dir\nwith newline/inner');
  });

  it('writes paths without "//" or a trailing "/" (contracts.md), where getfacl text has "tree/" and "tree//a"', () => {
    fs.mkdirSync(path.join(dir, 'g', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'g', 'sub', 'f'), '');
    expect(jsonLines(['g/']).map((e) => e.path)).toEqual(['g', 'g/sub', 'g/sub/f']);
    expect(jsonLines(['-p', `${dir}//g/`]).map((e) => e.path)).toEqual([`${dir}/g`, `${dir}/g/sub`, `${dir}/g/sub/f`]);
    expect(latin1(getfacl(['-R', 'g/'], { cwd: dir }).stdout)).toContain('# file: g//sub\n');
  });

  it.skipIf(!isRoot || !hasCapTools)('has capability exactly for the files getcap reports (needs root and setcap)', () => {
    fs.mkdirSync(path.join(dir, 'c'));
    fs.writeFileSync(path.join(dir, 'c', 'raw'), '');
    fs.writeFileSync(path.join(dir, 'c', 'two'), '');
    fs.writeFileSync(path.join(dir, 'c', 'none'), '');
    execFileSync('setcap', ['cap_net_raw=ep', path.join(dir, 'c', 'raw')]);
    execFileSync('setcap', ['cap_net_bind_service,cap_net_admin=ep', path.join(dir, 'c', 'two')]);
    const byPath = new Map(jsonLines(['c']).map((e) => [e.path as string, e]));
    expect(byPath.size).toBe(4);
    for (const [p, e] of byPath) {
      const out = latin1(run('getcap', [p], { cwd: dir }).stdout).replace(/\n$/, '');
      if (out === '') expect('capability' in e, p).toBe(false);
      else expect(e.capability, p).toBe(out.slice(p.length + 1));
    }
    expect(byPath.get('c/raw')?.capability).toBe('cap_net_raw=ep');
  });

  it('has defaultAcl only for directories with a default ACL, without default: prefixes or effective comments', () => {
    fs.mkdirSync(path.join(dir, 'd'));
    fs.mkdirSync(path.join(dir, 'd', 'with-default'));
    execFileSync('setfacl', ['-m', 'd:u:bin:rwx,d:m::r-x', path.join(dir, 'd', 'with-default')]);
    fs.mkdirSync(path.join(dir, 'd', 'without'));
    const byPath = new Map(jsonLines(['d']).map((e) => [e.path as string, e]));
    const expected = splitBlocks(latin1(getfacl(['-E', 'd/with-default'], { cwd: dir }).stdout))[0] as string;
    expect(blockFile(expected)).toBe('d/with-default');
    const defaults = expected.split('\n').filter((l) => l.startsWith('default:')).map((l) => l.slice('default:'.length));
    expect(defaults).toContain('user:bin:rwx');
    expect(byPath.get('d/with-default')?.defaultAcl).toEqual(defaults);
    for (const p of ['d', 'd/without']) expect('defaultAcl' in (byPath.get(p) as JsonEntry), p).toBe(false);
    for (const e of byPath.values()) for (const text of [...(e.acl as string[]), ...((e.defaultAcl as string[]) ?? [])]) expect(text).not.toMatch(/#|\t/);
  });
});
