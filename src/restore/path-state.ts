// A path's permission state as restore sees it, current or wanted, and the kernel's rules
// for how one change affects the rest (design.md: chown clears setuid/setgid and the
// capability; chmod rewrites an extended ACL's user::, mask and other::; writing an ACL sets
// the mode's rwx bits).

import { ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER, ACL_USER_OBJ, findEntry, modeBitsOfAcl, type Acl } from '../model/acl.js';
import type { FileType } from '../model/entry.js';
import { S_ISGID, S_ISUID } from '../model/mode.js';

const S_IXGRP = 0o010;

export interface PathState {
  type: FileType;
  /** Permission and special bits (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** The access ACL xattr, sorted; null when there is none (the mode says it all). */
  acl: Acl | null;
  /** The default ACL; null when there is none. */
  defaultAcl: Acl | null;
  /** The raw security.capability value; null when there is none; UNREADABLE_CAPABILITY (empty). */
  capability: Buffer | null;
}

/**
 * A capability the kernel refuses to read (a corrupt value: EINVAL; exec of the file fails
 * too). No capability the kernel takes is empty, so it differs from every one wanted:
 * restore replaces or removes it as the snapshot says, and leaves it alone otherwise.
 */
export const UNREADABLE_CAPABILITY: Buffer = Buffer.alloc(0);

export const isUnreadableCapability = (value: Buffer | Uint8Array | null | undefined): boolean => value?.length === 0;

/** What a snapshot wants; undefined/null fields are left as they are. */
export interface WantedState {
  uid: number | null;
  gid: number | null;
  mode: number | null;
  /**
   * With the access ACL left alone (`--ignore acl`) and an extended ACL in the snapshot: the
   * mode for a file that has no extended ACL now. `mode`'s group bits are the snapshot's
   * mask; without an ACL they would be the owning group's rights, wider than its own entry
   * gave it. Here they are that entry's effective rights (group:: masked).
   */
  modeWithoutAcl?: number;
  /**
   * With the access ACL left alone (`--ignore acl`) and none in the snapshot beyond the
   * mode: a file that has an extended ACL now keeps it, and `mode`'s group bits, the
   * owning group's rights in the snapshot, would become its mask, widening entries the
   * snapshot never gave. There the group bits may only narrow.
   */
  groupBitsNarrowOnly?: true;
  /** null: the base ACL (no xattr); undefined: leave the access ACL alone. */
  acl: Acl | null | undefined;
  defaultAcl: Acl | null | undefined;
  capability: Buffer | null | undefined;
}

/**
 * The state after chown, as the kernel leaves it for root (setattr_should_drop_sgid): on
 * anything but a directory, setuid and the capability go, and setgid goes only with group
 * execute; setgid without it (the old mandatory-locking mark) stays. For other callers it
 * depends on their groups: a real run reads the mode back (pinned-io.ts).
 */
export function afterChown(state: PathState, uid: number | null, gid: number | null): PathState {
  const next = { ...state, uid: uid ?? state.uid, gid: gid ?? state.gid };
  if (state.type !== 'dir') {
    next.mode &= ~(S_ISUID | (state.mode & S_IXGRP ? S_ISGID : 0));
    // One that could not be read may survive (the kernel keeps an empty value): taken as
    // still there, so that the steps after still replace or remove it.
    if (!isUnreadableCapability(state.capability)) next.capability = null;
  }
  return next;
}

/** The mode a path should get in its current state (see WantedState.modeWithoutAcl and groupBitsNarrowOnly). */
export function wantedModeFor(state: Pick<PathState, 'acl' | 'mode'>, wanted: WantedState): number | null {
  if (state.acl === null) return wanted.modeWithoutAcl ?? wanted.mode;
  return wanted.groupBitsNarrowOnly && wanted.mode !== null ? groupBitsNarrowed(wanted.mode, state.mode) : wanted.mode;
}

/** `mode` with no group bit that `current` lacks (groupBitsNarrowOnly). */
export function groupBitsNarrowed(mode: number, current: number): number {
  return mode & (current | ~0o070);
}

/**
 * The access ACL a path should get in its current state. With the mode left alone
 * (`--ignore mode`), an extended ACL's user:: and other:: entries are the mode's owner and
 * other bits as they are now: written whole, the snapshot's would set them (a mode 1777
 * file whose ACL came back went to 1000). Its group::, named entries and mask are the
 * snapshot's, as diff compares them.
 */
export function wantedAclFor(state: Pick<PathState, 'mode'>, wanted: WantedState, modeLeftAlone: boolean): Acl | null | undefined {
  const { acl } = wanted;
  if (!modeLeftAlone || !acl) return acl;
  return acl.map((e) => {
    if (e.tag === ACL_USER_OBJ) return { ...e, perm: (state.mode >> 6) & 7 };
    if (e.tag === ACL_OTHER) return { ...e, perm: state.mode & 7 };
    return e;
  });
}

/** The state after chmod: an extended ACL follows the new mode. */
export function afterChmod(state: PathState, mode: number): PathState {
  return { ...state, mode, acl: state.acl ? aclFollowingMode(state.acl, mode) : null };
}

function aclFollowingMode(acl: Acl, mode: number): Acl {
  const hasMask = findEntry(acl, ACL_MASK) !== undefined;
  return acl.map((e) => {
    if (e.tag === ACL_USER_OBJ) return { ...e, perm: (mode >> 6) & 7 };
    if (e.tag === ACL_OTHER) return { ...e, perm: mode & 7 };
    if ((hasMask && e.tag === ACL_MASK) || (!hasMask && e.tag === ACL_GROUP_OBJ)) return { ...e, perm: (mode >> 3) & 7 };
    return e;
  });
}

/** The state after writing (or removing, with null) the access ACL. */
export function afterAccessAcl(state: PathState, acl: Acl | null): PathState {
  if (acl === null) return { ...state, acl: null };
  return { ...state, acl, mode: (state.mode & ~0o777) | modeBitsOfAcl(acl) };
}

export function sameAcl(a: Acl | null, b: Acl | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((e, i) => e.tag === b[i]!.tag && e.perm === b[i]!.perm && e.id === b[i]!.id);
}

export function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

/** Whether two blocks want the same of a path (the same object for blocks that say the same). */
export function sameWanted(a: WantedState, b: WantedState): boolean {
  if (a === b) return true;
  const same = <T>(x: T | undefined, y: T | undefined, equal: (x: T, y: T) => boolean): boolean =>
    x === undefined || y === undefined ? x === y : equal(x, y);
  return a.uid === b.uid && a.gid === b.gid && a.mode === b.mode && a.modeWithoutAcl === b.modeWithoutAcl && a.groupBitsNarrowOnly === b.groupBitsNarrowOnly
    && same(a.acl, b.acl, sameAcl) && same(a.defaultAcl, b.defaultAcl, sameAcl) && same(a.capability, b.capability, sameBytes);
}
