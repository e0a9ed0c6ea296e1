// Helpers for the diff tests: the diff CLI, its JSON document read back with paths as raw
// bytes, and the oracle: what the real getfacl -R and getcap -r say about a tree, keyed by
// path, and which paths differ between two such views. Text is latin1: one char per byte.

import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { latin1, unquote } from '../helpers/facl-text.js';
import { getfacl, permsnap, run, type Run, type RunOptions } from '../helpers/tree.js';

export type ChangeKind = 'modified' | 'missing' | 'extra';

export function diffCli(args: string[], options: RunOptions = {}): Run {
  return permsnap(['diff', ...args], options);
}

/**
 * Snapshot options for the fixtures: one thread. With worker threads, about 3 runs in 100
 * under load die while loading koffi (FATAL ERROR: Error::ThrowAsJavaScriptException, exit
 * 134): a snapshot problem for its own tests, not something a diff test should trip over.
 */
export const SNAPSHOT_FIXTURE = ['snapshot', '--quiet', '--jobs', '1'];

/** `permsnap snapshot ARGS` written to cwd/file; returns the file's path. */
export function snapshotFile(cwd: string, args: string[], file: string): string {
  const r = permsnap([...SNAPSHOT_FIXTURE, ...args], { cwd });
  // getfacl's one notice for absolute arguments is all stderr may say.
  expect(r.stderr.replace("permsnap: Removing leading '/' from absolute path names\n", '')).toBe('');
  expect(r.status).toBe(0);
  const out = path.join(cwd, file);
  fs.writeFileSync(out, r.stdout);
  return out;
}

/** What the real tools say about a tree. Keys: raw paths (latin1), in the relative form. */
export interface ToolView {
  /** getfacl -R's text, as printed. */
  text: string;
  /** Each getfacl block (without its blank line) by path. */
  facl: Map<string, string>;
  /** getcap -r's capability text by path. */
  caps: Map<string, string>;
}

/** getfacl -R (plus getfaclArgs) and getcap -r of `rel` beneath cwd. */
export function toolView(cwd: string, rel = 'tree', getfaclArgs: string[] = []): ToolView {
  const r = getfacl(['-R', ...getfaclArgs, rel], { cwd });
  const text = latin1(r.stdout);
  const facl = new Map<string, string>();
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    const file = block.split('\n').find((l) => l.startsWith('# file: '));
    expect(file, `a getfacl block without # file: ${block}`).toBeDefined();
    facl.set(relative(latin1(unquote((file as string).slice('# file: '.length)))), block);
  }
  const caps = new Map<string, string>();
  for (const line of latin1(run('getcap', ['-r', rel], { cwd }).stdout).split('\n')) {
    if (line === '') continue;
    const space = line.lastIndexOf(' ');
    caps.set(relative(line.slice(0, space)), line.slice(space + 1));
  }
  return { text, facl, caps };
}

/** Drops a leading "/" or "./" (written here independently of permsnap's own rule). */
export function relative(p: string): string {
  return p.replace(/^\/+/, '').replace(/^\.\/+/, '');
}

/** Paths whose state differs between two views, by kind; capabilities only when asked. */
export function oracleChanges(before: ToolView, after: ToolView, compareCaps: boolean): Map<string, ChangeKind> {
  const changes = new Map<string, ChangeKind>();
  for (const [p, block] of before.facl) {
    const now = after.facl.get(p);
    if (now === undefined) changes.set(p, 'missing');
    else if (now !== block || (compareCaps && before.caps.get(p) !== after.caps.get(p))) changes.set(p, 'modified');
  }
  for (const p of after.facl.keys()) if (!before.facl.has(p)) changes.set(p, 'extra');
  return changes;
}

export function countKinds(changes: ReadonlyMap<string, ChangeKind>): Record<ChangeKind, number> {
  const counts = { modified: 0, missing: 0, extra: 0 };
  for (const kind of changes.values()) counts[kind]++;
  return counts;
}

export interface JsonField {
  field: string;
  before: string;
  after: string;
}

export interface JsonChange {
  kind: ChangeKind;
  /** The path as raw bytes (latin1), from "path" or "pathBase64". */
  path: string;
  fields?: JsonField[];
}

export interface JsonDiff {
  summary: Record<ChangeKind, number>;
  changes: JsonChange[];
}

/** Parses `diff --format json` output: one document; each change has exactly one of path, pathBase64. */
export function parseDiffJson(stdout: Buffer): JsonDiff {
  const doc = JSON.parse(stdout.toString('utf8')) as { summary: Record<ChangeKind, number>; changes: Array<Record<string, unknown>> };
  const changes = doc.changes.map((c) => {
    const hasPath = typeof c.path === 'string';
    const hasBase64 = typeof c.pathBase64 === 'string';
    expect(hasPath !== hasBase64, `exactly one of path and pathBase64 in ${JSON.stringify(c)}`).toBe(true);
    const raw = hasPath ? Buffer.from(c.path as string, 'utf8') : Buffer.from(c.pathBase64 as string, 'base64');
    return { kind: c.kind as ChangeKind, path: latin1(raw), fields: c.fields as JsonField[] | undefined };
  });
  return { summary: doc.summary, changes };
}

/** A JSON diff's changes as path -> kind (each path once). */
export function kindsByPath(doc: JsonDiff): Map<string, ChangeKind> {
  const map = new Map<string, ChangeKind>();
  for (const c of doc.changes) {
    expect(map.has(c.path), `${JSON.stringify(c.path)} reported twice`).toBe(false);
    map.set(c.path, c.kind);
  }
  return map;
}

/** Sorted copy of a map's entries, for order-independent equality with readable failures. */
export function sortedEntries<V>(map: ReadonlyMap<string, V>): Array<[string, V]> {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** contracts.md's sorted order, written independently: component by component, as bytes. */
export function compareSorted(x: string, y: string): number {
  // "." is the root: before everything (contracts.md, "Sorted order").
  const xs = x === '.' ? [] : x.split('/');
  const ys = y === '.' ? [] : y.split('/');
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const c = Buffer.compare(Buffer.from(xs[i] as string, 'latin1'), Buffer.from(ys[i] as string, 'latin1'));
    if (c !== 0) return c;
  }
  return xs.length - ys.length;
}

/** The access-ACL lines of a getfacl block without effective-rights comments. */
export function accessEntries(block: string): string[] {
  return entryLines(block).filter((l) => !l.startsWith('default:'));
}

/** The default-ACL lines of a getfacl block, without `default:` and comments. */
export function defaultEntries(block: string): string[] {
  return entryLines(block).filter((l) => l.startsWith('default:')).map((l) => l.slice('default:'.length));
}

function entryLines(block: string): string[] {
  return block
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/\s*#.*$/, ''));
}

/** A `# owner:` / `# group:` header value of a getfacl block. */
export function header(block: string, key: 'owner' | 'group'): string {
  const line = block.split('\n').find((l) => l.startsWith(`# ${key}: `));
  expect(line, `# ${key}: in ${block}`).toBeDefined();
  return (line as string).slice(`# ${key}: `.length);
}
