// Short options and option values as getopt reads them (getfacl's rules): bundled switches
// (-qc), a value attached to its short option (-oFILE, -j2), the next word taken as a
// value whatever it looks like (--root -d), and an unknown option refused at once. Found
// wanting by exploratory testing: -qc printed notices, -oout.facl was refused as the
// options -u -t, --root -d as --root without a value, and `restore --dryrun s.facl` said
// that SNAPSHOT was missing.

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

  it('leaves "-", "--" and all after it, "--opt=value", -h, -v and an option without its value alone', () => {
    expect(inGetoptWords(['-', '--root=x', '-hv', '--', '-qc', '--root', '-d', '-Z'], TABLE)).toEqual(['-', '--root=x', '-h', '-v', '--', '-qc', '--root', '-d', '-Z']);
    expect(inGetoptWords(['x', '-o'], TABLE)).toEqual(['x', '-o']);
    expect(inGetoptWords(['--root', '--', 'x'], TABLE)).toEqual(['--root', '--', 'x']);
  });

  it('refuses the options the table does not have, as typed, each once, before the next word can be taken for a value', () => {
    expect(() => inGetoptWords(['restore', '--dryrun', 's.facl'], TABLE, 'restore')).toThrow(/^unknown option --dryrun for restore$/);
    expect(() => inGetoptWords(['-xqZ', '--nope=1', '-Z'], TABLE)).toThrow(/^unknown options -x, -Z, --nope$/);
    // A value is not an option: -o's and --root's here.
    expect(inGetoptWords(['-oZ', '--root', '--nope'], TABLE)).toEqual(['-o', 'Z', '--root=--nope']);
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

  it('names an unknown option before the operands as unknown, not an operand as missing', () => {
    fs.writeFileSync(path.join(dir, 'snap.facl'), '# file: .\nuser::rwx\ngroup::r-x\nother::r-x\n\n');
    for (const [args, said] of [
      [['restore', '--dryrun', 'snap.facl'], 'unknown option --dryrun for restore'],
      [['diff', '--numric', 'snap.facl', 'tree'], 'unknown option --numric for diff'],
      [['restore', '-Z', 'snap.facl'], 'unknown option -Z for restore'],
    ] as const) {
      const r = permsnap([...args], { cwd: dir });
      expect(r.stderr.toString(), args.join(' ')).toMatch(new RegExp(`^permsnap: ${said}\nUsage: permsnap ${args[0]} `));
      expect(r.status).toBe(2);
    }
    const nagios = permsnap(['diff', '--format', 'nagios', '--bogus', 'snap.facl', 'tree'], { cwd: dir });
    expect([nagios.status, nagios.stdout.toString()]).toEqual([3, 'PERMSNAP UNKNOWN - unknown option --bogus for diff\n']);
  });

  it('takes the word after an option as its value, even one that starts with "-"', () => {
    fs.mkdirSync(path.join(dir, '-d'));
    fs.writeFileSync(path.join(dir, 'snap.facl'), '# file: .\nuser::rwx\ngroup::r-x\nother::r-x\n\n');
    const r = permsnap(['restore', 'snap.facl', '--root', '-d', '--dry-run'], { cwd: dir });
    expect(r.stderr.toString()).toContain(`beneath ${path.join(dir, '-d')}`);
    expect(r.status, r.stderr.toString()).toBe(0);
  });
});
