// POSIX.1e ACL entries as acl(5) names them, and the rules libacl applies to them:
// canonical order, validity, and the base ACL that the mode stands for.

export const ACL_USER_OBJ = 0x01;
export const ACL_USER = 0x02;
export const ACL_GROUP_OBJ = 0x04;
export const ACL_GROUP = 0x08;
export const ACL_MASK = 0x10;
export const ACL_OTHER = 0x20;
/** Every tag the kernel knows. */
export const ACL_TAGS: ReadonlySet<number> = new Set([ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_GROUP, ACL_MASK, ACL_OTHER]);

export type AclTag =
  | typeof ACL_USER_OBJ
  | typeof ACL_USER
  | typeof ACL_GROUP_OBJ
  | typeof ACL_GROUP
  | typeof ACL_MASK
  | typeof ACL_OTHER;

/** Sentinel qualifier of entries that have none (user::, group::, mask::, other::). */
export const ACL_UNDEFINED_ID = 0xffffffff;

export interface AclEntry {
  tag: AclTag;
  /** rwx bits: read 4, write 2, execute 1. */
  perm: number;
  /** uid or gid for ACL_USER / ACL_GROUP, ACL_UNDEFINED_ID otherwise. */
  id: number;
}

export type Acl = AclEntry[];

/** libacl's order: by tag, then named entries by ascending numeric id. */
export function compareAclEntries(a: AclEntry, b: AclEntry): number {
  if (a.tag !== b.tag) return a.tag - b.tag;
  return a.id - b.id;
}

export function sortAcl(acl: Acl): Acl {
  return [...acl].sort(compareAclEntries);
}

export function isNamed(entry: AclEntry): boolean {
  return entry.tag === ACL_USER || entry.tag === ACL_GROUP;
}

export function findEntry(acl: readonly AclEntry[], tag: AclTag): AclEntry | undefined {
  return acl.find((e) => e.tag === tag);
}

/** The three base entries a mode stands for (getfacl prints these when there is no ACL xattr). */
export function aclFromMode(mode: number): Acl {
  return [
    { tag: ACL_USER_OBJ, perm: (mode >> 6) & 7, id: ACL_UNDEFINED_ID },
    { tag: ACL_GROUP_OBJ, perm: (mode >> 3) & 7, id: ACL_UNDEFINED_ID },
    { tag: ACL_OTHER, perm: mode & 7, id: ACL_UNDEFINED_ID },
  ];
}

/** True when the ACL says no more than the mode does (acl_equiv_mode() == 0). */
export function isBaseAcl(acl: Acl): boolean {
  return acl.every((e) => e.tag === ACL_USER_OBJ || e.tag === ACL_GROUP_OBJ || e.tag === ACL_OTHER);
}

/** The mode's rwx bits that an access ACL implies: group bits are the mask when there is one. */
export function modeBitsOfAcl(acl: Acl): number {
  const user = findEntry(acl, ACL_USER_OBJ)?.perm ?? 0;
  const group = (findEntry(acl, ACL_MASK) ?? findEntry(acl, ACL_GROUP_OBJ))?.perm ?? 0;
  const other = findEntry(acl, ACL_OTHER)?.perm ?? 0;
  return (user << 6) | (group << 3) | other;
}

/**
 * Why an ACL is invalid, or null when it is valid: exactly one user::, group::, other::,
 * and a mask whenever there are named entries. A named entry given twice is valid: the
 * kernel keeps such an ACL, and getfacl (and GNU tar) write it down as it is.
 */
export function aclProblem(acl: readonly AclEntry[]): string | null {
  const counts = new Map<number, number>();
  let named = false;
  for (const e of acl) {
    counts.set(e.tag, (counts.get(e.tag) ?? 0) + 1);
    if (isNamed(e)) named = true;
  }
  for (const [tag, name] of [[ACL_USER_OBJ, 'user::'], [ACL_GROUP_OBJ, 'group::'], [ACL_OTHER, 'other::']] as const) {
    const n = counts.get(tag) ?? 0;
    if (n !== 1) return n === 0 ? `missing ${name} entry` : `duplicate ${name} entry`;
  }
  if ((counts.get(ACL_MASK) ?? 0) > 1) return 'duplicate mask:: entry';
  if (named && !counts.has(ACL_MASK)) return 'named entries without a mask:: entry';
  return null;
}

/** setfacl's rule when a snapshot names entries but no mask: the union of the group class. */
export function computeMask(acl: Acl): number {
  let mask = 0;
  for (const e of acl) if (e.tag === ACL_USER || e.tag === ACL_GROUP_OBJ || e.tag === ACL_GROUP) mask |= e.perm;
  return mask;
}

/**
 * A mode whose group bits are an ACL's mask, made right for the path without that ACL
 * (left as it is, or refused by the filesystem): the mask is wider than the owning group's
 * own entry, and set as it is it would widen rights the ACL never gave (to the owning group
 * without an ACL, to the named entries of an ACL in place, through its mask). The group
 * bits become the owning group's effective rights instead.
 */
export function modeWithoutAcl(mode: number, acl: readonly AclEntry[]): number {
  const groupObj = findEntry(acl, ACL_GROUP_OBJ);
  const mask = findEntry(acl, ACL_MASK);
  if (groupObj === undefined || mask === undefined) return mode;
  return (mode & ~0o070) | ((groupObj.perm & mask.perm) << 3);
}
