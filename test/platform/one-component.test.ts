// The single-component opens restore pins files with (openInDirectory, openDirectoryIn) are
// plain openat calls, with no RESOLVE_BENEATH of their own: they refuse any name that is
// not one component beneath the directory, and a NUL byte never reaches C, where "..\0x"
// would be "..". Recorded paths are checked long before; these hold whatever a caller passes.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cPath } from '../../src/platform/byte-path.js';
import { closeDescriptor, openDirectoryIn, openInDirectory, openRoot } from '../../src/platform/safe-ops.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-one-component-');
  fs.mkdirSync(path.join(dir, 'root', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'root', 'f'), '');
});
afterEach(() => removeTree(dir));

const codeOf = (f: () => unknown): string | undefined => {
  try {
    const fd = f();
    if (typeof fd === 'number') closeDescriptor(fd);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
};

describe('opening one component beneath a directory', () => {
  it('refuses "..", ".", "", a name with a "/", and a NUL byte; opens a plain name', () => {
    const rootFd = openRoot(path.join(dir, 'root'));
    try {
      for (const open of [openInDirectory, openDirectoryIn]) {
        for (const name of ['..', '.', '', '../root', 'sub/..']) expect(codeOf(() => open(rootFd, name, name)), `${open.name} ${name}`).toBe('EXDEV');
        for (const name of ['..\0', '..\0sub', '\0']) expect(codeOf(() => open(rootFd, name, name)), `${open.name} ${JSON.stringify(name)}`).toBe('EINVAL');
        expect(codeOf(() => open(rootFd, 'sub', 'sub')), open.name).toBeUndefined();
      }
      expect(codeOf(() => openInDirectory(rootFd, 'f', 'f'))).toBeUndefined();
    } finally {
      closeDescriptor(rootFd);
    }
  });

  it('passes names to C as they are, NUL-terminated when not ASCII', () => {
    expect(cPath('plain')).toBe('plain');
    expect(cPath('\xff')).toEqual(Buffer.from([0xff, 0]));
    expect(() => cPath('a\0b')).toThrow(/NUL byte/);
    expect(() => cPath('\xff\0')).toThrow(/NUL byte/);
  });
});
