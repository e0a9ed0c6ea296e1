// One path's permission record: what a snapshot block says and what every source
// (live walk, snapshot file, archive) produces. Pure data.

import type { AclTag } from './acl.js';

export const FILE_TYPES = ['file', 'dir', 'symlink', 'fifo', 'socket', 'char', 'block', 'unknown'] as const;
export type FileType = (typeof FILE_TYPES)[number];

/** An ACL entry with its qualifier as both a number and a name, where each is known. */
export interface QualifiedAclEntry {
  tag: AclTag;
  perm: number;
  /** uid/gid for named entries; -1 when only the name is known (read from text). */
  id: number;
  /** Qualifier name (a byte string), when there is one. */
  name?: string;
}

export interface Entry {
  /** The path as recorded, a byte string (one char per byte), unquoted. */
  path: string;
  type: FileType;
  /** Permission and special bits (0o7777); the group bits equal the mask when there is one. */
  mode: number;
  /** -1 when only the name is known. */
  uid: number;
  gid: number;
  /** Names as byte strings; undefined when there is no name (or ids were asked for). */
  owner?: string;
  group?: string;
  /** The access ACL as recorded; undefined means the base ACL of the mode. */
  acl?: QualifiedAclEntry[];
  /** The default ACL (directories only); undefined means none. */
  defaultAcl?: QualifiedAclEntry[];
  /** getcap's text for the file capability; undefined means none. */
  capability?: string;
}

export const UNKNOWN_ID = -1;

/** The largest id a file can have: (uid_t)-1, one more, means "no change" to chown(2). */
export const MAX_FILE_ID = 0xfffffffe;
