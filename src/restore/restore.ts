// `permsnap restore` as a library function: takes a validated snapshot, resolves every
// path beneath its root without following symlinks, plans each path's steps against its
// current state, journals the pre-restore state of a batch (fsynced) before changing it,
// then applies. Missing paths are skipped and counted; per-path problems are collected and
// the run goes on.

import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ParsedEntry } from '../format/getfacl-parser.js';
import { compileGlobs, matchesOrBeneath } from '../glob/path-matcher.js';
import type { Entry } from '../model/entry.js';
import { formatCapability, decodeCapability } from '../model/capability.js';
import { closeDescriptor, openBeneath, openRoot } from '../platform/safe-ops.js';
import { pseudoFilesystemDevices } from '../platform/mounts.js';
import type { SystemError } from '../platform/libc.js';
import { fdIo, readFdState, type FdState } from './fd-io.js';
import type { IdResolver } from './id-resolver.js';
import { reconcile, type Change, type Field } from './reconcile.js';
import { sortForRestore } from './restore-order.js';
import { simulatedIo } from './simulated-io.js';
import { resolveTarget, shownTarget, type TargetPath } from './target-path.js';
import type { UndoJournal } from './undo-journal.js';
import { wantedState } from './wanted-state.js';

export interface RestoreOptions {
  root?: string;
  cwd?: string;
  dryRun?: boolean;
  exclude?: string[];
  only?: string[];
  ignore?: Field[];
  ids: IdResolver;
  /** The snapshot says which files have no capability (permsnap's markers are present). */
  capabilitiesKnown: boolean;
  journal: UndoJournal | null;
  /** Checked between paths: true stops the run after the paths in flight. */
  shouldStop?: () => boolean;
  onPlan?: (shownPath: string, changes: Change[]) => void;
  onProblem?: (shownPath: string, message: string) => void;
}

export interface RestoreSummary {
  changed: number;
  byField: Record<Field, number>;
  alreadyCorrect: number;
  missing: number;
  pseudo: number;
  problems: number;
  /** Paths of the snapshot that exist beneath the root. */
  existing: number;
  stopped: boolean;
}

interface Item {
  entry: Entry;
  target: TargetPath;
}

const BATCH = 256;

export async function restore(parsed: readonly ParsedEntry[], options: RestoreOptions): Promise<RestoreSummary> {
  const summary: RestoreSummary = {
    changed: 0, alreadyCorrect: 0, missing: 0, pseudo: 0, problems: 0, existing: 0, stopped: false,
    byField: { owner: 0, group: 0, mode: 0, acl: 0, 'default-acl': 0, capability: 0 },
  };
  const problem = (shown: string, message: string): void => {
    summary.problems++;
    options.onProblem?.(shown, message);
  };
  const items = sortForRestore(selectItems(parsed, options, problem));
  const pseudo = pseudoFilesystemDevices();
  const roots = new Map<string, number>();
  try {
    for (let i = 0; i < items.length && !summary.stopped; i += BATCH) {
      const planned = items.slice(i, i + BATCH).flatMap((item) => planItem(item, options, roots, pseudo, summary, problem));
      if (options.dryRun) {
        for (const p of planned) {
          countChanges(summary, p.changes);
          closeDescriptor(p.fd);
        }
        await nextTurn();
        summary.stopped = options.shouldStop?.() ?? false;
        continue;
      }
      options.journal?.append(planned.map((p) => journalEntry(p, options.root)));
      for (const p of planned) applyItem(p, summary, problem);
      // Let signals and progress through between batches: a stop request ends the run here.
      await nextTurn();
      summary.stopped = options.shouldStop?.() ?? false;
    }
    options.journal?.complete();
  } finally {
    for (const fd of roots.values()) closeDescriptor(fd);
  }
  return summary;
}

