// Paths a snapshot gives more than once (`getfacl -R d d/sub` does): the last block wins, as
// with setfacl, and contracts.md wants a warning; one line per side, not one per path.

import { PATH_QUOTED, quote } from '../format/quote.js';
import { displayString } from '../platform/byte-path.js';

export class RepeatedPaths {
  /** Each path once, however many more blocks it has (in the order first repeated). */
  private readonly paths = new Set<string>();

  /** `path` has a block after its first. */
  note(path: string): void {
    this.paths.add(path);
  }

  /** The warning for `operand`, or null when no path came twice. */
  warning(operand: string): string | null {
    const first = this.paths.values().next();
    if (first.done === true) return null;
    return `${operand}: ${this.paths.size} path(s) given more than once, the last block of each wins (the first: ${displayString(quote(first.value, PATH_QUOTED))})`;
  }
}
