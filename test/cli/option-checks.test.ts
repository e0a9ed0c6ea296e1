// Option values yargs lets through but a command must refuse before it reads or changes
// anything (exit 2, one clear line first): an empty --root (`--root "$MNT"` with MNT unset
// once restored the current directory), empty file options, --jobs out of range. And a
// --jobs above 10 that is allowed must not make Node warn of a listener leak.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, isRoot, makeTempDir, permsnap, removeTree, run } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-option-checks-');
  fs.mkdirSync(path.join(dir, 't'));
  fs.writeFileSync(path.join(dir, 't/f'), '');
  fs.chmodSync(path.join(dir, 't/f'), 0o600);
  fs.writeFileSync(path.join(dir, 's.facl'), '# file: f\nuser::rwx\ngroup::rwx\nother::rwx\n\n');
});
afterEach(() => removeTree(dir));

const modeOfF = (): string => (fs.statSync(path.join(dir, 't/f')).mode & 0o7777).toString(8);

function expectUsage(args: string[], cwd: string, message: RegExp): void {
  const r = permsnap(args, { cwd });
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.split('\n')[0]).toMatch(message);
  expect(r.stdout.length).toBe(0);
}

describe('option values refused as usage errors', () => {
  it('refuses an empty --root, given as "" or with nothing after it, and changes nothing', () => {
    const t = path.join(dir, 't');
    expectUsage(['restore', '../s.facl', '--no-undo', '--root', ''], t, /^permsnap: --root is empty, expected a directory$/);
    expectUsage(['restore', '../s.facl', '--no-undo', '--root'], t, /^permsnap: --root is empty, expected a directory$/);
    expect(modeOfF()).toBe('600');
    // The same file with a real --root does change it: the refusals above were not for another reason.
    const r = permsnap(['restore', 's.facl', '--no-undo', '--root', 't'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(modeOfF()).toBe('777');
  });

  it('refuses an empty -o/--output and an empty --exclude-from, for every command that has them', () => {
    expectUsage(['snapshot', '-o', '', 't'], dir, /^permsnap: --output is empty, expected a FILE$/);
    expectUsage(['snapshot', '--exclude-from', '', 't'], dir, /^permsnap: --exclude-from is empty, expected a FILE of globs$/);
    expectUsage(['diff', 's.facl', 't', '--exclude-from', ''], dir, /^permsnap: --exclude-from is empty, expected a FILE of globs$/);
    expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '--exclude-from', ''], dir, /^permsnap: --exclude-from is empty, expected a FILE of globs$/);
    // Even when nothing needs changing (the journal would never be opened).
    fs.writeFileSync(path.join(dir, 'same.facl'), '# file: f\nuser::rw-\ngroup::---\nother::---\n\n');
    expectUsage(['restore', 'same.facl', '--root', 't', '--undo', ''], dir, /^permsnap: --undo is empty, expected a FILE that does not exist yet$/);
    // "-" is stdout elsewhere: no file named "-" is made.
    expectUsage(['restore', 'same.facl', '--root', 't', '--undo', '-'], dir, /^permsnap: --undo -: a journal is a FILE, which the undo reads back, not stdout \(a file named "-": --undo \.\/-; none: --no-undo\)$/);
    expect(fs.existsSync(path.join(dir, '-'))).toBe(false);
    expect(modeOfF()).toBe('600');
  });

  it('refuses an --ignore that names no field (empty, "$IGN" unset, only commas) for restore and diff: never "ignore nothing"', () => {
    const fields = 'expected some of owner, group, mode, acl, default-acl, capability';
    for (const given of [[''], [','], [' , ']]) {
      expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '--ignore', ...given], dir, new RegExp(`^permsnap: --ignore (is empty|"[ ,]+" names no field), ${fields}$`));
      expectUsage(['diff', 's.facl', 't', '--ignore', ...given], dir, new RegExp(`^permsnap: --ignore (is empty|"[ ,]+" names no field), ${fields}$`));
    }
    expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '--ignore'], dir, new RegExp(`^permsnap: --ignore is empty, ${fields}$`));
    expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '--ignore', 'owner,bogus'], dir, new RegExp(`^permsnap: unknown field "bogus" in --ignore, ${fields}$`));
    expect(modeOfF()).toBe('600');
  });

  it('refuses options that contradict each other: --compat with --format json, --undo FILE with --no-undo', () => {
    expectUsage(['snapshot', '--compat', '--format', 'json', 't'], dir, /^permsnap: --compat prints getfacl's text, not --format json: give one of them$/);
    // Options of getfacl's text, which JSON would ignore (found by exploratory testing).
    for (const [flag, name] of [['-a', 'access'], ['-d', 'default'], ['-c', 'omit-header'], ['-e', 'all-effective'], ['--no-effective', 'no-effective']]) {
      expectUsage(['snapshot', '--format', 'json', flag, 't'], dir, new RegExp(`^permsnap: --${name} shapes getfacl's text, not --format json \\(JSON holds both ACLs, no comments\\)$`));
    }
    expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '--undo', 'j.facl'], dir, /^permsnap: give --undo FILE or --no-undo, not both$/);
    expect(modeOfF()).toBe('600');
    expect(fs.existsSync(path.join(dir, 'j.facl'))).toBe(false);
  });

  it('refuses an -o or --undo FILE whose name is not UTF-8 (Node would open another name), saying so', () => {
    fs.mkdirSync(Buffer.concat([Buffer.from(path.join(dir, 'odd')), Buffer.from([0xff])]));
    const withOdd = (args: string): ReturnType<typeof run> =>
      run('sh', ['-c', `cd "$1" && exec "$2" "$3" ${args} "$(printf 'odd\\377/x.facl')"`, 'sh', dir, process.execPath, CLI]);
    for (const [args, option] of [['snapshot t -o', '--output'], ['restore s.facl --root t --undo', '--undo']]) {
      const r = withOdd(args as string);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`permsnap: ${option} odd\\xff/x.facl: a path that is not UTF-8 is not supported, expected a UTF-8 path (mount --bind it at one, and give that)`);
    }
    expect(modeOfF()).toBe('600');
  });

  it('refuses an option that takes one value given twice, naming it (an array reached the command: NULs for a path, a TypeError)', () => {
    expectUsage(['restore', 's.facl', '--no-undo', '--root', 't', '--root', dir], dir, /^permsnap: --root given more than once, expected it once$/);
    expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '--ignore', 'owner', '--ignore', 'group'], dir, /^permsnap: --ignore given more than once/);
    expectUsage(['snapshot', 't', '-o', 'a.facl', '-o', 'b.facl'], dir, /^permsnap: --output given more than once/);
    expectUsage(['diff', 's.facl', 't', '--ignore', 'owner', '--ignore', 'group'], dir, /^permsnap: --ignore given more than once/);
    expect(modeOfF()).toBe('600');
    expect(fs.existsSync(path.join(dir, 'a.facl')) || fs.existsSync(path.join(dir, 'b.facl'))).toBe(false);
    // The repeatable ones still repeat.
    expect(permsnap(['snapshot', '-q', 't', '--exclude', 'x', '--exclude', 'y'], { cwd: dir }).status).toBe(0);
  });

  it('refuses --jobs outside 1-64 (1e3 too) for snapshot and restore', () => {
    for (const jobs of ['0', '65', '1e3', '2.5']) {
      expectUsage(['snapshot', '--jobs', jobs, 't'], dir, /^permsnap: Expected --jobs to be an integer from 1 to 64, got /);
      expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '--jobs', jobs], dir, /^permsnap: Expected --jobs to be an integer from 1 to 64, got /);
    }
    expect(modeOfF()).toBe('600');
  });

  it('refuses --jobs with nothing after it (not the default), and names a value that is not a number as given', () => {
    expectUsage(['snapshot', 't', '--jobs'], dir, /^permsnap: --jobs is empty, expected an integer from 1 to 64$/);
    expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '--jobs'], dir, /^permsnap: --jobs is empty, expected an integer from 1 to 64$/);
    expectUsage(['snapshot', 't', '--jobs', 'abc'], dir, /^permsnap: Expected --jobs to be an integer from 1 to 64, got "abc"$/);
    // Decimal digits only (yargs read these as 2).
    for (const jobs of ['0x2', '2e0', ' 2', '+2']) {
      expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '--jobs', jobs], dir, new RegExp(`^permsnap: Expected --jobs to be an integer from 1 to 64, got ${JSON.stringify(jobs).replace('+', '\\+')}$`));
    }
    expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '-j', 'two'], dir, /^permsnap: Expected --jobs to be an integer from 1 to 64, got "two"$/);
    expect(modeOfF()).toBe('600');
  });

  it('says which file it cannot read for --ids-from root, with exit 2 and no change', () => {
    expectUsage(['restore', 's.facl', '--root', 't', '--no-undo', '--ids-from', 'root'], dir,
      new RegExp(`^permsnap: ${path.join(dir, 't/etc/passwd')}: cannot read it: no such file or directory \\(--ids-from root reads`));
    expect(modeOfF()).toBe('600');
  });

  it('refuses ROOT/etc/passwd or ROOT/etc as a symlink (it would be read outside the root), also when chosen by default', () => {
    // Names outside the root that would make f root's: never read.
    fs.mkdirSync(path.join(dir, 'outside'));
    fs.writeFileSync(path.join(dir, 'outside/passwd'), 'alice:x:0:0::/:/bin/sh\n');
    fs.writeFileSync(path.join(dir, 'outside/group'), 'alice:x:0:\n');
    fs.writeFileSync(path.join(dir, 'a.facl'), '# file: f\n# owner: alice\n# group: alice\nuser::rw-\ngroup::r--\nother::r--\n\n');
    fs.mkdirSync(path.join(dir, 't/etc'));
    fs.symlinkSync(path.join(dir, 'outside/passwd'), path.join(dir, 't/etc/passwd'));
    fs.symlinkSync(path.join(dir, 'outside/group'), path.join(dir, 't/etc/group'));
    const before = fs.statSync(path.join(dir, 't/f'));
    for (const ids of [[], ['--ids-from', 'root']]) {
      expectUsage(['restore', 'a.facl', '--root', 't', '--no-undo', ...ids], dir, new RegExp(`^permsnap: ${path.join(dir, 't/etc/passwd')}: a symlink: refused`));
    }
    fs.rmSync(path.join(dir, 't/etc'), { recursive: true });
    fs.symlinkSync(path.join(dir, 'outside'), path.join(dir, 't/etc'));
    expectUsage(['restore', 'a.facl', '--root', 't', '--no-undo', '--ids-from', 'root'], dir, new RegExp(`^permsnap: ${path.join(dir, 't/etc/passwd')}: ${path.join(dir, 't/etc')} is a symlink: refused`));
    const after = fs.statSync(path.join(dir, 't/f'));
    expect([after.uid, after.gid, after.mode]).toEqual([before.uid, before.gid, before.mode]);
  });
});

