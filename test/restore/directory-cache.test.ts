// DirectoryCache.directoryIfPresent, restore's look at a path's parent: an existing
// directory gives a descriptor, a missing one null, and a whole missing subtree costs a few
// failed opens, not one per path beneath it; a symlink where a directory should be is never
// taken for a missing directory (it is refused later, not skipped).

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryCache } from '../../src/restore/directory-cache.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
let cache: DirectoryCache;

beforeEach(() => {
  dir = makeTempDir('permsnap-dircache-');
  cache = new DirectoryCache();
});
afterEach(() => {
  cache.close();
  removeTree(dir);
});

/** Counts the opens directoryIfPresent asks directory() for. */
function countOpens(): () => number {
  let opens = 0;
  const open = cache.directory.bind(cache);
  cache.directory = (...args) => {
    opens++;
    return open(...args);
  };
  return () => opens;
}

describe('DirectoryCache.directoryIfPresent', () => {
  it('gives a descriptor for an existing directory, the same one the next time', () => {
    fs.mkdirSync(path.join(dir, 'a/b'), { recursive: true });
    const fd = cache.directoryIfPresent(dir, 'a/b', 'a/b');
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(cache.directoryIfPresent(dir, 'a/b', 'a/b')).toBe(fd);
  });

  it('gives null for a missing directory and for one beneath a regular file', () => {
    fs.writeFileSync(path.join(dir, 'file'), '');
    expect(cache.directoryIfPresent(dir, 'nothing', 'nothing')).toBeNull();
    expect(cache.directoryIfPresent(dir, 'file/sub', 'file/sub')).toBeNull();
  });

  it('opens a missing subtree a few times only, whatever the number of paths beneath it', () => {
    fs.mkdirSync(path.join(dir, 'here'));
    const opens = countOpens();
    const parents: string[] = [];
    for (let i = 0; i < 2000; i++) parents.push(`gone/d${i % 37}/e${i % 11}/f${i % 5}`);
    for (const parent of parents) expect(cache.directoryIfPresent(dir, parent, parent)).toBeNull();
    // The first: gone/d0/e0/f0, then each parent up to gone; after that, none.
    expect(opens()).toBeLessThanOrEqual(5);
    // An existing directory next to it is still found.
    expect(cache.directoryIfPresent(dir, 'here', 'here')).toBeGreaterThanOrEqual(0);
    expect(cache.directoryIfPresent(dir, 'here/gone', 'here/gone')).toBeNull();
  });

  it('opens a missing directory beneath a path longer than PATH_MAX once, not once per ancestor', () => {
    // 3000 components (6 kB): opened component by component, which names the one missing.
    // Asking each ancestor in turn walked the path once per component (an archive's name of
    // 200k components held restore for minutes).
    fs.mkdirSync(path.join(dir, 'a/a'), { recursive: true });
    const deep = Array.from({ length: 3000 }, () => 'a').join('/');
    const opens = countOpens();
    expect(cache.directoryIfPresent(dir, deep, deep)).toBeNull();
    expect(opens()).toBe(1);
    // a/a/a is the highest missing directory: all beneath it is known missing, a/a is not.
    expect(cache.directoryIfPresent(dir, 'a/a/a/a', 'a/a/a/a')).toBeNull();
    expect(opens()).toBe(1);
    expect(cache.directoryIfPresent(dir, 'a/a', 'a/a')).toBeGreaterThanOrEqual(0);
  });

  it('refuses a symlink where a directory should be (ELOOP) rather than calling it missing', () => {
    fs.mkdirSync(path.join(dir, 'real'));
    fs.symlinkSync('real', path.join(dir, 'link'));
    expect(() => cache.directoryIfPresent(dir, 'link', 'link')).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    expect(() => cache.directoryIfPresent(dir, 'link/missing', 'link/missing')).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });
});
