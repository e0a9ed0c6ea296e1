// What a live side could not see is left out of the comparison instead of being reported
// missing or extra: beneath a pseudo filesystem's mount point (contracts.md "Pseudo
// filesystems": a `getfacl -R /` baseline holds all of /proc), and at or beneath a path the
// walk could not read (the run already exits 2 for it; a CI check must not also see a
// thousand false "missing" lines, nor Nagios a CRITICAL).

import { PATH_QUOTED, quote } from '../format/quote.js';
import { displayString } from '../platform/byte-path.js';
import type { ChangeKind, DiffChanges } from './diff-changes.js';

export interface NotEnteredResult {
  changes: DiffChanges;
  /** What was left out, to say so (contracts.md); null when nothing was. */
  warning: string | null;
}

export function dropNotEntered(changes: DiffChanges, mountPoints: readonly string[]): NotEnteredResult {
  if (mountPoints.length === 0) return { changes, warning: null };
  const points = new Set(mountPoints);
  const shown = mountPoints.slice(0, 3).map((p) => displayString(quote(p, PATH_QUOTED))).join(', ') + (mountPoints.length > 3 ? ', ...' : '');
  return dropChanges(changes, (path) => isBeneath(path, points), (n) => `${n} path(s) beneath pseudo filesystems not compared: the live side does not enter ${shown}`);
}

/** Whether a proper ancestor of `path` is one of `points` ("." is the ancestor of every relative path). */
function isBeneath(path: string, points: ReadonlySet<string>): boolean {
  if (path !== '.' && points.has('.')) return true;
  for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
    if (points.has(path.slice(0, slash))) return true;
  }
  return false;
}

/**
 * Leaves out the changes at or beneath paths the live walk could not read (a modification
 * of the path itself was seen, and stays), and at paths whose own xattrs could not be read
 * (what is beneath those was read).
 */
export function dropUnread(changes: DiffChanges, unread: readonly string[], unreadEntries: readonly string[] = []): NotEnteredResult {
  if (unread.length + unreadEntries.length === 0) return { changes, warning: null };
  const points = new Set(unread);
  const entries = new Set(unreadEntries);
  const unknown = (path: string, kind: ChangeKind): boolean =>
    isBeneath(path, points) || ((points.has(path) || entries.has(path)) && kind !== 'modified');
  return dropChanges(changes, unknown, (n) => `${n} path(s) at or beneath paths that could not be read not compared`);
}

function dropChanges(changes: DiffChanges, unknown: (path: string, kind: ChangeKind) => boolean, warning: (skipped: number) => string): NotEnteredResult {
  const kept = changes.without(unknown);
  const skipped = changes.length - kept.length;
  return skipped === 0 ? { changes, warning: null } : { changes: kept, warning: warning(skipped) };
}