describe('paths that are not UTF-8', () => {
  it.skipIf(!isRoot)('restores beneath a current directory whose path is not UTF-8, and refuses such a --root by name (needs root: the snapshot names root as owner)', () => {
    const odd = Buffer.concat([Buffer.from(path.join(dir, 'odd')), Buffer.from([0xff])]);
    fs.mkdirSync(odd);
    fs.writeFileSync(Buffer.concat([odd, Buffer.from('/f')]), '');
    fs.chmodSync(Buffer.concat([odd, Buffer.from('/f')]), 0o600);
    // Node cannot spawn in such a directory by name: a shell cds there from its bytes.
    const r = run('sh', ['-c', `cd "$(printf '%s\\377' "$0")" && exec "$1" "$2" restore "$3" --no-undo`, path.join(dir, 'odd'), process.execPath, CLI, path.join(dir, 's.facl')]);
    expect(r.status, r.stderr).toBe(0);
    expect((fs.statSync(Buffer.concat([odd, Buffer.from('/f')])).mode & 0o777).toString(8)).toBe('777');
    const refused = run('sh', ['-c', `exec "$0" "$1" restore "$2" --no-undo --root "$(printf '%s\\377' "$3")"`, process.execPath, CLI, path.join(dir, 's.facl'), path.join(dir, 'odd')]);
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr.split('\n')[0]).toBe(`permsnap: --root ${path.join(dir, 'odd')}\\xff: a path that is not UTF-8 is not supported, expected a UTF-8 path (mount --bind it at one, and give that)`);
  });
});

describe('many workers', () => {
  it('runs --jobs 16 with nothing on stderr (no listener-leak warning from Node)', () => {
    const snap = permsnap(['snapshot', '--quiet', '--jobs', '16', 't'], { cwd: dir });
    expect([snap.status, snap.stderr]).toEqual([0, '']);
    expect(snap.stdout.toString()).toContain('# file: t/f\n');
  });

  it.skipIf(!isRoot)('restores with --jobs 16 with only the summary on stderr (needs root: the snapshot names root as owner)', () => {
    const r = permsnap(['restore', 's.facl', '--root', 't', '--no-undo', '--jobs', '16'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Warning/);
    expect(modeOfF()).toBe('777');
  });
});
