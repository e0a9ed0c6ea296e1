// The rest of a directory left to another job (DirectoryTask.names): walked from the names
// given, not read anew; and when the directory is gone by then, each entry is looked for
// by path and each one missing is said, as getfacl's walk, which had it open, would say it.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileStat } from '../../src/platform/dir-fd.js';
import type { SystemError } from '../../src/platform/libc.js';
import { walkDirectoryTask, type DirectoryTask, type WalkOptions } from '../../src/walk/walk-tree.js';
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
    const task: DirectoryTask = { path: d, depth: 0, ancestors: [], rootDev: -1, followed: false, names: ['c', 'sub', 'a'] };
    expect(walk(task)).toEqual({ visited: [`${d}/c`, `${d}/sub`, `${d}/sub/x`, `${d}/a`], errors: [] });
  });

  it('says each entry missing when the directory is gone', () => {
    const d = path.join(dir, 'gone');
    const task: DirectoryTask = { path: d, depth: 0, ancestors: [], rootDev: -1, followed: false, names: ['a', 'b'] };
    expect(walk(task)).toEqual({ visited: [], errors: [`${d}/a: ENOENT`, `${d}/b: ENOENT`] });
  });
});
