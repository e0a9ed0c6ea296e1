// The checks look-pieces.ts makes of a whole snapshot from what its pieces say (the parser
// makes them of a whole file): each one alone must send the file to the pass on one thread.

import { describe, expect, it } from 'vitest';
import type { PieceFacts } from '../../src/format/getfacl-parser.js';
import { shrinkingShares, wholeFileChecks } from '../../src/restore/look-pieces.js';
import { emptyTally } from '../../src/restore/look.js';
import { hashPrefix, targetKeyHasher, wideHash, type PieceAnswer } from '../../src/restore/piece-look.js';

const facts = (over: Partial<PieceFacts> = {}): PieceFacts => ({ entries: 10, begin: false, capabilitiesUnknown: false, end: null, unclosed: false, ...over });

function answer(pieceFacts: PieceFacts, keys: number[] = []): PieceAnswer {
  const { work: _work, ...tally } = emptyTally();
  return { ok: true, tally, work: { roots: [], relativeBytes: new Uint8Array(0), numbers: new Uint32Array(0), extras: [] }, keys: Float64Array.from(keys), facts: pieceFacts };
}

/** Three pieces of 10 blocks each, with permsnap's markers: begin in the first, end (30) in the last. */
function marked(): PieceFacts[] {
  return [facts({ begin: true }), facts(), facts({ end: { count: 30, entries: 10 } })];
}

/** The head (the first 64 KiB) says what the first piece says of the begin marker, unless told. */
const check = (pieces: PieceFacts[], capabilitiesUnknown = false, keys: number[][] = [], begin = pieces[0]?.begin ?? false): boolean =>
  wholeFileChecks(pieces.map((f, i) => answer(f, keys[i] ?? [i])), { begin, capabilitiesUnknown });

describe('wholeFileChecks', () => {
  it('passes a whole file, with or without markers', () => {
    expect(check(marked())).toBe(true);
    expect(check([facts(), facts(), facts()])).toBe(true);
    expect(check([facts({ begin: true, capabilitiesUnknown: true }), facts(), facts({ end: { count: 30, entries: 10 } })], true)).toBe(true);
  });

  it('refuses a begin marker after the first piece', () => {
    expect(check([facts({ begin: true }), facts({ begin: true }), facts({ end: { count: 30, entries: 10 } })])).toBe(false);
  });

  it('refuses an end marker whose count is not the blocks up to it', () => {
    expect(check([facts({ begin: true }), facts(), facts({ end: { count: 29, entries: 10 } })])).toBe(false);
    expect(check([facts({ begin: true }), facts(), facts({ end: { count: 10, entries: 10 } })])).toBe(false);
  });

  it('refuses blocks in a piece after the one with the end marker, and a second end marker', () => {
    expect(check([facts({ begin: true }), facts({ end: { count: 20, entries: 10 } }), facts()])).toBe(false);
    expect(check([facts({ begin: true }), facts({ end: { count: 20, entries: 10 } }), facts({ entries: 0 })])).toBe(true);
    expect(check([facts({ begin: true }), facts({ end: { count: 20, entries: 10 } }), facts({ entries: 1, end: { count: 21, entries: 1 } })])).toBe(false);
  });

  it('refuses a file with a begin marker that ends without the end marker, or inside its last block', () => {
    expect(check([facts({ begin: true }), facts(), facts()])).toBe(false);
    const unclosed = marked();
    unclosed[2] = facts({ end: { count: 30, entries: 10 }, unclosed: true });
    expect(check(unclosed)).toBe(false);
    // Without markers, a last block without its empty line is whole (getfacl's own output may end so).
    expect(check([facts(), facts(), facts({ unclosed: true })])).toBe(true);
  });

  it('refuses a begin marker in the first piece that the head (the first 64 KiB) does not have', () => {
    expect(check(marked(), false, [], false)).toBe(false);
  });

  it('refuses "capabilities unknown" said after the head', () => {
    const late = marked();
    late[1] = facts({ capabilitiesUnknown: true });
    expect(check(late, false)).toBe(false);
  });

  it('refuses a first piece that does not say what the head said (read apart, from a file changed between)', () => {
    // The head says "capabilities unknown", the first piece (the same bytes, read later) no longer.
    expect(check(marked(), true)).toBe(false);
    expect(check([facts({ begin: true }), facts(), facts({ end: { count: 30, entries: 10 } })], false, [], true)).toBe(true);
    expect(check([facts({ begin: false }), facts(), facts()], false, [], true)).toBe(false);
  });

  it('refuses a piece before the last that ends inside a block (pieces are cut at empty lines)', () => {
    expect(check([facts(), facts({ unclosed: true }), facts()])).toBe(false);
    expect(check([facts({ unclosed: true }), facts(), facts()])).toBe(false);
  });

  it('refuses a path in two pieces, or twice in one', () => {
    expect(check(marked(), false, [[1, 2], [3, 4], [5, 2]])).toBe(false);
    expect(check(marked(), false, [[1, 1], [3, 4], [5, 6]])).toBe(false);
    expect(check(marked(), false, [[1, 2], [3, 4], [5, 6]])).toBe(true);
  });

  it('finds a repeated key wherever it is, whatever the order of the keys', () => {
    expect(check(marked(), false, [[9, 1, 7], [3, 4], [5, 8]])).toBe(true);
    expect(check(marked(), false, [[9, 1, 7], [3, 4], [5, 9]])).toBe(false);
    expect(check(marked(), false, [[3, 9, 3], [4], [5]])).toBe(false);
    expect(check(marked(), false, [[1], [0.5, 1], [2]])).toBe(false);
  });

  it('refuses a piece that did not parse', () => {
    const answers = marked().map((f) => answer(f));
    answers[1] = { ok: false, reason: 'snap.facl:7: bad' };
    expect(wholeFileChecks(answers, { begin: true, capabilitiesUnknown: false })).toBe(false);
  });
});

