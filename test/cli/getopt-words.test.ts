// Short options and option values as getopt reads them (getfacl's rules): bundled switches
// (-qc), a value attached to its short option (-oFILE, -j2), and the next word taken as a
// value whatever it looks like (--root -d). Found wanting by exploratory testing: -qc
// printed notices, -oout.facl was refused as the options -u -t, and --root -d as --root
// without a value.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inGetoptWords } from '../../src/cli/getopt-words.js';
import { makeTempDir, permsnap, removeTree } from '../helpers/tree.js';

const TABLE = {
  quiet: { alias: 'q', type: 'boolean' },
  'omit-header': { alias: 'c', type: 'boolean' },
  output: { alias: 'o', type: 'string' },
  jobs: { alias: 'j', type: 'number' },
  root: { type: 'string' },
} as const;

describe('inGetoptWords', () => {
  it('splits bundled switches, and gives a value its own word', () => {
    expect(inGetoptWords(['snapshot', '-qc', '-j2', '-oout.facl', 'tree'], TABLE)).toEqual(['snapshot', '-q', '-c', '-j', '2', '-o', 'out.facl', 'tree']);
    // After a short option that takes one, the rest of the word is its value: -oq is -o q.
    expect(inGetoptWords(['-cqoq', 'x'], TABLE)).toEqual(['-c', '-q', '-o', 'q', 'x']);
    expect(inGetoptWords(['-qo', 'x'], TABLE)).toEqual(['-q', '-o', 'x']);
  });

  it('joins a value that starts with "-" to its option, which yargs would take for an option', () => {
    expect(inGetoptWords(['--root', '-d', '-o', '-', '-j-1', '--output', '--x'], TABLE)).toEqual(['--root=-d', '--output=-', '--jobs=-1', '--output=--x']);
  });

  it('leaves "-", "--" and all after it, "--opt=value", unknown letters and an option without its value alone', () => {
    expect(inGetoptWords(['-', '--root=x', '-Z', '--', '-qc', '--root', '-d'], TABLE)).toEqual(['-', '--root=x', '-Z', '--', '-qc', '--root', '-d']);
    expect(inGetoptWords(['-xq'], TABLE)).toEqual(['-x', '-q']);
    expect(inGetoptWords(['x', '-o'], TABLE)).toEqual(['x', '-o']);
    expect(inGetoptWords(['--root', '--', 'x'], TABLE)).toEqual(['--root', '--', 'x']);
  });
});

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-getopt-words-');
  fs.mkdirSync(path.join(dir, 'tree'));
});
afterEach(() => removeTree(dir));

describe('the command line, read as getopt reads it', () => {
  it('is quiet with -q among other switches, and takes -oFILE and -j2', () => {
    const abs = path.join(dir, 'tree');
    const loud = permsnap(['snapshot', '-c', abs], { cwd: dir });
    expect(loud.stderr.toString()).toContain("Removing leading '/'");
    for (const args of [['-qc', abs], ['-cq', abs], ['-cqj1', abs]]) {
      const r = permsnap(['snapshot', ...args], { cwd: dir });
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stderr.toString(), args.join(' ')).toBe('');
    }
    const r = permsnap(['snapshot', '-qj2', '-oout.facl', 'tree'], { cwd: dir });
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'out.facl'), 'latin1')).toMatch(/^# file: tree\n/);
  });

  it('takes the word after an option as its value, even one that starts with "-"', () => {
    fs.mkdirSync(path.join(dir, '-d'));
    fs.writeFileSync(path.join(dir, 'snap.facl'), '# file: .\nuser::rwx\ngroup::r-x\nother::r-x\n\n');
    const r = permsnap(['restore', 'snap.facl', '--root', '-d', '--dry-run'], { cwd: dir });
    expect(r.stderr.toString()).toContain(`beneath ${path.join(dir, '-d')}`);
    expect(r.status, r.stderr.toString()).toBe(0);
  });
});
