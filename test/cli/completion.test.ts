// `permsnap completion`: the bash/zsh script yargs writes, sourced into a real bash, asked
// what follows what the user typed, as bash's programmable completion would ask it.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, hasCommand, makeTempDir, permsnap, removeTree, run } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-completion-');
  // The script calls `permsnap` by name: put it on PATH as an installed bin would be.
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.symlinkSync(CLI, path.join(dir, 'bin', 'permsnap'));
  fs.writeFileSync(path.join(dir, 'completion.bash'), permsnap(['completion']).stdout);
});
afterEach(() => removeTree(dir));

/** What bash would offer after `words` (the last one being completed). */
function complete(words: string[]): string[] {
  const script = `source ${dir}/completion.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _permsnap_yargs_completions; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = run('bash', ['-c', script], { env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.toString().split('\n').filter(Boolean).sort();
}

describe.skipIf(!hasCommand('bash'))('permsnap completion (needs bash)', () => {
  it('prints a script that registers a completion function for permsnap', () => {
    const text = fs.readFileSync(path.join(dir, 'completion.bash'), 'utf8');
    expect(text).toMatch(/^complete .*-F _permsnap_yargs_completions permsnap$/m);
  });

  it('takes --help and --version as every command does, not printing its script then', () => {
    for (const flag of ['--help', '-h']) {
      const r = permsnap(['completion', flag]);
      expect(r.status).toBe(0);
      expect(r.stdout.toString()).toMatch(/^permsnap completion\n\nPrint a bash\/zsh completion script/);
    }
    const version = permsnap(['--version']).stdout.toString();
    expect(version).toMatch(/^\d+\.\d+\.\d+\n$/);
    for (const flag of ['--version', '-v']) expect(permsnap(['completion', flag]).stdout.toString()).toBe(version);
  });

  it('refuses anything else after it, printing no script (`permsnap completion --bogus >> ~/.bashrc` appends nothing)', () => {
    for (const extra of [['extra'], ['--bogus'], ['--help', 'x']]) {
      const r = permsnap(['completion', ...extra]);
      expect(r.stdout.toString(), extra.join(' ')).toBe('');
      expect(r.stderr.toString()).toMatch(/^permsnap: completion takes no operands or options, got ".+"\nUsage: permsnap completion\n/);
      expect(r.status).toBe(2);
    }
  });

  it('completes command names', () => {
    expect(complete(['permsnap', 'sn'])).toEqual(['snapshot']);
    expect(complete(['permsnap', 'r'])).toEqual(['restore']);
  });

  it('completes the options of the command being typed', () => {
    expect(complete(['permsnap', 'restore', '--dr'])).toEqual(['--dry-run']);
    expect(complete(['permsnap', 'snapshot', '--from-'])).toEqual(['--from-deb', '--from-tar']);
    expect(complete(['permsnap', 'diff', '--for'])).toEqual(['--format']);
  });

  it('never offers a one-letter alias as a long option (--n would be read as --no-undo, not as -n, the dry run)', () => {
    expect(complete(['permsnap', 'restore', 'snap.facl', '--n'])).toEqual(['--no-undo']);
    expect(complete(['permsnap', 'restore', 'snap.facl', '--j'])).toEqual(['--jobs']);
    expect(complete(['permsnap', 'snapshot', '--n'])).toEqual(['--no-effective', '--numeric']);
    // All that yargs offers for an option being typed (bash's compgen then keeps those that match).
    const all = permsnap(['--get-yargs-completions', 'permsnap', 'restore', 'snap.facl', '--d']).stdout.toString().trim().split('\n');
    expect(all).toContain('--dry-run');
    expect(all.filter((word) => /^--[^-]$/.test(word))).toEqual([]);
  });
});
