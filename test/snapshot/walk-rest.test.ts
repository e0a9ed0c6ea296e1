// The rest of a directory left to another job (DirectoryTask.names): walked from the names
// given, not read anew; and when the directory is gone by then, each entry is looked for
// by path and each one missing is said, as getfacl's walk, which had it open, would say it.
// The names travel joined by NULs, as readNames gives them; a job past its budget leaves
// the rest in two halves that lose and repeat nothing, and a directory bigger than one read
// is read in batches, its unread rest handed on as its open descriptor.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeDirectory, openDirectoryAt, readNames, AT_FDCWD, type FileStat } from '../../src/platform/dir-fd.js';
import type { SystemError } from '../../src/platform/libc.js';
import type { HolePart } from '../../src/snapshot/job-part.js';
import { runJob } from '../../src/snapshot/run-job.js';
import { resolveSettings, snapshot } from '../../src/snapshot/snapshot.js';
import { NAME_BATCH, walkDirectoryTask, type DirectoryTask, type WalkOptions } from '../../src/walk/walk-tree.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-walk-rest-');
});
afterEach(() => removeTree(dir));

const options: WalkOptions = { symlinks: 'toplevel', oneFileSystem: false, sorted: false, doNotEnter: new Set() };

function walk(task: DirectoryTask): { visited: string[]; errors: string[] } {
  const visited: string[] = [];
  const errors: string[] = [];
  walkDirectoryTask(task, options, {
    visit: (p: string, _st: FileStat) => void visited.push(p),
    error: (p: string, err: SystemError) => void errors.push(`${p}: ${err.code}`),
  });
  return { visited, errors };
}

describe('walking the rest of a directory', () => {
  it('walks only the names given, in their order, entering subdirectories', () => {
    const d = path.join(dir, 'd');
    fs.mkdirSync(path.join(d, 'sub'), { recursive: true });
    for (const f of ['a', 'b', 'c', 'sub/x']) fs.writeFileSync(path.join(d, f), '');
    const task: DirectoryTask = { path: d, depth: 0, ancestors: [], rootDev: -1, followed: false, names: ['c', 'sub', 'a'].join('\0') };
    expect(walk(task)).toEqual({ visited: [`${d}/c`, `${d}/sub`, `${d}/sub/x`, `${d}/a`], errors: [] });
  });

  it('says each entry missing when the directory is gone', () => {
    const d = path.join(dir, 'gone');
    const task: DirectoryTask = { path: d, depth: 0, ancestors: [], rootDev: -1, followed: false, names: ['a', 'b'].join('\0') };
    expect(walk(task)).toEqual({ visited: [], errors: [`${d}/a: ENOENT`, `${d}/b: ENOENT`] });
  });
});

/** The names of directory d as readNames gives them. */
function namesOf(d: string): string {
  const fd = openDirectoryAt(AT_FDCWD, d, true, d);
  try {
    return readNames(fd, d).names;
  } finally {
    closeDirectory(fd);
  }
}

