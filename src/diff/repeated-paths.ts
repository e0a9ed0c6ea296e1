// Paths a snapshot gives more than once (`getfacl -R d d/sub` does): the last block wins, as
// with setfacl, and contracts.md wants a warning; one line per side, not one per path.

import { PATH_QUOTED, quote } from '../format/quote.js';
import { displayString } from '../platform/byte-path.js';

export class RepeatedPaths {
  private count = 0;
  private first = '';

  note(path: string): void {
    if (this.count++ === 0) this.first = path;
  }

  /** The warning for `operand`, or null when no path came twice. */
  warning(operand: string): string | null {
    if (this.count === 0) return null;
    return `${operand}: ${this.count} path(s) given more than once, the last block of each wins (the first: ${displayString(quote(this.first, PATH_QUOTED))})`;
  }
}
