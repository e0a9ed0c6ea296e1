// The library's functions refuse arguments of the wrong kind with a usage error that names
// the argument, before doing anything: a JavaScript caller got a TypeError from deep inside
// (`paths.entries is not a function`, `reading 'uid'`), found by exploratory testing.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicFileSink, diff, GETFACL_DEFAULTS, readSnapshotAll, readSnapshotText, restore, snapshot } from '../../src/index.js';
import { nssResolver } from '../../src/restore/id-resolver.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-argument-checks-');
  fs.mkdirSync(path.join(dir, 'tree'));
  fs.writeFileSync(path.join(dir, 'tree/f'), '');
  fs.chmodSync(path.join(dir, 'tree/f'), 0o600);
});
afterEach(() => removeTree(dir));

const sink = { write: async (): Promise<void> => {}, commit: async (): Promise<void> => {}, abort: async (): Promise<void> => {} };
const refusal = async (run: () => Promise<unknown>): Promise<string> => run().then(() => 'done', (e: { code?: string; message: string }) => `${e.code} ${e.message}`);
const anyway = <T>(value: unknown): T => value as T;

describe('library arguments of the wrong kind', () => {
  it('are refused by snapshot and diff, naming the argument', async () => {
    const tree = path.join(dir, 'tree');
    expect(await refusal(() => snapshot(anyway(tree), sink))).toBe(`USAGE paths: expected an array of path strings, got ${JSON.stringify(tree)}`);
    expect(await refusal(() => snapshot(anyway([null]), sink))).toBe('USAGE paths: expected an array of path strings, got [null]');
    expect(await refusal(() => snapshot([tree], anyway(undefined)))).toBe('USAGE sink: expected a ByteSink (atomicFileSink() or stdoutSink()), got undefined');
    expect(await refusal(() => snapshot([tree], sink, anyway('x')))).toBe('USAGE options: expected an object, got "x"');
    expect(await refusal(() => diff(anyway(undefined), tree, sink))).toBe('USAGE before: expected a path, got undefined');
    expect(await refusal(() => diff(tree, '', sink))).toBe('USAGE after: expected a path, got ""');
    expect(await refusal(() => diff(tree, tree, anyway({ write: () => {} })))).toBe('USAGE sink: expected a ByteSink (atomicFileSink() or stdoutSink()), got an object');
  });

  it('are refused by restore before anything changes', async () => {
    const tree = path.join(dir, 'tree');
    const snap = { fileName: 'snap.facl', bytes: Buffer.from('# file: f\nuser::rw-\ngroup::r--\nother::r--\n\n') };
    const options = { root: tree, ids: nssResolver(), journal: null };
    expect(await refusal(() => restore(anyway('snap.facl'), options))).toMatch(/^USAGE input: expected entries/);
    expect(await refusal(() => restore(anyway({ fileName: 'snap.facl', bytes: 'text' }), options))).toMatch(/^USAGE input: expected entries/);
    expect(await refusal(() => restore(snap, anyway(undefined)))).toBe('USAGE options: expected an object, got undefined');
    expect(await refusal(() => restore(snap, anyway({ root: tree, journal: null })))).toBe('USAGE options.ids: required');
    expect(await refusal(() => restore(snap, anyway({ root: tree, ids: nssResolver() })))).toBe('USAGE options.journal: required');
    expect(await refusal(() => restore(snap, anyway({ ...options, jobs: '2' })))).toBe('USAGE jobs: expected an integer from 1 to 64, got "2"');
    expect(await refusal(() => restore(snap, { ...options, jobs: NaN }))).toBe('USAGE jobs: expected an integer from 1 to 64, got NaN');
    expect(await refusal(() => restore(snap, anyway({ ...options, ids: {} })))).toMatch(/^USAGE options\.ids: expected an IdResolver, with uid\(\) and gid\(\)/);
    expect(await refusal(() => restore(snap, { ...options, root: '' }))).toBe('USAGE root: expected a path, got ""');
    expect(fs.statSync(path.join(tree, 'f')).mode & 0o777).toBe(0o600);
    // Given rightly, it runs.
    expect(await refusal(() => restore(snap, options))).toBe('done');
    expect(fs.statSync(path.join(tree, 'f')).mode & 0o777).toBe(0o644);
  });

  it('refuses values of the wrong kind, print options JSON cannot honour, and paths or globs that are not byte strings, before reading anything', async () => {
    const tree = path.join(dir, 'tree');
    const snap = { fileName: 'snap.facl', bytes: Buffer.from('# file: f\nuser::rw-\ngroup::r--\nother::r--\n\n') };
    const options = { root: tree, ids: nssResolver(), journal: null };
    expect(await refusal(() => restore(snap, anyway({ ...options, journal: 'undo.facl' })))).toBe('USAGE options.journal: expected an UndoJournal (UndoJournal.atFile(FILE, header)) or null for none');
    expect(await refusal(() => restore(snap, anyway({ ...options, dryRun: 'yes' })))).toBe('USAGE dryRun: expected true or false, got "yes"');
    expect(await refusal(() => restore(snap, { ...options, root: `${tree}/日本` }))).toBe(`USAGE root ${JSON.stringify(`${tree}/日本`)}: a character above U+00FF, expected a byte string (toByteString() makes one of text)`);
    expect(await refusal(() => restore(snap, { ...options, exclude: ['日本'] }))).toBe('USAGE exclude "日本": a character above U+00FF, expected a byte string (toByteString() makes one of text)');
    expect(fs.statSync(path.join(tree, 'f')).mode & 0o777).toBe(0o600);
    expect(await refusal(() => snapshot([tree], sink, anyway({ sorted: 'yes' })))).toBe('USAGE sorted: expected true or false, got "yes"');
    expect(await refusal(() => snapshot([tree], sink, anyway({ print: 'x' })))).toBe('USAGE print: expected an object of PrintOptions, got "x"');
    expect(await refusal(() => snapshot([tree], sink, anyway({ print: { effective: 'bogus' } })))).toBe('USAGE print.effective: expected one of some, all, none, got "bogus"');
    expect(await refusal(() => snapshot([tree], sink, { format: 'json', print: { effective: 'all' } }))).toBe("USAGE print.effective shapes getfacl's text, not format 'json' (JSON holds both ACLs, no comments)");
    expect(await refusal(() => snapshot([tree], sink, { format: 'json', print: { comments: false } }))).toBe("USAGE print.comments shapes getfacl's text, not format 'json' (JSON holds both ACLs, no comments)");
    expect(await refusal(() => snapshot([tree], sink, { format: 'json', compat: true }))).toBe("USAGE compat prints getfacl's text, not format 'json': give one of them");
    expect(await refusal(() => snapshot(['日本'], sink))).toBe('USAGE paths "日本": a character above U+00FF, expected a byte string (toByteString() makes one of text)');
    expect(await refusal(() => diff(tree, tree, sink, anyway({ numeric: 'yes' })))).toBe('USAGE numeric: expected true or false, got "yes"');
    expect(await refusal(() => diff('-', '-', sink))).toBe('USAGE before and after: only one side can be standard input ("-")');
    expect(await refusal(() => diff(tree, tree, sink, { exclude: ['日本'] }))).toBe('USAGE exclude "日本": a character above U+00FF, expected a byte string (toByteString() makes one of text)');
    // The defaults given explicitly are no text option: JSON takes them.
    expect(await refusal(() => snapshot([tree], sink, { format: 'json', print: { ...GETFACL_DEFAULTS }, jobs: 1 }))).toBe('done');
    expect(() => atomicFileSink(anyway(5))).toThrow('file: expected a path, got 5');
    expect(() => atomicFileSink('')).toThrow('file: expected a path, got ""');
    expect(await refusal(() => readSnapshotAll(anyway(5)))).toBe('USAGE source: expected a path, got 5');
    expect(() => readSnapshotText(anyway(5), 1)).toThrow('operand: expected a path, got 5');
  });

  it('refuses entries built by hand that no snapshot holds, naming the entry, before anything changes (a mode of NaN was chmod 0000)', async () => {
    const tree = path.join(dir, 'tree');
    const options = { root: tree, ids: nssResolver(), journal: null };
    const good = { path: 'g', type: 'file' as const, mode: 0o644, uid: -1, gid: -1 };
    const base = (tag: number, perm: number): object => ({ tag, perm, id: -1 });
    const cases: Array<[object, string]> = [
      [{ ...good, path: 'f', mode: NaN }, 'mode NaN: expected an integer from 0 to 0o7777'],
      [{ ...good, path: 'f', mode: 0o177777 }, 'mode 65535: expected an integer from 0 to 0o7777'],
      [{ ...good, path: 'f', uid: 2 ** 32 }, 'uid 4294967296: expected an integer from 0 to 4294967295, or -1'],
      [{ ...good, path: 'f', type: 'file?' }, 'type "file?": expected one of'],
      [{ ...good, path: '' }, 'path: expected a non-empty string'],
      [{ ...good, path: 'f', acl: [{ tag: 0x40, perm: 7, id: -1 }] }, 'acl: entry 1: tag 64, expected'],
      [{ ...good, path: 'f', acl: [{ tag: 0x01, perm: 8, id: -1 }] }, 'acl: entry 1: perm 8, expected an integer from 0 to 7'],
      [{ ...good, path: 'f', capability: 'cap_bogus=ep' }, 'capability: invalid capability text'],
      // ACLs the kernel refuses, or that say nothing: refused too, not met half-way through the run.
      [{ ...good, path: 'f', acl: [] }, 'acl: missing user:: entry'],
      [{ ...good, path: 'f', acl: [base(0x01, 7), base(0x04, 7)] }, 'acl: missing other:: entry'],
      [{ ...good, path: 'f', acl: [base(0x01, 7), base(0x01, 6), base(0x04, 7), base(0x20, 0)] }, 'acl: duplicate user:: entry'],
      [{ ...good, path: 'f', acl: [base(0x01, 7), { tag: 0x02, perm: 7, id: 0 }, base(0x04, 7), base(0x20, 0)] }, 'acl: named entries without a mask:: entry'],
      [{ ...good, path: 'f', acl: [base(0x01, 7), { tag: 0x02, perm: 7, id: -1 }, base(0x04, 7), base(0x10, 7), base(0x20, 0)] }, 'acl: entry 2: a named entry with neither an id nor a name'],
      [{ ...good, path: 'f', type: 'dir', defaultAcl: [base(0x01, 7), base(0x04, 7), base(0x10, 7), base(0x10, 5), base(0x20, 0)] }, 'defaultAcl: duplicate mask:: entry'],
    ];
    for (const [entry, message] of cases) {
      const got = await refusal(() => restore([{ entry: good, line: 1 }, [{ entry: anyway(entry), line: 2 }]], options));
      expect(got).toContain(`USAGE input: entry 2`);
      expect(got).toContain(message);
    }
    expect(await refusal(() => restore([anyway({ path: 'f' })], options))).toBe('USAGE input: entry 1: expected { entry, line } (as readSnapshot gives them)');
    expect(fs.statSync(path.join(tree, 'f')).mode & 0o777).toBe(0o600);
    expect(await refusal(() => restore([{ entry: { ...good, path: 'f' }, line: 1 }], options))).toBe('done');
    expect(fs.statSync(path.join(tree, 'f')).mode & 0o777).toBe(0o644);
  });
});