describe('reading and splitting names', () => {
  it('reads every name once, bytes as they are, over several reads of the directory', () => {
    const d = path.join(dir, 'many');
    fs.mkdirSync(d);
    const odd = [Buffer.from('new\nline'), Buffer.from([0x66, 0xff, 0xfe]), Buffer.from(' lead and trail ')];
    for (const name of odd) fs.writeFileSync(Buffer.concat([Buffer.from(`${d}/`), name]), '');
    // 5000 names of 40 bytes are more than one 64 KiB read of the kernel's records.
    for (let i = 0; i < 5000; i++) fs.writeFileSync(path.join(d, `${String(i).padStart(36, '0')}.txt`), '');
    const names = namesOf(d).split('\0');
    const expected = fs.readdirSync(d, { encoding: 'buffer' }).map((b) => b.toString('latin1'));
    expect(names).toHaveLength(5003);
    expect(names.sort()).toEqual(expected.sort());
  });

  it('reads an empty directory as no names', () => {
    const d = path.join(dir, 'empty');
    fs.mkdirSync(d);
    expect(namesOf(d)).toBe('');
  });

  it('leaves the rest of a directory past the budget in two halves that cover it exactly', () => {
    const d = path.join(dir, 'wide');
    fs.mkdirSync(d);
    for (let i = 0; i < 101; i++) fs.writeFileSync(path.join(d, `f${i}`), '');
    const all = namesOf(d).split('\0');
    // The directory's own entry and 9 of its files make the budget: the other 92 are left.
    const parts = runJob({ argument: d }, resolveSettings({}), 10);
    const holes = parts.filter((p): p is HolePart => p.kind === 'hole').map((h) => (h.task?.names ?? '').split('\0'));
    expect(holes).toHaveLength(2);
    for (const half of holes) expect(half.length).toBeGreaterThan(40);
    expect([...(holes[0] as string[]), ...(holes[1] as string[])]).toEqual(all.slice(9));
  });
});

describe('a directory bigger than one read', () => {
  // One for the tests that need more names than a read takes: made once, only read.
  let huge = '';
  beforeAll(() => {
    huge = makeTempDir('permsnap-walk-huge-');
    for (let i = 0; i < NAME_BATCH + 300; i++) fs.writeFileSync(path.join(huge, `f${i}`), '');
  });
  afterAll(() => removeTree(huge));

  it('is read in batches that together give every name once', () => {
    const d = path.join(dir, 'batches');
    fs.mkdirSync(d);
    for (let i = 0; i < 2500; i++) fs.writeFileSync(path.join(d, `f${i}`), '');
    const fd = openDirectoryAt(AT_FDCWD, d, true, d);
    try {
      const first = readNames(fd, d, 1000);
      expect(first.end).toBe(false);
      expect(first.names.split('\0').length).toBeGreaterThanOrEqual(1000);
      const rest = readNames(fd, d);
      expect(rest.end).toBe(true);
      expect([...first.names.split('\0'), ...rest.names.split('\0')]).toEqual(namesOf(d).split('\0'));
    } finally {
      closeDirectory(fd);
    }
  });

  it('hands its unread rest on, open, and the walk that reads the end closes it', () => {
    const d = huge;
    const all = namesOf(d).split('\0');
    const parts = runJob({ argument: d }, resolveSettings({}), 10);
    const holes = parts.filter((p): p is HolePart => p.kind === 'hole').map((h) => h.task as DirectoryTask);
    expect(holes).toHaveLength(3);
    const [low, high, unread] = holes as [DirectoryTask, DirectoryTask, DirectoryTask];
    // The first batch's names not walked, in two halves; then the directory, open.
    expect(low.openFd).toBeUndefined();
    expect(high.openFd).toBeUndefined();
    expect(unread.names).toBeUndefined();
    const fd = unread.openFd as number;
    expect(fs.fstatSync(fd).isDirectory()).toBe(true);
    const rest = walk(unread);
    expect(rest.errors).toEqual([]);
    const walked = [...(low.names as string).split('\0'), ...(high.names as string).split('\0'), ...rest.visited.map((p) => path.basename(p))];
    expect(walked).toEqual(all.slice(9));
    expect(() => fs.fstatSync(fd)).toThrow(/EBADF/);
  });

  it('is closed, left open for a job that never starts, when the snapshot ends early', async () => {
    const open = (): number => fs.readdirSync('/proc/self/fd').length;
    const before = open();
    let writes = 0;
    const failing = {
      write: async (): Promise<void> => {
        if (++writes > 1) throw new Error('disk full');
      },
      commit: async (): Promise<void> => undefined,
      abort: async (): Promise<void> => undefined,
    };
    await expect(snapshot([huge], failing, { jobs: 1 })).rejects.toThrow('disk full');
    expect(open()).toBe(before);
  });
});