describe('wideHash', () => {
  it('hashes a text after a prefix as it hashes the two joined', () => {
    const root = 't/srv/data\0';
    for (const relative of ['', 'a', 'usr/share/doc/x', 'caf\xe9/\xff']) {
      expect(wideHash(relative, hashPrefix(root))).toBe(wideHash(root + relative));
    }
  });

  it('keys each target as the hash of "t" ROOT NUL RELATIVE, whatever came before it', () => {
    const key = targetKeyHasher();
    const targets: [string, string][] = [
      ['/srv', ''], ['/srv', 'a'], ['/srv', 'a/x'], ['/srv', 'a/y'], ['/srv', 'b/y'], ['/srv', 'ab/y'], ['/srv', 'a/x/deep'],
      ['/srv', 'a/x'], ['/srv', 'x'], ['/', 'a/x'], ['/', 'a/x'], ['/srv', 'a/x'], ['/srv', 'a/\xff/\xe9'], ['/srv', '']];
    for (const [root, relative] of targets) expect(key(root, relative)).toBe(wideHash(`t${root}\0${relative}`));
  });

  it('tells apart paths that differ in one byte, or only in where the root ends', () => {
    expect(wideHash('usr/bin/a')).not.toBe(wideHash('usr/bin/b'));
    expect(wideHash('b/c', hashPrefix('ta\0'))).not.toBe(wideHash('c', hashPrefix('ta\0b/\0')));
  });
});

describe('shrinkingShares', () => {
  it('gives every worker one piece a round, each round half the size of the one before, the whole file in all', () => {
    const shares = shrinkingShares(2, 4);
    expect(shares).toHaveLength(8);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let i = 2; i < shares.length; i++) expect(shares[i]).toBeCloseTo((shares[i - 2] as number) / 2, 12);
    expect(shares[6]).toBe(shares[7]);
  });
});
