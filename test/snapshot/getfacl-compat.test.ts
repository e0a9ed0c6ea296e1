// permsnap snapshot --compat must print what getfacl -R prints, byte for byte, for every
// option set getfacl has, on a tree of odd names and every kind of file. The real getfacl
// is the oracle.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOddTree } from '../helpers/odd-tree.js';
import { CLI, getfacl, hasAclTools, makeTempDir, permsnap, removeTree, sh, supportsAcl, type Run } from '../helpers/tree.js';
import { NAME_BATCH } from '../../src/walk/walk-tree.js';

const OPTION_SETS: string[][] = [
  [],
  ['-a'],
  ['-d'],
  ['-c'],
  ['-e'],
  ['-E'],
  ['-s'],
  ['-p'],
  ['-n'],
  ['-L'],
  ['-P'],
  ['--one-file-system'],
  ['-e', '-E'],
  ['-E', '-e'],
  ['-ac'],
  ['-dn'],
  ['-sd'],
  ['-L', '-s'],
  ['-P', '-p'],
  ['-cde'],
  ['-L', '-P'],
  ['-P', '-L'],
];

let dir = '';
const ready = hasAclTools && (() => {
  const probe = makeTempDir();
  try {
    return supportsAcl(probe);
  } finally {
    removeTree(probe);
  }
})();

function compare(args: string[], cwd: string, extra: string[] = [], input?: string): void {
  const expected = getfacl(['-R', ...args], { cwd, input });
  const actual = permsnap(['snapshot', '--compat', '--quiet', ...extra, ...args], { cwd, input });
  expectSame(actual, expected);
}

function expectSame(actual: Run, expected: Run): void {
  expect(actual.stdout.toString('latin1')).toBe(expected.stdout.toString('latin1'));
  expect(actual.status).toBe(expected.status);
  expect(actual.stderr).toBe(expected.stderr.replaceAll('getfacl: ', 'permsnap: '));
}

