// When a run of paths all need work (a tree after `chmod -R`), the first look at the paths
// that follow is skipped for a while: the careful pass opens and reads each of them anyway,
// so the look's statx was spent for nothing. Measured on a /usr copy after chmod -R a+rwx
// (132k paths, 2 workers): the first pass ended 0.81-0.95 s after the start, with the
// skip 0.52-0.59 s; a healthy tree never skips. A skipped path that turns out missing or
// already right is counted so by the careful pass, and one whose block wants a default ACL
// or a capability is always looked at, so that its refusal (on what is not a directory, or
// not a regular file) is reported with the first pass's, in file order. So is one whose
// block has a problem of its own (an unknown name): it is said only of a path that exists.

import { mayBeRefused, Outcome, type LookResult, type WorkItem } from './work-item.js';

/** Paths in a row found needing work that start a skip, and paths then skipped before looking again. */
const RUN = 32;
const SPAN = 1024;
const SKIPPED: LookResult = { outcome: Outcome.WorkUnseen };

export class DamageSampler {
  private run = 0;
  private skipping = 0;

  /** The look's answer for `item`: `look` called, or not when in a damaged stretch (unless its block `hasProblems`). */
  look(item: WorkItem, look: (item: WorkItem) => LookResult, hasProblems = false): LookResult {
    if (this.skipping > 0 && !mayBeRefused(item) && !hasProblems) {
      this.skipping--;
      return SKIPPED;
    }
    const found = look(item);
    if (found.outcome !== Outcome.WorkSeen) this.run = 0;
    else if (++this.run === RUN) {
      this.run = 0;
      this.skipping = SPAN;
    }
    return found;
  }
}
