// The state a chunk's steps leave each inode with more than one name in, kept per thread
// from chunk to chunk, so that a later name of it is planned from that state (chunk-work.ts).

import type { PathState } from './path-state.js';
import type { PinnedState } from './pinned-io.js';

/** dev:ino of an inode with more than one name (a directory's are its entries'), else null. */
export function linkKeyOf(state: PinnedState): string | null {
  return state.nlink > 1 && state.type !== 'dir' ? `${state.dev}:${state.ino}` : null;
}

// Inodes whose planned state is kept at once (a tree of hard-linked backups has a million).
const LINKED_KEPT = 65536;

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
  private readonly states = new Map<string, PathState>();

  get(key: string): PathState | undefined {
    return this.states.get(key);
  }

  set(key: string, state: PathState): void {
    if (this.states.size >= LINKED_KEPT && !this.states.has(key)) this.states.clear();
    this.states.set(key, state);
  }

  forget(pinned: readonly { state: PinnedState }[]): void {
    for (const p of pinned) {
      const key = linkKeyOf(p.state);
      if (key !== null) this.states.delete(key);
    }
  }
}
