// One recorded path as restore's first pass sees it (a Look), made from its parsed block:
// excluded, refused, or where it lands and what it should be; then what the pass found,
// tallied. Shared by the pass on the main thread (look-all.ts) and the pass over pieces of
// the snapshot on workers (piece-look.ts), so both decide alike.

import type { ParsedEntry } from '../format/getfacl-parser.js';
import { compileGlobsBeneath } from '../glob/path-matcher.js';
import type { Problem } from './chunk-work.js';
import type { IdResolver } from './id-resolver.js';
import { resolveTarget, shownTarget, type TargetPath } from './target-path.js';
import { wantedState, type WantedResult } from './wanted-state.js';
import { Outcome, type WorkItem } from './work-item.js';
import type { WorkList } from './work-list.js';
import type { PermissionField } from '../model/field.js';

/** What the first pass found for one recorded path (the last block for it wins). */
export interface Look {
  /** Until the path has been looked at, 'pending'; 'symlink': a symlink now (an archive's last member), nothing to restore. */
  outcome: 'excluded' | 'refused' | 'missing' | 'correct' | 'pseudo' | 'work' | 'pending' | 'symlink';
  /** Per-path problems, reported once the whole snapshot has proved valid. */
  problems: string[];
  /** The recorded path; item.target is where it lands. */
  path: string;
  item?: WorkItem;
  /** Where a 'symlink' Look's path lands: it takes the place of an earlier block for it there. */
  symlinkAt?: TargetPath;
}

export interface LookRules {
  root?: string;
  cwd: string;
  exclude: readonly string[];
  only: readonly string[];
  ignore: readonly PermissionField[];
  ids: IdResolver;
  /** The snapshot says which files have no capability; a function while it streams (its first block tells). */
  capabilitiesKnown: boolean | (() => boolean);
}

const NO_PROBLEMS: readonly string[] = [];
const OUTCOMES: Record<Outcome, Look['outcome']> = {
  [Outcome.Missing]: 'missing', [Outcome.Pseudo]: 'pseudo', [Outcome.Correct]: 'correct', [Outcome.WorkSeen]: 'work', [Outcome.WorkUnseen]: 'work',
};

export function shownLook(look: Look): string {
  const target = look.item?.target ?? look.symlinkAt;
  return target ? shownTarget(target) : look.path;
}

/** Makes each parsed block's Look: 'excluded', 'refused', or 'pending' with its work item. */
export function lookMaker(rules: LookRules): (parsed: ParsedEntry) => Look {
  const excluded = compileGlobsBeneath(rules.exclude);
  const only = compileGlobsBeneath(rules.only);
  const wantedOf = cachedWantedState(rules);
  return ({ entry, shape }) => {
    const path = entry.path;
    if ((excluded && excluded(path)) || (only && !only(path))) {
      return { outcome: 'excluded', problems: NO_PROBLEMS as string[], path };
    }
    const resolved = resolveTarget(path, rules.root, rules.cwd);
    if (!resolved.ok) return { outcome: 'refused', problems: [resolved.problem], path };
    if (entry.type === 'symlink') return { outcome: 'symlink', problems: NO_PROBLEMS as string[], path, symlinkAt: resolved.target };
    const { wanted, problems } = wantedOf(entry, shape);
    // `problems` is shared by the entries of a block body: never changed in place.
    return { outcome: 'pending', problems, path, item: { target: resolved.target, wantsDefaultAcl: entry.defaultAcl !== undefined, wanted, probed: false } };
  };
}

/** Records what the look at a pending Look's path found (lookAtItem's answer). */
export function settleLook(look: Look, outcome: Outcome, problems: readonly string[] | undefined): void {
  look.outcome = OUTCOMES[outcome];
  (look.item as WorkItem).probed = outcome === Outcome.WorkSeen;
  if (problems !== undefined) look.problems = [...look.problems, ...problems];
}

