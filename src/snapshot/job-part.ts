// What one walk job hands back, in output order: text of blocks, holes where a
// directory's contents were left to another job, per-path errors and notices.

import { closeDirectory } from '../platform/dir-fd.js';
import type { DirectoryTask } from '../walk/walk-tree.js';

export interface TextPart {
  kind: 'text';
  /** The blocks' bytes. */
  bytes: Uint8Array;
  /** Blocks in the text. */
  count: number;
  /** Offsets where the first and the last block's header end (-1: no header). */
  firstHeaderEnd: number;
  lastHeaderEnd: number;
  /** The last block's path (for progress). */
  lastPath: string;
}

export interface HolePart {
  kind: 'hole';
  /** The directory (or the rest of one) left; null once the scheduler has started its job. */
  task: DirectoryTask | null;
}

/** Closes the directory a hole not started holds open for its job (DirectoryTask.openFd), if any. */
export function closeHeldDirectory(hole: HolePart): void {
  if (hole.task?.openFd !== undefined) closeDirectory(hole.task.openFd);
}

export interface ErrorPart {
  kind: 'error';
  path: string;
  /** errno as a positive number, or 0 when unknown. */
  errno: number;
  message: string;
}

/** A printed path lost its leading "/" (getfacl says so once per run). */
export interface AbsolutePart {
  kind: 'absolute';
}

/** The job's argument was left out by exclude (nothing of it is recorded). */
export interface ExcludedPart {
  kind: 'excluded';
}

export type JobPart = TextPart | HolePart | ErrorPart | AbsolutePart | ExcludedPart;
