// Snapshot workers started before the command line is parsed: how many, from the raw
// arguments, and that a run that does not use them (a usage error, --help) still ends.

import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { workersToPrestart } from '../../src/cli/early-workers.js';
import { defaultJobs, MAX_DEFAULT_JOBS } from '../../src/threads/default-jobs.js';
import { makeTempDir, permsnap, removeTree } from '../helpers/tree.js';

const cores = Math.min(os.availableParallelism(), MAX_DEFAULT_JOBS);

describe('workersToPrestart', () => {
  it('starts one per core (at most 8) by default, or what --jobs/-j asks for (the last one given)', () => {
    expect(workersToPrestart(['snapshot', '/etc'])).toBe(cores > 1 ? cores : 0);
    expect(workersToPrestart(['snapshot', '--jobs', '3', '/etc'])).toBe(3);
    expect(workersToPrestart(['snapshot', '--jobs=4', '/etc'])).toBe(4);
    expect(workersToPrestart(['snapshot', '-j', '2', '--jobs', '5', '/etc'])).toBe(5);
    expect(workersToPrestart(['snapshot', '-j3', '/etc'])).toBe(3);
    expect(workersToPrestart(['snapshot', '-qj', '4', '/etc'])).toBe(4);
    expect(workersToPrestart(['restore', 'a.facl', '--jobs', '64'])).toBe(64);
  });

  it('starts none for --jobs 1, a bad --jobs, --help, --version, an archive snapshot or a completion request', () => {
    for (const argv of [
      ['snapshot', '--jobs', '1', '/etc'],
      ['snapshot', '-j1', '/etc'],
      ['snapshot', '-qj1', '/etc'],
      ['snapshot', '--jobs', 'x', '/etc'],
      ['snapshot', '--jobs', '0', '/etc'],
      ['snapshot', '--jobs', '65', '/etc'], // out of range: refused, so none is needed
      ['snapshot', '--jobs', '1e3', '/etc'],
      ['snapshot', '--help'],
      ['snapshot', '--version'],
      ['snapshot', '--from-tar', 'a.tar'],
      ['snapshot', '--from-tar=a.tar'],
      ['snapshot', '--from-deb', 'a.deb'],
      ['--get-yargs-completions', 'permsnap', 'snapshot', '--'],
    ]) expect(workersToPrestart(argv), argv.join(' ')).toBe(0);
  });
});

describe('defaultJobs', () => {
  it('is one per core, at most 8', () => {
    expect(defaultJobs()).toBe(Math.min(os.availableParallelism(), 8));
    expect(MAX_DEFAULT_JOBS).toBe(8);
  });
});

describe('the CLI with early workers', () => {
  it('ends promptly on a usage error and with --help, a parallel snapshot matches a serial one, and so does diff', () => {
    const dir = makeTempDir();
    try {
      const bad = permsnap(['snapshot', '--jobs', '3', '--no-such-option', dir]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/^permsnap: unknown option --no-such-option for snapshot$/m);
      expect(permsnap(['snapshot', '--help']).status).toBe(0);
      const parallel = permsnap(['snapshot', '--jobs', '3', '--quiet', '/usr/share/doc']);
      const serial = permsnap(['snapshot', '--jobs', '1', '--quiet', '/usr/share/doc']);
      expect(parallel.status).toBe(0);
      expect(parallel.stdout.equals(serial.stdout)).toBe(true);
      // diff starts one worker per side early: a usage error, --help, and a side read from
      // stdin (one worker left unused) all end, with the right result.
      expect(permsnap(['diff', '--no-such-option', 'a', 'b']).status).toBe(2);
      expect(permsnap(['diff', '--help']).status).toBe(0);
      const fromStdin = permsnap(['diff', '-', '/usr/share/doc'], { input: serial.stdout });
      expect([fromStdin.status, fromStdin.stdout.toString()]).toEqual([0, '0 modified, 0 missing, 0 extra\n']);
    } finally {
      removeTree(dir);
    }
  });
});
