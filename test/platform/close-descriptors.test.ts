// closeDescriptors: a restore chunk lets go of its pins with one close_range per run of
// consecutive numbers. It must close exactly the numbers given: a descriptor of someone
// else's between two of them (a kept directory, the journal) stays open.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDescriptors } from '../../src/platform/safe-ops.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
let file = '';
const leftOpen: number[] = [];

beforeEach(() => {
  dir = makeTempDir('permsnap-close-');
  file = path.join(dir, 'f');
  fs.writeFileSync(file, '');
});
afterEach(() => {
  for (const fd of leftOpen.splice(0)) fs.closeSync(fd);
  removeTree(dir);
});

const isOpen = (fd: number): boolean => {
  try {
    fs.fstatSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EBADF') return false;
    throw err;
  }
};

describe('closeDescriptors', () => {
  it('closes every descriptor given, in any order, and none between them', () => {
    const opened = Array.from({ length: 12 }, () => fs.openSync(file, 'r'));
    // Two in the middle of the run, and the last, stay the caller's.
    const kept = [opened[4] as number, opened[5] as number, opened[11] as number];
    leftOpen.push(...kept);
    const given = opened.filter((fd) => !kept.includes(fd)).reverse();
    // A number given twice is closed once (and does not stretch a run).
    closeDescriptors([...given, given[0] as number]);
    for (const fd of given) expect(isOpen(fd), `descriptor ${fd}`).toBe(false);
    for (const fd of kept) expect(isOpen(fd), `descriptor ${fd}`).toBe(true);
  });

  it('closes a lone descriptor, and does nothing for none', () => {
    const fd = fs.openSync(file, 'r');
    closeDescriptors([]);
    expect(isOpen(fd)).toBe(true);
    closeDescriptors([fd]);
    expect(isOpen(fd)).toBe(false);
  });
});
