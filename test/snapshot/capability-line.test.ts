// The `# capability: X` header line (contracts.md): X is the text getcap prints after the
// file name, for every file that has a file capability; no line for files without one; never
// with --compat. The real setcap sets the capabilities and the real getcap is the oracle.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclReady, blockFile, latin1, splitBlocks } from '../helpers/facl-text.js';
import { getfacl, hasCapTools, isRoot, makeTempDir, permsnap, removeTree, run } from '../helpers/tree.js';

/** setcap texts chosen to give getcap's different output shapes. */
const CAPABILITIES: Array<[string, string]> = [
  ['one', 'cap_net_raw=ep'],
  ['two', 'cap_net_bind_service,cap_net_admin=ep'],
  ['permitted-only', 'cap_chown=p'],
  ['inheritable-only', 'cap_kill=i'],
  ['effective-inheritable', 'cap_kill=ei'],
  ['mixed-sets', 'cap_chown=p cap_kill=i'],
  ['all', 'all=ep'],
  ['all-but-one', '=p cap_chown-p'],
  ['all-inheritable-one-permitted', 'all=i cap_kill=p'],
  ['high-numbers', 'cap_checkpoint_restore,cap_bpf,cap_perfmon=eip'],
  ['unnamed-bit', '45=ep'],
  ['setuid-too', 'cap_setuid,cap_setgid=ep'],
  ['minus-form', 'cap_chown,cap_kill=eip cap_kill-i'],
];

let dir = '';
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeTree(dir));

/** What getcap prints after "FILE " (getcap FILE; -n adds a user-namespace rootid). */
function getcapText(file: string, cwd: string, numeric = false): string | undefined {
  const r = run('getcap', [...(numeric ? ['-n'] : []), file], { cwd });
  expect(r.status).toBe(0);
  const out = latin1(r.stdout);
  if (out === '') return undefined;
  expect(out.startsWith(`${file} `)).toBe(true);
  return out.slice(file.length + 1).replace(/\n$/, '');
}

/** `# file:` value -> `# capability:` value (undefined: no such line) of a snapshot text. */
function capabilityLines(text: string): Map<string, string | undefined> {
  const result = new Map<string, string | undefined>();
  for (const block of splitBlocks(text)) {
    const lines = block.split('\n').filter((l) => l.startsWith('# capability: '));
    expect(lines.length).toBeLessThanOrEqual(1);
    result.set(blockFile(block) as string, lines[0]?.slice('# capability: '.length));
  }
  return result;
}

function snapshot(args: string[]): string {
  const r = permsnap(['snapshot', '--quiet', ...args], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return latin1(r.stdout);
}

describe.skipIf(!aclReady || !isRoot || !hasCapTools)('# capability: lines (needs root, setcap/getcap, getfacl and ACLs)', () => {
  it('prints for each file the capability text getcap prints after the file name, and nothing for the others', () => {
    const caps = path.join(dir, 'caps');
    fs.mkdirSync(caps);
    for (const [name, text] of CAPABILITIES) {
      fs.writeFileSync(path.join(caps, name), '');
      execFileSync('setcap', [text, path.join(caps, name)]);
    }
    fs.writeFileSync(path.join(caps, 'none'), '');
    fs.writeFileSync(path.join(caps, 'removed'), '');
    execFileSync('setcap', ['cap_chown=ep', path.join(caps, 'removed')]);
    execFileSync('setcap', ['-r', path.join(caps, 'removed')]);
    // A file with an extended ACL and a capability: both xattrs read.
    fs.writeFileSync(path.join(caps, 'with-acl'), '');
    execFileSync('setfacl', ['-m', 'u:bin:rx', path.join(caps, 'with-acl')]);
    execFileSync('setcap', ['cap_sys_time=ep', path.join(caps, 'with-acl')]);

    const lines = capabilityLines(snapshot(['caps']));
    const names = ['', ...fs.readdirSync(caps)];
    expect([...lines.keys()].sort()).toEqual(names.map((n) => (n ? `caps/${n}` : 'caps')).sort());
    let withCapability = 0;
    for (const name of names) {
      const file = name ? `caps/${name}` : 'caps';
      const expected = name ? getcapText(file, dir) : undefined;
      if (expected !== undefined) withCapability++;
      expect(lines.get(file), file).toBe(expected);
    }
    expect(withCapability).toBe(CAPABILITIES.length + 1);
  });

  it('puts the capability of a file with a user-namespace rootid (v3) as getcap -n prints it, rootid kept', () => {
    // Plain `getcap FILE` hides the rootid; dropping it would widen the capability to the
    // initial namespace when restored, so the faithful text is getcap -n's.
    fs.writeFileSync(path.join(dir, 'ns'), '');
    execFileSync('setcap', ['-n', '1000', 'cap_net_raw=ep', path.join(dir, 'ns')]);
    const lines = capabilityLines(snapshot(['ns']));
    expect(lines.get('ns')).toBe(getcapText('ns', dir, true));
    expect(lines.get('ns')).toContain('rootid=1000');
  });

  it('prints the capability of files met in a walk spread over workers, as getcap -r lists them', () => {
    const wide = path.join(dir, 'wide');
    fs.mkdirSync(wide);
    for (let i = 0; i < 30; i++) {
      const sub = path.join(wide, `d${i}`);
      fs.mkdirSync(sub);
      for (let j = 0; j < 100; j++) fs.writeFileSync(path.join(sub, `f${j}`), '');
      const [, text] = CAPABILITIES[i % CAPABILITIES.length] as [string, string];
      execFileSync('setcap', [text, path.join(sub, `f${(i * 7) % 100}`)]);
    }
    const expected = new Map<string, string>();
    for (const line of latin1(run('getcap', ['-r', 'wide'], { cwd: dir }).stdout).split('\n')) {
      if (line === '') continue;
      const space = line.indexOf(' ');
      expected.set(line.slice(0, space), line.slice(space + 1));
    }
    expect(expected.size).toBe(30);
    for (const jobs of ['1', '3']) {
      const lines = capabilityLines(snapshot(['--jobs', jobs, 'wide']));
      expect(lines.size).toBe(1 + 30 * 101);
      const found = new Map([...lines].filter(([, v]) => v !== undefined));
      expect(found).toEqual(expected);
    }
  });

  it('never prints a capability line with --compat, and prints what getfacl -R prints', () => {
    fs.mkdirSync(path.join(dir, 'c'));
    for (const [name, text] of CAPABILITIES.slice(0, 4)) {
      fs.writeFileSync(path.join(dir, 'c', name), '');
      execFileSync('setcap', [text, path.join(dir, 'c', name)]);
    }
    expect(snapshot(['c'])).toContain('# capability: ');
    const compat = snapshot(['--compat', 'c']);
    expect(compat).not.toContain('# capability');
    expect(compat).toBe(latin1(getfacl(['-R', 'c'], { cwd: dir }).stdout));
    for (const option of ['-n', '-p', '-a', '-s']) {
      const target = option === '-p' ? path.join(dir, 'c') : 'c';
      expect(snapshot(['--compat', option, target]), option).not.toContain('# capability');
    }
  });
});