/** Last block wins for a repeated path; --exclude/--only; `..` refused. */
function selectItems(parsed: readonly ParsedEntry[], options: RestoreOptions, problem: (p: string, m: string) => void): Item[] {
  const excluded = compileGlobs(options.exclude ?? []);
  const only = compileGlobs(options.only ?? []);
  const byPath = new Map<string, Entry>();
  for (const { entry } of parsed) byPath.set(entry.path, entry);
  const items: Item[] = [];
  for (const entry of byPath.values()) {
    if (excluded && matchesOrBeneath(entry.path, excluded)) continue;
    if (only && !matchesOrBeneath(entry.path, only)) continue;
    const resolved = resolveTarget(entry.path, options.root, options.cwd ?? process.cwd());
    if (resolved.ok) items.push({ entry, target: resolved.target });
    else problem(entry.path, resolved.problem);
  }
  return items;
}

interface Planned {
  fd: number;
  shown: string;
  item: Item;
  state: FdState;
  wanted: ReturnType<typeof wantedState>['wanted'];
  changes: Change[];
}

function planItem(
  item: Item, options: RestoreOptions, roots: Map<string, number>, pseudo: Set<number>,
  summary: RestoreSummary, problem: (p: string, m: string) => void,
): Planned[] {
  const shown = shownTarget(item.target);
  let rootFd = roots.get(item.target.root);
  if (rootFd === undefined) {
    rootFd = openRoot(item.target.root);
    roots.set(item.target.root, rootFd);
  }
  let fd: number;
  try {
    fd = openBeneath(rootFd, item.target.relative, shown);
  } catch (err) {
    const code = (err as SystemError).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') summary.missing++;
    else if (code === 'ELOOP') problem(shown, 'a symlink in the path: refused (never followed)');
    else if (code === 'EXDEV') problem(shown, 'the path leaves the root: refused');
    else problem(shown, (err as Error).message);
    return [];
  }
  summary.existing++;
  const keep = planOpened(fd, shown, item, options, pseudo, summary, problem);
  if (!keep) closeDescriptor(fd);
  return keep ? [keep] : [];
}

function planOpened(
  fd: number, shown: string, item: Item, options: RestoreOptions, pseudo: Set<number>,
  summary: RestoreSummary, problem: (p: string, m: string) => void,
): Planned | null {
  let state: FdState;
  try {
    state = readFdState(fd, shown);
  } catch (err) {
    problem(shown, (err as Error).message);
    return null;
  }
  if (state.type === 'symlink') return problem(shown, 'is a symlink here: refused (symlinks are never changed)'), null;
  if (pseudo.has(state.dev)) return summary.pseudo++, null;
  const { wanted, problems } = wantedState(item.entry, { ids: options.ids, ignore: new Set(options.ignore ?? []), capabilitiesKnown: options.capabilitiesKnown });
  for (const p of problems) problem(shown, p);
  if (item.entry.defaultAcl && state.type !== 'dir') {
    problem(shown, 'a default ACL for something that is not a directory: refused');
    wanted.defaultAcl = undefined;
  }
  const changes = reconcile(simulatedIo(state), wanted);
  if (changes.length === 0) return summary.alreadyCorrect++, null;
  if (state.unchangeable) return problem(shown, 'immutable or append-only (chattr): not changed'), null;
  options.onPlan?.(shown, changes);
  return { fd, shown, item, state, wanted, changes };
}

function applyItem(p: Planned, summary: RestoreSummary, problem: (p: string, m: string) => void): void {
  try {
    countChanges(summary, reconcile(fdIo(p.fd, p.shown), p.wanted));
  } catch (err) {
    problem(p.shown, (err as Error).message);
  } finally {
    closeDescriptor(p.fd);
  }
}

function countChanges(summary: RestoreSummary, changes: readonly Change[]): void {
  if (changes.length > 0) summary.changed++;
  for (const c of changes) summary.byField[c.field]++;
}

/** The pre-restore state, as the journal records it (paths relative to --root, else absolute). */
function journalEntry(p: Planned, root: string | undefined): Entry {
  const { state } = p;
  const target = p.item.target;
  const recorded = root !== undefined ? target.relative || '.' : path.join(target.root, target.relative);
  const entry: Entry = { path: recorded, type: state.type, mode: state.mode, uid: state.uid, gid: state.gid };
  if (state.acl) entry.acl = state.acl;
  if (state.defaultAcl) entry.defaultAcl = state.defaultAcl;
  if (state.capability) entry.capability = formatCapability(decodeCapability(state.capability));
  return entry;
}