/** wantedState(), worked out once per block body (the parser's shape) rather than per path. */
function cachedWantedState(rules: LookRules): (entry: ParsedEntry['entry'], shape: object | undefined) => WantedResult {
  const ignore = new Set(rules.ignore);
  const capabilitiesKnown = typeof rules.capabilitiesKnown === 'function' ? rules.capabilitiesKnown : () => rules.capabilitiesKnown as boolean;
  const cache = [new WeakMap<object, WantedResult>(), new WeakMap<object, WantedResult>()];
  // No closure made per path: this runs for every block.
  return (entry, shape) => {
    const known = capabilitiesKnown();
    const byShape = cache[known ? 1 : 0] as WeakMap<object, WantedResult>;
    let result = shape === undefined ? undefined : byShape.get(shape);
    if (result === undefined) {
      result = wantedState(entry, { ids: rules.ids, ignore, capabilitiesKnown: known });
      if (shape !== undefined) byShape.set(shape, result);
    }
    return result;
  };
}

/** What the first pass found, counted; the paths with work kept, in file order. */
export interface LookTally {
  /** Blocks looked at, a repeated path once (excluded ones too). */
  looks: number;
  /** Paths considered: looks that are not excluded. */
  paths: number;
  missing: number;
  pseudo: number;
  /** Existing paths with nothing to change, and no problem (an unknown owner is one). */
  correct: number;
  /** Existing paths with nothing to change that can be changed, and a problem: not correct. */
  correctWithProblems: number;
  repeated: number;
  /** The first path given again (as shown), when one is. */
  firstRepeated?: string;
  /** Looks beneath the root (the root itself, refused and excluded paths aside), and those that exist. */
  beneath: number;
  existingBeneath: number;
  /** In file order. */
  problems: Problem[];
  work: WorkItem[];
  /** The last path looked at (as shown), for progress. */
  latest: string;
}

/** A tally without its paths with work (what a piece's pass answers with them packed aside). */
export type LookCounts = Omit<LookTally, 'work'>;

/** What the first pass gives the second: its counts, and the paths with work (and their restore order, when it was worked out as they came). */
export type FirstPassResult = LookCounts & { work: WorkList; order?: Int32Array };

export function emptyTally(): LookTally {
  return { looks: 0, paths: 0, missing: 0, pseudo: 0, correct: 0, correctWithProblems: 0, repeated: 0, beneath: 0, existingBeneath: 0, problems: [], work: [], latest: '' };
}

/** Where a tally keeps the paths with work: its own array, or an ItemPacker. */
export interface WorkKeeper {
  push(item: WorkItem): unknown;
}

/** Adds one Look, whose outcome is known, to the tally (its work, if any, to `work`). */
export function tallyLook(tally: LookTally, look: Look, work: WorkKeeper = tally.work): void {
  // Not a path of the snapshot: what the archive had there is gone, and a symlink has nothing to restore.
  if (look.outcome === 'symlink') return;
  tally.looks++;
  if (look.outcome !== 'excluded') tally.paths++;
  // A missing path's problems (an unknown owner, say) are moot: it is skipped. A baseline of
  // a whole system keeps blocks for the home directories of users deleted since.
  if (look.outcome !== 'missing') for (const p of look.problems) tally.problems.push([shownLook(look), p]);
  if (look.outcome === 'missing') tally.missing++;
  else if (look.outcome === 'pseudo') tally.pseudo++;
  else if (look.outcome === 'correct') {
    if (look.problems.length === 0) tally.correct++;
    else tally.correctWithProblems++;
  }
  else if (look.outcome === 'work') work.push(look.item as WorkItem);
  if (look.outcome !== 'excluded' && look.outcome !== 'refused' && look.item?.target.relative !== '') {
    tally.beneath++;
    if (look.outcome !== 'missing') tally.existingBeneath++;
  }
}

/** The counts of consecutive pieces of a snapshot, as one (`into` grows; their work is kept apart, packed). */
export function addTally(into: LookCounts, more: LookCounts): void {
  into.looks += more.looks;
  into.paths += more.paths;
  into.missing += more.missing;
  into.pseudo += more.pseudo;
  into.correct += more.correct;
  into.correctWithProblems += more.correctWithProblems;
  into.repeated += more.repeated;
  into.beneath += more.beneath;
  into.existingBeneath += more.existingBeneath;
  for (const p of more.problems) into.problems.push(p);
  into.latest = more.latest;
}

/**
 * No path beneath the root exists (the root itself always does, so it does not count;
 * paths refused or excluded neither), or the snapshot has no block at all: the root is
 * wrong, or the file is empty.
 */
export function nothingBeneath(tally: LookCounts): boolean {
  return tally.existingBeneath === 0 && (tally.beneath > 0 || tally.looks === 0);
}
