// What a snapshot walk needs to know, as plain data: it crosses into worker threads.

import type { PrintOptions } from '../format/getfacl-printer.js';
import type { SymlinkPolicy } from '../walk/walk-tree.js';

export interface FileIdentity {
  dev: number;
  ino: number;
}

export type SnapshotFormat = 'getfacl' | 'json';

export interface SnapshotSettings {
  symlinks: SymlinkPolicy;
  oneFileSystem: boolean;
  sorted: boolean;
  /** st_dev numbers of filesystems recorded but not entered (pseudo filesystems). */
  doNotEnter: number[];
  /** Files left out of the walk by identity: the snapshot's own output file while it is written. */
  leaveOut: readonly FileIdentity[];
  /** Globs (contracts.md) of paths to leave out. */
  exclude: readonly string[];
  /** Remove leading "/" and "./" from printed paths (off with -p). */
  stripLeadingSlash: boolean;
  /** Leave out files whose ACL is the base ACL and that have no default ACL (-s). */
  skipBase: boolean;
  format: SnapshotFormat;
  print: PrintOptions;
  /** getfacl's walk says nothing when reading an opened directory fails (--compat). */
  quietReadErrors: boolean;
  /** Print all-digit owner and group names as they are, though they read back as ids (--compat, JSON: read-entry.ts). */
  digitNames: boolean;
  /** The same for ACL qualifiers (--compat only). */
  digitQualifiers: boolean;
  /**
   * Print paths without "//" or a trailing "/" (contracts.md: permsnap's own output), where
   * getfacl, given `tree/`, prints `tree/` and `tree//a` (--compat keeps those).
   */
  tidyPaths: boolean;
}
