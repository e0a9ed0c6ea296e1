// Command-line arguments that are not UTF-8: escapedText() keeps their odd bytes as lone
// surrogates (Python's surrogateescape) and toByteString() gives the bytes back; valid UTF-8
// reads as text. commandLineArguments() takes such arguments from /proc/self/cmdline.

import { describe, expect, it } from 'vitest';
import { commandLineArguments } from '../../src/cli/arguments.js';
import { cPath, escapedText, toByteString } from '../../src/platform/byte-path.js';
import { seededRandom } from '../helpers/seeded-random.js';

const latin1 = (bytes: Buffer): string => bytes.toString('latin1');

describe('escapedText and toByteString', () => {
  it('give back any bytes, random or at the edges of UTF-8', () => {
    const random = seededRandom(0xb17e);
    const cases = [
      [0x61, 0xff, 0x62], [0xc3, 0xa9], [0xc3], [0xe2, 0x82, 0xac], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xe0, 0x80, 0xaf],
      [0xf0, 0x9f, 0x98, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0x80], [0xef, 0xbf, 0xbd],
    ].map((b) => Buffer.from(b));
    for (let i = 0; i < 2000; i++) cases.push(Buffer.from(Array.from({ length: Math.floor(random() * 12) }, () => Math.floor(random() * 256))));
    for (const bytes of cases) expect(toByteString(escapedText(bytes)), bytes.toString('hex')).toBe(latin1(bytes));
  });

  it('read valid UTF-8 as its text, and escape only the bytes that are not UTF-8', () => {
    expect(escapedText(Buffer.from('été €😀', 'utf8'))).toBe('été €😀');
    expect(escapedText(Buffer.from([0x61, 0xff, 0xc3, 0xa9]))).toBe('a\udcffé');
    // A surrogate written in UTF-8 (ED A0 80) is not UTF-8: three escaped bytes.
    expect(escapedText(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\udced\udca0\udc80');
    expect(toByteString('a\u00e9')).toBe('a\xc3\xa9');
  });
});

describe('commandLineArguments', () => {
  const cmdline = (...args: Buffer[]): Buffer => Buffer.concat(args.flatMap((a) => [a, Buffer.from([0])]));

  it('takes an argument Node decoded with U+FFFD from the bytes of the command line', () => {
    const raw = cmdline(Buffer.from('node'), Buffer.from('--stack-size=900'), Buffer.from('permsnap.js'), Buffer.from('snapshot'), Buffer.from([0x61, 0xff, 0x62]));
    expect(commandLineArguments(['node', 'permsnap.js', 'snapshot', 'a\ufffdb'], raw)).toEqual(['snapshot', 'a\udcffb']);
  });

  it('keeps arguments that decoded well, and a U+FFFD that was typed as such', () => {
    const typed = Buffer.from('x\ufffd', 'utf8');
    const raw = cmdline(Buffer.from('node'), Buffer.from('permsnap.js'), Buffer.from('é'), typed);
    expect(commandLineArguments(['node', 'permsnap.js', 'é', 'x\ufffd'], raw)).toEqual(['é', 'x\ufffd']);
    expect(commandLineArguments(['node', 'permsnap.js', 'a\ufffd'], null)).toEqual(['a\ufffd']);
  });
});

describe('cPath', () => {
  it('passes an ASCII path as it is, gives any other as NUL-terminated bytes, and refuses a NUL inside', () => {
    for (let code = 1; code < 256; code++) {
      const path = `dir/a${String.fromCharCode(code)}b`;
      const got = cPath(path);
      if (code < 0x80) expect(got, String(code)).toBe(path);
      else expect(got, String(code)).toEqual(Buffer.from(`${path}\0`, 'latin1'));
    }
    expect(cPath('')).toBe('');
    for (const path of ['\0', 'a\0b', '..\0x', 'caf\xe9\0']) expect(() => cPath(path), JSON.stringify(path)).toThrow(/EINVAL: a NUL byte/);
  });
});
