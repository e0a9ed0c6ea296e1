// The library refuses, as the CLI does, globs that would silently match everything or
// nothing ("!x" is a negation in the glob dialect; "", "/" name no path), before doing
// anything: a program's `exclude: ['!x']` left the whole tree out of a snapshot or diff.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diff, restore, snapshot } from '../../src/index.js';
import { nssResolver } from '../../src/restore/id-resolver.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-glob-options-');
  fs.mkdirSync(path.join(dir, 'tree'));
  fs.writeFileSync(path.join(dir, 'tree/f'), '');
});
afterEach(() => removeTree(dir));

const sink = { write: async (): Promise<void> => {}, commit: async (): Promise<void> => {}, abort: async (): Promise<void> => {} };
const refusal = async (run: () => Promise<unknown>): Promise<string> => run().then(() => 'done', (e: { code?: string; message: string }) => `${e.code} ${e.message}`);

describe('library glob options', () => {
  it('refuses "!x", "" and "/" in snapshot, diff and restore, with a usage error naming the option', async () => {
    const tree = path.join(dir, 'tree');
    expect(await refusal(() => snapshot([tree], sink, { exclude: ['!x'] }))).toMatch(/^USAGE exclude "!x": a glob beginning with "!" would match every other path/);
    expect(await refusal(() => snapshot([tree], sink, { exclude: [''] }))).toBe('USAGE exclude "": an empty glob, expected a path or pattern');
    expect(await refusal(() => diff(tree, tree, sink, { exclude: ['/'] }))).toBe('USAGE exclude "/": an empty glob, expected a path or pattern');
    const snap = { fileName: 'snap.facl', bytes: Buffer.from('# file: f\nuser::rw-\ngroup::r--\nother::r--\n\n') };
    expect(await refusal(() => restore(snap, { root: tree, ids: nssResolver(), journal: null, only: ['!f'] }))).toMatch(/^USAGE only "!f": a glob beginning with "!"/);
    expect(await refusal(() => restore(snap, { root: tree, ids: nssResolver(), journal: null, exclude: 'f' as unknown as string[] }))).toBe('USAGE exclude: expected an array of globs, got "f"');
    // Nothing was changed: the file keeps its mode.
    expect(fs.statSync(path.join(tree, 'f')).mode & 0o777).toBe(0o644 & ~process.umask());
    // A glob that names something is taken.
    expect(await refusal(() => snapshot([tree], sink, { exclude: ['\\!x', 'f'] }))).toBe('done');
  });
});