describe.skipIf(!ready)('snapshot --compat against the real getfacl (needs getfacl and a filesystem with ACLs)', () => {
  beforeAll(() => {
    dir = makeTempDir();
    buildOddTree(dir);
  });
  afterAll(() => removeTree(dir));

  for (const options of OPTION_SETS) {
    it(`prints what getfacl -R ${options.join(' ')} prints for a relative path`, () => {
      compare([...options, 'tree'], dir);
    });
  }

  it('prints what getfacl prints for an absolute path, with the leading-slash notice', () => {
    compare([path.join(dir, 'tree')], dir);
  });

  it('prints what getfacl prints for ./ and trailing-slash arguments', () => {
    compare(['./tree/kinds', 'tree/acls/', './/tree/special', '.'], dir);
  });

  it('prints what getfacl prints for several arguments, missing and symlinked ones included', () => {
    compare(['tree/kinds/link-to-dir', 'missing', 'tree/kinds/dangling', 'tree/kinds/loop-a', 'tree/kinds/link-to-file', 'tree/acls'], dir);
  });

  it('prints what getfacl prints for symlink arguments with -L and -P', () => {
    compare(['-L', 'tree/kinds/link-to-dir', 'tree/kinds/loop-a'], dir);
    compare(['-P', 'tree/kinds/link-to-dir', 'tree/acls/named'], dir);
  });

  it('takes help, true and false for paths, as getfacl does, never for words or option values', () => {
    const words = path.join(dir, 'words');
    for (const name of ['help', 'true', 'false', 'version']) {
      fs.mkdirSync(path.join(words, name), { recursive: true });
      fs.writeFileSync(path.join(words, name, 'x'), '');
    }
    compare(['help'], words);
    compare(['true', 'false', 'version'], words);
    // A boolean option followed by "false" is the option, then the path "false".
    compare(['-a', 'false', 'help'], words);
    compare(['-d', 'true', '--numeric', 'false'], words);
  });

  it('reads paths from stdin where "-" is, as getfacl does: once, CRs cut, empty lines skipped', () => {
    compare(['-'], dir, [], 'tree/acls\r\n\r\n\ntree/special\n');
    compare(['tree/kinds', '-', 'missing', '-'], dir, [], 'tree/acls\nnothing-here');
    compare(['-'], dir, [], '');
    compare(['-', '-'], dir, [], '\n');
  });

  it('refuses a stdin line with a NUL byte (a find -print0 list), which no path holds: skipped and said, never recorded', () => {
    for (const extra of [[], ['--compat']]) {
      const r = permsnap(['snapshot', '--quiet', ...extra, '-'], { cwd: dir, input: 'tree/acls\ntree/acls\0tree/special\n' });
      const out = r.stdout.toString('latin1');
      expect(out).toContain('# file: tree/acls\n');
      expect(out).not.toContain('\0');
      expect(out).not.toContain('# file: tree/special');
      expect(r.stderr).toBe("permsnap: Standard input:2: a NUL byte in the line, expected one path per line (a list from find -print0? give find -print's): skipped\n");
      expect(r.status).toBe(1);
    }
    // Nothing else to read: no file is put in place of a baseline.
    const out = path.join(dir, 'print0.facl');
    const r = permsnap(['snapshot', '--quiet', '-', '-o', out], { cwd: dir, input: 'tree/acls\0tree/special\0' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not written: no path could be read');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('says "Standard input: Is a directory" where getfacl does when stdin cannot be read, and walks the rest', () => {
    const stdinDir = fs.openSync(dir, 'r');
    try {
      const both = (cmd: string, args: string[]): Run => {
        const r = spawnSync(cmd, args, { cwd: dir, stdio: [stdinDir, 'pipe', 'pipe'] });
        return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
      };
      const args = ['tree/acls', 'missing', '-', 'also-missing', 'tree/special'];
      const expected = both('getfacl', ['-R', ...args]);
      expect(expected.stderr).toContain('Standard input: Is a directory');
      expectSame(both(process.execPath, [CLI, 'snapshot', '--compat', ...args]), expected);
    } finally {
      fs.closeSync(stdinDir);
    }
  });

  it('walks a tree deeper than a low descriptor limit allows to hold open, as getfacl does', () => {
    const deep = path.join(dir, 'deep', ...Array.from({ length: 60 }, () => 'x'));
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(deep, 'f'), '');
    // `ulimit -n 48` leaves Node about 20 descriptors for the walk, over up to three threads.
    const limited = (cmd: string): Run => {
      const r = spawnSync('bash', ['-c', `ulimit -n 48 && exec ${cmd} deep`], { cwd: dir });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
    };
    const expected = limited('getfacl -R');
    expect(expected.stdout.toString('latin1')).toContain('x/x/f\n');
    expectSame(limited(`${process.execPath} ${CLI} snapshot --compat`), expected);
  });

  it('matches getfacl on a chain of directories as deep as getfacl goes (2,047 levels, its FILENAME_MAX), on one thread and on workers', () => {
    // 1,800 levels overflowed the stack of the thread walking them (QA helper-131).
    spawnSync('python3', ['-c', 'import os\nos.mkdir("chain"); os.chdir("chain")\nfor i in range(2100):\n  open("f", "w").close(); os.mkdir("d"); os.chdir("d")'], { cwd: dir });
    try {
      const expected = getfacl(['-R', 'chain'], { cwd: dir });
      expect(expected.stdout.toString('latin1').split('# file: ').length).toBeGreaterThan(4000);
      for (const jobs of ['1', '2']) expectSame(permsnap(['snapshot', '--compat', '--jobs', jobs, 'chain'], { cwd: dir }), expected);
    } finally {
      // Removed here: rm -rf goes as deep; Node's rmSync would not.
      sh('rm -rf chain', dir);
    }
  });

  it('matches getfacl on a directory bigger than one read, its unread rest handed on open', () => {
    // NAME_BATCH names are read at a time; the rest of the directory goes to other jobs as
    // its open descriptor. Under a low descriptor limit the directory is read whole instead.
    const huge = path.join(dir, 'huge');
    fs.mkdirSync(huge);
    for (let i = 0; i < NAME_BATCH + 2000; i++) {
      if (i % 5000 === 0) {
        fs.mkdirSync(path.join(huge, `d${i}`));
        fs.writeFileSync(path.join(huge, `d${i}`, 'inner'), '');
      } else fs.writeFileSync(path.join(huge, `f${i}`), '');
    }
    sh('setfacl -m u:bin:r huge/f1 huge/f34000 && setfacl -d -m g:bin:rx huge/d30000', dir);
    const expected = getfacl(['-R', 'huge'], { cwd: dir });
    expect(expected.stdout.toString('latin1')).toContain('# file: huge/d30000/inner\n');
    for (const jobs of ['1', '2', '3']) expectSame(permsnap(['snapshot', '--compat', '--jobs', jobs, 'huge'], { cwd: dir }), expected);
    const limited = spawnSync('bash', ['-c', `ulimit -n 48 && exec ${process.execPath} ${CLI} snapshot --compat huge`], { cwd: dir, maxBuffer: 1 << 30 });
    expect(limited.stdout.equals(expected.stdout)).toBe(true);
  });

  it('prints the same whether it runs on one thread or on workers', () => {
    const one = permsnap(['snapshot', '--compat', '--jobs', '1', 'tree'], { cwd: dir });
    const four = permsnap(['snapshot', '--compat', '--jobs', '4', 'tree'], { cwd: dir });
    expect(four.stdout.equals(one.stdout)).toBe(true);
    expect(one.stdout.equals(getfacl(['-R', 'tree'], { cwd: dir }).stdout)).toBe(true);
  });

  it('matches getfacl on a wide and deep tree that spreads over workers', () => {
    const wide = path.join(dir, 'wide');
    fs.mkdirSync(wide);
    for (let i = 0; i < 60; i++) {
      const sub = path.join(wide, `d${i}`);
      fs.mkdirSync(sub);
      for (let j = 0; j < 150; j++) fs.writeFileSync(path.join(sub, `f${j}`), '');
      fs.mkdirSync(path.join(sub, 'inner'));
      for (let j = 0; j < 20; j++) fs.writeFileSync(path.join(sub, 'inner', `g${j}`), '');
    }
    for (const jobs of ['1', '2', '3']) {
      const actual = permsnap(['snapshot', '--compat', '--jobs', jobs, 'wide'], { cwd: dir });
      expect(actual.stdout.equals(getfacl(['-R', 'wide'], { cwd: dir }).stdout)).toBe(true);
    }
  });

  it('matches getfacl on directories too big for one job, their rest split over jobs (files, subdirectories, a mix)', () => {
    // Past a job's budget (4000 entries) the rest of a directory goes to other jobs in halves.
    fs.mkdirSync(path.join(dir, 'big/files'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'big/dirs'));
    for (let i = 0; i < 9000; i++) fs.writeFileSync(path.join(dir, 'big/files', `f${i}`), '');
    for (let i = 0; i < 3000; i++) {
      fs.mkdirSync(path.join(dir, 'big/dirs', `d${i}`));
      fs.writeFileSync(path.join(dir, 'big/dirs', `d${i}`, i % 2 ? 'a' : 'b'), '');
      if (i % 500 === 0) fs.writeFileSync(path.join(dir, 'big', `m${i}`), '');
    }
    sh('setfacl -m u:bin:r big/files/f8999 big/dirs/d2999/a && setfacl -d -m u:bin:rx big/dirs/d1500', dir);
    const expected = getfacl(['-R', 'big'], { cwd: dir }).stdout;
    expect(expected.toString('latin1')).toContain('# file: big/dirs/d2999/a\n');
    for (const jobs of ['1', '2', '3']) {
      const actual = permsnap(['snapshot', '--compat', '--jobs', jobs, 'big'], { cwd: dir });
      expect(actual.stdout.equals(expected)).toBe(true);
    }
    const sorted = (jobs: string): Buffer => permsnap(['snapshot', '--sort', '--jobs', jobs, 'big'], { cwd: dir }).stdout;
    expect(sorted('3').equals(sorted('1'))).toBe(true);
  });
});
