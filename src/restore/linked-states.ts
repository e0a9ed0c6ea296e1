// The state a chunk's steps leave each inode with more than one name in, kept per thread
// from chunk to chunk, so that a later name of it is planned from that state (chunk-work.ts).

import { PATH_QUOTED, quote } from '../format/quote.js';
import { sameWanted, type PathState, type WantedState } from './path-state.js';
import type { FileType } from '../model/entry.js';
import type { FileStat } from '../platform/dir-fd.js';
import type { PinnedState } from './pinned-io.js';

/** dev:ino of an inode with more than one name (a directory's are its entries'), else null. */
export function linkKeyOf(st: Pick<FileStat, 'nlink' | 'dev' | 'ino'>, type: FileType): string | null {
  return st.nlink > 1 && type !== 'dir' ? `${st.dev}:${st.ino}` : null;
}

// Inodes whose planned state is kept at once (a tree of hard-linked backups has a million).
const LINKED_KEPT = 65536;

/** Starts every message of linkConflict() (restore.ts says each once). */
export const LINK_CONFLICT_START = 'recorded unlike ';

/**
 * The problem of a name whose block wants another state of its inode than an earlier name's.
 * The other name escaped as the problem's own path is (a newline in it split the message).
 */
export function linkConflict(earlierShown: string): string {
  return `${LINK_CONFLICT_START}${quote(earlierShown, PATH_QUOTED)}, another name of this file: the file can have one state, so every run changes it again`;
}

/**
 * The first pass's memory of inodes with more than one name: the first name looked at and
 * what its block wants. A later name whose block wants something else is a problem: the
 * file takes one of the two states, and the next run finds the other name wrong (the
 * snapshot contradicts itself, or two files there are one here). Per thread: names looked
 * at on different threads are not compared.
 */
export class LinkWitness {
  private readonly seen = new Map<string, { wanted: WantedState; shown: string }>();

  /** linkConflict() when `shown` is recorded unlike an earlier name of inode `key` (dev:ino), else undefined. */
  check(key: string, wanted: WantedState, shown: string): string | undefined {
    const earlier = this.seen.get(key);
    if (earlier === undefined) {
      if (this.seen.size >= LINKED_KEPT) this.seen.clear();
      this.seen.set(key, { wanted, shown });
      return undefined;
    }
    return earlier.shown === shown || sameWanted(earlier.wanted, wanted) ? undefined : linkConflict(earlier.shown);
  }
}

/**
 * The inodes with more than one name that this thread's chunks change, by dev:ino, and the
 * state the planned steps leave each in. A later name of one is planned from that state,
 * not from the state read before the first was changed: it takes no step the first took
 * (a repeated chown, which clears setuid and capabilities, then has to put them back), and
 * the dry run counts what the real run does. Kept from chunk to chunk of the thread: names
 * far apart in the snapshot fall in different chunks. A path whose steps failed has its
 * state forgotten. (A chunk planned and let go, as a dry run does with each, keeps its
 * states: the dry run predicts a run that applies them; a real run lets go only to stop.)
 */
export class LinkedStates {
  private readonly states = new Map<string, { state: PathState; shown: string }>();

  /** The state the steps planned for an earlier name leave, and that name. */
  get(key: string): { state: PathState; shown: string } | undefined {
    return this.states.get(key);
  }

  set(key: string, state: PathState, shown: string): void {
    if (this.states.size >= LINKED_KEPT && !this.states.has(key)) this.states.clear();
    this.states.set(key, { state, shown });
  }

  forget(pinned: readonly { state: PinnedState }[]): void {
    for (const p of pinned) {
      const key = linkKeyOf(p.state, p.state.type);
      if (key !== null) this.states.delete(key);
    }
  }
}
