// The quick reading of plain command lines (quick-args.ts) must give each command exactly
// the arguments yargs gives it, and leave to yargs every line it is not sure of.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { quickArgsOf, yargsArgs } from '../../src/cli/main.js';
import { seededRandom } from '../helpers/seeded-random.js';

// yargs says on stderr why it refuses a line; here that is expected.
beforeAll(() => void vi.spyOn(process.stderr, 'write').mockImplementation(() => true));
afterAll(() => vi.restoreAllMocks());

/** The quick answer for `argv`, checked against yargs' when there is one. */
async function checked(argv: string[]): Promise<Record<string, unknown> | null> {
  const quick = await quickArgsOf(argv);
  if (quick !== null) expect({ argv, args: quick }).toEqual({ argv, args: await yargsArgs(argv) });
  return quick;
}

describe('quickArgs', () => {
  it('reads the common command lines as yargs does', async () => {
    const common = [
      ['snapshot', '/etc'],
      ['snapshot', '--quiet', 'tree'],
      ['snapshot', '/etc', '/usr', '-o', 'out.facl.gz', '--sort', '--exclude', 'a/*', '--exclude', '**/b', '-j', '2'],
      ['snapshot', '--compat', '-p', '-n', '-E', '-L', 'tree'],
      ['snapshot', '--no-effective', '--format', 'json', '--all-filesystems', '/'],
      ['snapshot', 'diff', '123', ' lead', 'with=equals', '\u00e9t\u00e9'],
      ['diff', 'a.facl', 'b.facl', '--format', 'json'],
      ['diff', '-n', 'a.facl', '/', '--ignore', 'owner,group', '--exclude-from', 'x'],
      ['restore', 's.facl', '--quiet', '--undo', 'u.facl'],
      ['restore', 's.facl', '--root', '/mnt', '-n', '--ids-from', 'root', '--only', 'etc', '-j', '4', '--no-undo'],
    ];
    for (const argv of common) expect(await checked(argv), argv.join(' ')).not.toBeNull();
  });

  it('leaves to yargs what it is not sure of', async () => {
    const unsure = [
      ['snapshot'],
      ['snapshot', '-'],
      ['snapshot', '--', '-x'],
      ['snapshot', '--help'],
      ['snapshot', '--version'],
      ['snapshot', '-qj2', 'x'],
      ['snapshot', '--jobs=2', 'x'],
      ['snapshot', '--compat', 'false', 'x'],
      ['snapshot', '--jobs', 'x', 'y'],
      ['snapshot', '-o', '--sort', 'x'],
      ['snapshot', '-o', 'a', '-o', 'b', 'x'],
      ['snapshot', '--from-deb', 'a.deb'],
      ['snapshot', '--format', 'xml', 'x'],
      ['snapshot', '--abs', 'x'],
      ['snapshot', ''],
      ['snapshot', 't', 'help'],
      ['restore', 'help'],
      ['diff', 'a'],
      ['diff', 'a', 'b', 'c'],
      ['restore', 's', '--ids-from'],
    ];
    for (const argv of unsure) expect(await checked(argv), argv.join(' ')).toBeNull();
  });

  it('agrees with yargs on random command lines', async () => {
    const next = seededRandom(11);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    const words: Record<string, string[]> = {
      snapshot: ['--quiet', '-q', '--verbose', '-o', '--output', '--format', 'json', 'getfacl', '--compat', '--sort', '--exclude', '--exclude-from',
        '--all-filesystems', '--jobs', '-j', '-a', '-d', '-c', '-e', '-E', '-s', '-p', '-n', '-L', '-P', '--one-file-system', '-R', '--from-tar',
        '--merged-usr', 'yes', '--statoverride', '--numeric', '--no-effective', '--recursive'],
      diff: ['--quiet', '-q', '--format', 'text', 'json', 'nagios', '--exclude', '--exclude-from', '--ignore', '-n', '--numeric', '--verbose'],
      restore: ['--quiet', '--root', '--dry-run', '-n', '--jobs', '-j', '--undo', '--no-undo', '--exclude', '--exclude-from', '--only', '--ignore',
        '--ids-from', 'nss', 'root', '--force-fallbacks', '--verbose'],
    };
    const plain = ['x', 'dir/a', '2', '10', 'owner', 'a b', '1e3', '/abs', '007', 'help', 'version', 'completion', 'snapshot', 'diff'];
    const odd = ['true', 'false', '-', '--', '', '-x', '0', '-1', '--jobs=2'];
    let quick = 0;
    for (let n = 0; n < 2000; n++) {
      const command = pick(Object.keys(words));
      const argv = [command];
      const length = Math.floor(next() * 8);
      for (let k = 0; k < length; k++) {
        const r = next();
        argv.push(r < 0.45 ? pick(words[command] as string[]) : r < 0.9 ? pick(plain) : pick(odd));
      }
      if ((await checked(argv)) !== null) quick++;
    }
    // The comparison means something only if the quick reading answers often enough.
    expect(quick).toBeGreaterThan(200);
  });
});
