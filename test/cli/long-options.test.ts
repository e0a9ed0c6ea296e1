// Long options as getopt_long reads them (getfacl's rules): unambiguous prefixes, ambiguous
// ones refused, no value for a switch; checked against the real getfacl where it has the option.

import { describe, expect, it } from 'vitest';
import { withWholeLongOptions } from '../../src/cli/long-options.js';
import { getfacl, hasAclTools, makeTempDir, permsnap, removeTree, run } from '../helpers/tree.js';

const TABLE = {
  access: { alias: 'a', type: 'boolean' },
  'all-effective': { alias: 'e', type: 'boolean' },
  'all-filesystems': { type: 'boolean' },
  output: { alias: 'o', type: 'string' },
  jobs: { alias: 'j', type: 'number' },
} as const;

describe('withWholeLongOptions', () => {
  it('writes out an unambiguous prefix, keeps whole names, values and what follows "--"', () => {
    expect(withWholeLongOptions(['snapshot', '--acc', '--out=x', '--jo', '2', '--', '--acc'], TABLE)).toEqual(['snapshot', '--access', '--output=x', '--jobs', '2', '--', '--acc']);
    expect(withWholeLongOptions(['snapshot', '--access', '--vers', '--he'], TABLE)).toEqual(['snapshot', '--access', '--version', '--help']);
  });

  it('leaves unknown names and short options to the parser', () => {
    expect(withWholeLongOptions(['--nope', '-ae', '-', '--'], TABLE)).toEqual(['--nope', '-ae', '-', '--']);
  });

  it('refuses an ambiguous prefix, naming the possibilities, unless one of them is preferred', () => {
    expect(() => withWholeLongOptions(['--all'], TABLE)).toThrow("option '--all' is ambiguous; possibilities: '--all-effective' '--all-filesystems'");
    expect(withWholeLongOptions(['--all'], TABLE, new Set(['all-effective']))).toEqual(['--all-effective']);
    expect(() => withWholeLongOptions(['--a'], TABLE, new Set(['access', 'all-effective']))).toThrow('ambiguous');
  });

  it("refuses a one-letter name after \"--\" that no long name begins with: yargs took '--e' for -e, getopt_long does not", () => {
    expect(() => withWholeLongOptions(['snapshot', '--o', 'x'], { ...TABLE, 'one-file-system': { type: 'boolean' } })).toThrow('ambiguous');
    expect(withWholeLongOptions(['--j', '2'], TABLE)).toEqual(['--jobs', '2']);
    expect(() => withWholeLongOptions(['--e'], { output: TABLE.output, 'x-e': { alias: 'e', type: 'boolean' } })).toThrow("unrecognized option '--e'");
  });

  it('refuses a value for a switch', () => {
    expect(() => withWholeLongOptions(['--access=1'], TABLE)).toThrow("option '--access' doesn't allow an argument");
    expect(() => withWholeLongOptions(['--acc=yes'], TABLE)).toThrow("option '--access' doesn't allow an argument");
  });
});

describe.skipIf(!hasAclTools)('long options of snapshot --compat against the real getfacl (needs getfacl)', () => {
  it('takes the abbreviations getfacl takes, --all as --all-effective, and refuses what it refuses', () => {
    const dir = makeTempDir();
    try {
      // A mask that masks, and a default ACL: --all (-e) and --def (-d) change the output.
      expect(run('setfacl', ['-m', 'u:nobody:rwx,g::rwx,m::r-x,d:u:nobody:rw-', dir]).status).toBe(0);
      for (const args of [['--acc'], ['--def', '--omit'], ['--all'], ['--no-e', '--num'], ['--abs', '--skip'], ['--log'], ['--phys', '--one']]) {
        const expected = getfacl(['-R', ...args, '.'], { cwd: dir });
        const actual = permsnap(['snapshot', '--compat', ...args, '.'], { cwd: dir });
        expect(actual.stdout.toString('latin1')).toBe(expected.stdout.toString('latin1'));
        expect(actual.status).toBe(expected.status);
      }
      for (const args of [['--a'], ['--access=1'], ['--numeric=true'], ['--E'], ['--L']]) {
        expect(getfacl(['-R', ...args, '.'], { cwd: dir }).status).toBe(2);
        const refused = permsnap(['snapshot', '--compat', ...args, '.'], { cwd: dir });
        expect(refused.status).toBe(2);
        expect(refused.stdout.length).toBe(0);
        expect(refused.stderr).toMatch(/^permsnap: (option '--\w+' (is ambiguous|doesn't allow an argument)|unrecognized option '--[EL]')/);
        // Ended as every usage error is: the synopsis, and where to read more.
        expect(refused.stderr).toMatch(/\nUsage: permsnap snapshot \[paths\.\.\]\nTry 'permsnap snapshot --help' for more information\.\n$/);
      }
    } finally {
      removeTree(dir);
    }
  });
});
