// `permsnap snapshot --from-deb` as a library function: the baseline of the tree a set of
// packages installs, rooted at `/`: each package's data archive streamed through the tar
// code, merged (a later package wins a path; directories the packages disagree on are
// reported), dpkg-statoverride lines applied on top, then printed as --from-tar prints.
// What the archives cannot say (install scripts that set permissions) is reported.

import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Entry } from '../model/entry.js';
import { relativeForm } from '../model/printed-path.js';
import type { ByteSink } from '../output/byte-sink.js';
import { readDebData, type DebControl } from './deb-package.js';
import { mergedUsrMemberPath, mergedUsrPath } from './merged-usr.js';
import { openArchive } from './decompress.js';
import type { ScriptFinding } from './maintainer-scripts.js';
import { SnapshotOutput, type ArchiveOutputOptions, type ArchiveSnapshotCounts } from './snapshot-output.js';
import { applyStatOverride, readStatOverrides, type StatOverride } from './statoverride.js';
import { namingArchive } from './tar-snapshot.js';

export interface DebSnapshotOptions extends ArchiveOutputOptions {
  /** A dpkg-statoverride database to apply over the packages. */
  statoverride?: string;
  /** Paths as a merged-/usr host has them (merged-usr.ts): bin/ping as usr/bin/ping. */
  mergedUsr?: boolean;
  /** A directory two packages ship with different mode, owner or group (the later one wins). */
  onDisagreement?: (disagreement: Disagreement) => void;
  /** A package whose install scripts change permissions the baseline cannot know. */
  onScripts?: (pkg: string, findings: ScriptFinding[]) => void;
  /** A statoverride line for a path no given package ships (it is left out). */
  onUnshipped?: (override: StatOverride) => void;
}

export interface Disagreement {
  /** The path as recorded, relative to the root. */
  path: string;
  first: { pkg: string; state: string };
  later: { pkg: string; state: string };
}

export interface DebSnapshotResult extends ArchiveSnapshotCounts {
  packages: number;
  overridden: number;
}

interface Shipped {
  entry: Entry;
  pkg: string;
}

/** `debs` are file names ("-" is stdin, once); messages name them as given. */
export async function snapshotDebs(debs: string[], sink: ByteSink, options: DebSnapshotOptions = {}): Promise<DebSnapshotResult> {
  // Read first: a bad statoverride file fails before any package is read.
  const overrides = options.statoverride === undefined ? [] : readStatOverrides(options.statoverride);
  // A member left out is said with the package it is in: among many, the path alone does not tell.
  let reading = '';
  const onProblem = options.onProblem && ((p: { path: string; message: string }): void => options.onProblem?.({ ...p, message: `${p.message} (in ${reading})` }));
  // dpkg archives hold no xattrs: capabilities come from install scripts (ping's postinst).
  const output = new SnapshotOutput(sink, { ...options, onProblem, capabilitiesUnknown: true });
  try {
    const tree = new Map<string, Shipped>();
    for (const deb of debs) {
      reading = deb;
      await mergePackage(deb, tree, output, options);
    }
    const overridden = applyOverrides(tree, overrides, output, options);
    for (const { entry } of tree.values()) await output.add(output.printer.printEntry(entry));
    return { ...(await output.finish()), packages: debs.length, overridden };
  } finally {
    output.dispose();
  }
}

async function mergePackage(deb: string, tree: Map<string, Shipped>, output: SnapshotOutput, options: DebSnapshotOptions): Promise<void> {
  const control: DebControl = { scripts: [] };
  let source: Readable | null = null;
  let pkg = '';
  try {
    source = openArchive(deb);
    for await (const member of readDebData(source, control)) {
      // The control archive, with the package's name, comes before the data.
      pkg ||= control.package ?? path.basename(deb);
      const entry = output.printer.entryOf(member);
      if (entry !== null) merge(tree, { entry, pkg }, output, options);
    }
  } catch (err) {
    throw namingArchive(err, deb);
  } finally {
    source?.destroy();
  }
  if (control.scripts.length > 0) options.onScripts?.(control.package ?? path.basename(deb), control.scripts);
}

function merge(tree: Map<string, Shipped>, item: Shipped, output: SnapshotOutput, options: DebSnapshotOptions): void {
  let key = relativeForm(item.entry.path);
  if (options.mergedUsr) {
    const real = mergedUsrMemberPath(key, item.entry.type === 'symlink');
    if (real === null) return;
    item.entry.path = item.entry.path.slice(0, item.entry.path.length - key.length) + real;
    key = real;
  }
  const earlier = tree.get(key);
  // A symlink now: a file shipped there before is gone, as dpkg unpacks it; a directory
  // stays (dpkg never replaces one with a symlink).
  if (item.entry.type === 'symlink') {
    if (earlier?.entry.type !== 'dir') tree.delete(key);
    return;
  }
  if (earlier && earlier.entry.type === 'dir' && item.entry.type === 'dir' && !output.printer.isExcluded(item.entry.path)) {
    const [first, later] = [stateOf(earlier.entry), stateOf(item.entry)];
    if (first !== later) options.onDisagreement?.({ path: key, first: { pkg: earlier.pkg, state: first }, later: { pkg: item.pkg, state: later } });
  }
  // Map.set keeps an existing key's place: the baseline's order is that of first appearance.
  tree.set(key, item);
}

/** What dpkg sets on a directory: mode, owner and group (names where the archive has them). */
function stateOf(entry: Entry): string {
  const mode = (entry.mode & 0o7777).toString(8).padStart(4, '0');
  return `${mode} ${entry.owner ?? entry.uid}:${entry.group ?? entry.gid}`;
}

function applyOverrides(tree: Map<string, Shipped>, overrides: StatOverride[], output: SnapshotOutput, options: DebSnapshotOptions): number {
  let applied = 0;
  const names = options.print?.names ?? true;
  for (const override of overrides) {
    const shipped = tree.get(options.mergedUsr ? (mergedUsrPath(override.key) ?? override.key) : override.key);
    if (shipped === undefined) {
      options.onUnshipped?.(override);
      continue;
    }
    shipped.entry = applyStatOverride(shipped.entry, override, names, options.statoverride as string);
    applied++;
  }
  return applied;
}
