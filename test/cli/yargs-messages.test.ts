// yargs's usage errors in permsnap's words: the option as typed, what was expected; the
// command line's own words, run through the CLI.

import { describe, expect, it } from 'vitest';
import { usageText } from '../../src/cli/yargs-messages.js';
import { makeTempDir, permsnap } from '../helpers/tree.js';

const commands = ['snapshot', 'diff', 'restore'];
const say = (message: string, argv: string[], command: string | undefined, operands = ''): string => usageText(message, { argv, command, operands, commands });

describe('usageText', () => {
  it('names an unknown option as it was typed, and the command it is not one of', () => {
    expect(say('Unknown argument: root', ['snapshot', 't', '--root', '/'], 'snapshot', '[paths..]')).toBe('unknown option --root for snapshot');
    expect(say('Unknown argument: Z', ['snapshot', 't', '-pZ'], 'snapshot')).toBe('unknown option -Z for snapshot');
    expect(say('Unknown argument: x', ['snapshot', '--x=1'], 'snapshot')).toBe('unknown option --x for snapshot');
  });

  it('says an operand too many as one, with the operands the command takes', () => {
    expect(say('Unknown argument: c', ['diff', 'a', 'b', 'c'], 'diff', '<before> <after>')).toBe('unexpected operand "c" (diff takes BEFORE AFTER)');
    // After "--" a word is an operand, whatever it looks like.
    expect(say('Unknown argument: -x', ['restore', 's', '--', '-x'], 'restore', '<snapshot>')).toBe('unexpected operand "-x" (restore takes SNAPSHOT)');
  });

  it('says a command that is not one, with those there are', () => {
    expect(say('Unknown arguments: snaphot, t', ['snaphot', 't'], undefined)).toBe('unknown command "snaphot", expected one of snapshot, diff, restore');
  });

  it('says a value not among the choices, a missing value and missing operands in one line', () => {
    expect(say('Invalid values:\n  Argument: format, Given: "xml", Choices: "getfacl", "json"', [], 'snapshot')).toBe('unknown value "xml" for --format, expected one of getfacl, json');
    expect(say('Not enough arguments following: exclude', [], 'snapshot')).toBe('--exclude needs a value');
    expect(say('Not enough non-option arguments: got 1, need at least 2', [], 'diff', '<before> <after>')).toBe('diff needs BEFORE AFTER (got 1 operand(s))');
  });

  it('keeps a message it does not know as yargs wrote it', () => {
    expect(say('Name a command', [], undefined)).toBe('Name a command');
  });
});

describe('the CLI says them so', () => {
  it('with the synopsis and where to read more, exit 2', () => {
    const dir = makeTempDir();
    for (const [args, first] of [
      [['snaphot', 't'], 'permsnap: unknown command "snaphot", expected one of snapshot, diff, restore, completion'],
      [['snapshot', '.', '--root', '/'], 'permsnap: unknown option --root for snapshot'],
      [['snapshot', '.', '--format', 'xml'], 'permsnap: unknown value "xml" for --format, expected one of getfacl, json'],
      [['snapshot', '.', '--exclude'], 'permsnap: --exclude needs a value'],
      [['diff', 'a.facl'], 'permsnap: diff needs BEFORE AFTER (got 1 operand(s))'],
      [['restore', 'a.facl', 'extra', '--no-undo'], 'permsnap: unexpected operand "extra" (restore takes SNAPSHOT)'],
    ] as const) {
      const r = permsnap([...args], { cwd: dir });
      const lines = r.stderr.split('\n');
      expect([r.status, lines[0]], args.join(' ')).toEqual([2, first]);
      if (args[0] !== 'snaphot') expect(lines[2], args.join(' ')).toBe(`Try 'permsnap ${args[0]} --help' for more information.`);
    }
  });
});
