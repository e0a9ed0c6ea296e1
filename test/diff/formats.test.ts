// The report forms of permsnap diff: text (a summary, then one line per change in sorted
// order, paths quoted as getfacl quotes them, colour only on a terminal and never with
// NO_COLOR), one JSON document lossless for any path bytes, and the nagios status line.
// Expected paths and kinds come from the real getfacl; expected modes from stat.

import { isUtf8 } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latin1 } from '../helpers/facl-text.js';
import { restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { CLI, hasCommand, makeTempDir, removeTree } from '../helpers/tree.js';
import {
  compareSorted, countKinds, diffCli, kindsByPath, oracleChanges, parseDiffJson, snapshotFile, sortedEntries, toolView, type ChangeKind,
} from './diff-kit.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-diff-formats-');
});
afterEach(() => {
  removeTree(dir);
});

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const at = (rel: string): Buffer => Buffer.concat([bytes(dir), bytes('/'), bytes(rel)]);

/** Names whose order, quoting or encoding a report can get wrong (latin1: one char per byte). */
const FILES = ['tree/a/b', 'tree/a-b', 'tree/a\x01', 'tree/a.b', 'tree/new\nline', 'tree/back\\slash', 'tree/f\xff\xfe.bin', latin1(Buffer.from('tree/ünï', 'utf8')), 'tree/gone', 'tree/B'];

function buildTree(): void {
  fs.mkdirSync(at('tree/a'), { recursive: true });
  for (const f of FILES) fs.writeFileSync(at(f), '');
}

/** chmod 0600 every file but one, remove tree/gone, add two paths. */
function damageTree(): void {
  for (const f of FILES) if (f !== 'tree/gone' && f !== 'tree/B') fs.chmodSync(at(f), 0o600);
  fs.rmSync(at('tree/gone'));
  fs.writeFileSync(at('tree/a/new'), '');
  fs.mkdirSync(at('tree/zz-new'));
}

/** getfacl's quoting of a path (backslash doubled, newline and CR as octal), written independently. */
const quoted = (p: string): string => p.replaceAll('\\', '\\\\').replaceAll('\n', '\\012').replaceAll('\r', '\\015');

const modeOf = (rel: string): string => (fs.statSync(at(rel)).mode & 0o7777).toString(8).padStart(4, '0');

interface Scenario {
  expected: Map<string, ChangeKind>;
  modesBefore: Map<string, string>;
}

function scenario(): Scenario {
  buildTree();
  snapshotFile(dir, ['tree'], 'healthy.facl');
  const before = toolView(dir);
  const modesBefore = new Map([...before.facl.keys()].map((p) => [p, modeOf(p)]));
  damageTree();
  return { expected: oracleChanges(before, toolView(dir), true), modesBefore };
}

/** The text report, built from the oracle: summary, then `kind  path  fields` in sorted order. */
function expectedText(s: Scenario): string {
  const counts = countKinds(s.expected);
  const lines = [...s.expected.keys()].sort(compareSorted).map((p) => {
    const kind = s.expected.get(p);
    if (kind === 'modified') return `modified  ${quoted(p)}  mode ${s.modesBefore.get(p)} -> ${modeOf(p)}\n`;
    return kind === 'missing' ? `missing   ${quoted(p)}\n` : `extra     ${quoted(p)}\n`;
  });
  return `${counts.modified} modified, ${counts.missing} missing, ${counts.extra} extra\n${lines.join('')}`;
}

/** Runs the CLI under a pseudo-terminal (script(1)); returns what the terminal showed, without CRs. */
function onTerminal(args: string[], env: NodeJS.ProcessEnv): string {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, env, timeout: 60_000 });
  expect(r.status).toBe(1);
  return latin1(r.stdout).replaceAll('\r\n', '\n');
}

const ESC = '\x1b[';
const withoutColour = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

describe.skipIf(!restoreReady)(`diff --format text (${SKIP_REASON})`, () => {
  it('prints the summary, then one line per change in sorted order (a, a/b, a\\x01, a-b), paths quoted as getfacl quotes them', () => {
    const s = scenario();
    expect(countKinds(s.expected)).toEqual({ modified: 8, missing: 1, extra: 2 });
    const r = diffCli(['healthy.facl', 'tree'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const text = latin1(r.stdout);
    expect(text).toBe(expectedText(s));
    expect(text).not.toContain(ESC); // not a terminal
    // A newline in a name can never forge a line.
    expect(text.split('\n').filter((l) => l.startsWith('line'))).toEqual([]);
    const order = text.split('\n').slice(1, -1).map((l) => l.split(/ {2,}/)[1]);
    expect(order.indexOf('tree/a/b')).toBeLessThan(order.indexOf('tree/a\x01'));
    expect(order.indexOf('tree/a\x01')).toBeLessThan(order.indexOf('tree/a-b'));
  });

  it.skipIf(!hasCommand('script'))('colours the kinds on a terminal, and not with NO_COLOR set (needs script(1) for a terminal)', () => {
    const s = scenario();
    const env = { ...process.env };
    delete env.NO_COLOR;
    const coloured = onTerminal(['diff', 'healthy.facl', 'tree'], env);
    expect(coloured).toContain(ESC);
    expect(withoutColour(coloured)).toBe(expectedText(s));
    // Every change line's kind is coloured; the summary is not.
    const lines = coloured.split('\n');
    expect(lines[0]).not.toContain(ESC);
    expect(lines.slice(1, -1).every((l) => l.startsWith(ESC))).toBe(true);
    expect(onTerminal(['diff', 'healthy.facl', 'tree'], { ...env, NO_COLOR: '1' })).toBe(expectedText(s));
    // no-color.org: an empty NO_COLOR does not count.
    expect(onTerminal(['diff', 'healthy.facl', 'tree'], { ...env, NO_COLOR: '' })).toContain(ESC);
    expect(onTerminal(['diff', 'healthy.facl', 'tree', '--format', 'json'], env)).not.toContain(ESC);
  });
});

describe.skipIf(!restoreReady)(`diff of a tree snapshotted as "." (${SKIP_REASON})`, () => {
  it('reports the root "." first, before names beginning with bytes below ".", as contracts.md sorts', () => {
    const tree = path.join(dir, 'dot');
    fs.mkdirSync(tree);
    for (const name of ['-x', '#y', ' z', 'b']) fs.writeFileSync(path.join(tree, name), '');
    const getfacl = spawnSync('getfacl', ['-R', '.'], { cwd: tree });
    expect(getfacl.status).toBe(0);
    const before = path.join(dir, 'dot.facl');
    fs.writeFileSync(before, getfacl.stdout);
    for (const name of ['.', '-x', '#y', ' z', 'b']) fs.chmodSync(path.join(tree, name), 0o700);
    const r = diffCli([before, '.', '--format', 'json'], { cwd: tree });
    expect(r.status).toBe(1);
    const paths = parseDiffJson(r.stdout).changes.map((c) => c.path);
    expect(paths).toEqual(['.', ' z', '#y', '-x', 'b']);
    expect([...paths].sort(compareSorted)).toEqual(paths);
  });
});

describe.skipIf(!restoreReady)(`diff reports of names with newlines (${SKIP_REASON})`, () => {
  it('quotes owner and group names from a snapshot, so a newline in one cannot forge a line of text or nagios output', () => {
    buildTree();
    const text = fs.readFileSync(snapshotFile(dir, ['tree'], 'healthy.facl'), 'latin1');
    const block = /# file: tree\/a-b\n# owner: ([^\n]*)\n# group: ([^\n]*)\n/.exec(text);
    expect(block).not.toBeNull();
    const [, owner, group] = block as RegExpExecArray;
    // `\012` in a # owner: line is a newline in the name (setfacl's unquoting).
    const forged = text.replace(block?.[0] as string, '# file: tree/a-b\n# owner: x\\012extra     forged\n# group: g\\015\\012y z\n');
    fs.writeFileSync(path.join(dir, 'forged.facl'), forged, 'latin1');

    const r = diffCli(['forged.facl', 'tree'], { cwd: dir });
    expect(r.status).toBe(1);
    const lines = latin1(r.stdout).split('\n');
    expect(lines).toEqual([
      '1 modified, 0 missing, 0 extra',
      `modified  tree/a-b  owner x\\012extra\\040\\040\\040\\040\\040forged -> ${owner}, group g\\015\\012y\\040z -> ${group}`,
      '',
    ]);
    const nagios = diffCli(['forged.facl', 'tree', '--format', 'nagios'], { cwd: dir });
    expect(nagios.status).toBe(2);
    expect(latin1(nagios.stdout).split('\n')).toHaveLength(2);
    // JSON carries the names as they are.
    const json = diffCli(['forged.facl', 'tree', '--format', 'json'], { cwd: dir });
    expect(parseDiffJson(json.stdout).changes[0]?.fields).toEqual([
      { field: 'owner', before: 'x\nextra     forged', after: owner },
      { field: 'group', before: 'g\r\ny z', after: group },
    ]);
  });
});

describe.skipIf(!restoreReady)(`diff --format json (${SKIP_REASON})`, () => {
  it('writes one document whose paths are exact bytes: UTF-8 as "path", anything else as "pathBase64"', () => {
    const s = scenario();
    const r = diffCli(['healthy.facl', 'tree', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const raw = JSON.parse(r.stdout.toString('utf8')) as { summary: unknown; changes: Array<Record<string, unknown>> };
    expect(Object.keys(raw)).toEqual(['summary', 'changes']);
    const doc = parseDiffJson(r.stdout);
    expect(doc.summary).toEqual(countKinds(s.expected));
    expect(sortedEntries(kindsByPath(doc))).toEqual(sortedEntries(s.expected));
    expect(doc.changes.map((c) => c.path)).toEqual([...s.expected.keys()].sort(compareSorted));
    for (const [i, c] of raw.changes.entries()) {
      const p = bytes((doc.changes[i] as { path: string }).path);
      expect('pathBase64' in c, JSON.stringify(c)).toBe(!isUtf8(p));
    }
    const nonUtf8 = raw.changes.filter((c) => 'pathBase64' in c);
    expect(nonUtf8.map((c) => Buffer.from(c.pathBase64 as string, 'base64'))).toEqual([bytes('tree/f\xff\xfe.bin')]);
    expect(raw.changes.map((c) => c.path)).toContain('tree/ünï');
    expect(raw.changes.map((c) => c.path)).toContain('tree/new\nline');
    const modified = doc.changes.find((c) => c.path === 'tree/f\xff\xfe.bin');
    expect(modified?.fields).toEqual([{ field: 'mode', before: s.modesBefore.get('tree/f\xff\xfe.bin'), after: '0600' }]);
  });

  it('writes an empty changes list and exit 0 when nothing differs', () => {
    buildTree();
    snapshotFile(dir, ['tree'], 'healthy.facl');
    const r = diffCli(['healthy.facl', 'tree', '--format', 'json'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.toString('utf8'))).toEqual({ summary: { modified: 0, missing: 0, extra: 0 }, changes: [] });
  });
});

describe.skipIf(!restoreReady)(`diff --format nagios (${SKIP_REASON})`, () => {
  it('says OK with zero perfdata and exit 0 when nothing differs', () => {
    buildTree();
    snapshotFile(dir, ['tree'], 'healthy.facl');
    const blocks = toolView(dir).facl.size;
    const r = diffCli(['healthy.facl', 'tree', '--format', 'nagios'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(latin1(r.stdout)).toBe(`PERMSNAP OK - no differences in ${blocks} paths | modified=0;;;0 missing=0;;;0 extra=0;;;0\n`);
  });

  it('says CRITICAL with the counts, the changed paths and perfdata, exit 2, on drift', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    for (const f of ['passwd', 'shadow', 'group', 'gshadow']) fs.writeFileSync(path.join(dir, 'tree', f), '');
    fs.chmodSync(path.join(dir, 'tree/passwd'), 0o4755);
    snapshotFile(dir, ['tree'], 'healthy.facl');
    const before = toolView(dir);
    for (const f of ['passwd', 'shadow', 'group']) fs.chmodSync(path.join(dir, 'tree', f), 0o777);
    fs.rmSync(path.join(dir, 'tree/gshadow'));
    const expected = oracleChanges(before, toolView(dir), true);
    expect(countKinds(expected)).toEqual({ modified: 3, missing: 1, extra: 0 });

    const r = diffCli(['healthy.facl', 'tree', '--format', 'nagios'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(2);
    const line = latin1(r.stdout);
    expect(line.split('\n')).toHaveLength(2); // one line
    expect(line).toMatch(/^PERMSNAP CRITICAL - 3 modified, 1 missing: .+ \| modified=3;;;0 missing=1;;;0 extra=0;;;0\n$/);
    expect(line).toContain('tree/passwd mode 4755 -> 0777');
    expect(line).toContain('tree/gshadow missing');
    for (const p of expected.keys()) expect(line).toContain(p);
  });

  it('writes a "|" of a path as \\174, so a file name cannot forge the performance data', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    const forger = 'x|modified=0;;;0 missing=0;;;0 extra=0;;;0';
    fs.writeFileSync(path.join(dir, 'tree', forger), '');
    snapshotFile(dir, ['tree'], 'healthy.facl');
    fs.chmodSync(path.join(dir, 'tree', forger), 0o600);
    const r = diffCli(['healthy.facl', 'tree', '--format', 'nagios'], { cwd: dir });
    expect(r.status).toBe(2);
    const line = latin1(r.stdout);
    expect(line.split('|')).toHaveLength(2); // the one that starts the performance data
    expect(line).toContain('tree/x\\174modified=0;;;0');
    expect(line).toMatch(/ \| modified=1;;;0 missing=0;;;0 extra=0;;;0\n$/);
  });
});
