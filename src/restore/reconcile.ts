// Brings one path to its wanted state in the kernel-safe order (owner/group, mode with
// special bits, access ACL, default ACL, capability), skipping every step whose value
// already matches, so a second run writes nothing. It works through a PathIo: the real one
// changes the file, the simulated one only predicts (dry run, and the undo journal's list
// of what will change).

import { ACL_GROUP_OBJ, findEntry, modeWithoutAcl, type Acl } from '../model/acl.js';
import { problemReason } from '../errors.js';
import { S_ISGID, S_ISUID, setIdNames } from '../model/mode.js';
import { afterChown, groupBitsNarrowed, isUnreadableCapability, sameAcl, sameBytes, wantedAclFor, wantedModeFor, type PathState, type WantedState } from './path-state.js';
import type { PermissionField } from '../model/field.js';

export interface Change {
  field: PermissionField;
  before: PathState;
  after: WantedState;
}

/**
 * A step the kernel took only in part (a chmod whose setgid it dropped): the path did
 * change, the rest of its steps still run, and this is then its problem.
 */
export class PartlyTaken extends Error {}

/**
 * The steps of one path that failed, each its own problem (the summary counts them so:
 * one for a refused ACL, one for a capability not set), though taken as one error.
 */
export class StepsFailed extends Error {
  constructor(readonly failures: readonly string[]) {
    super(failures.join('; '));
  }
}

export interface PathIo {
  read(): PathState;
  chown(uid: number | null, gid: number | null): void;
  chmod(mode: number): void;
  setAcl(kind: 'access' | 'default', acl: Acl | null): void;
  setCapability(value: Buffer | null): void;
}

/**
 * Owner, group and mode already as wanted, as far as a stat alone can tell (which mode is
 * wanted may depend on the ACL, unknown here: either one will do until isReconciled says).
 */
export function ownerAndModeReconciled(state: Pick<PathState, 'uid' | 'gid' | 'mode'>, wanted: WantedState): boolean {
  return ownersReconciled(state, wanted)
    && (wanted.mode === null || wanted.mode === state.mode || wanted.modeWithoutAcl === state.mode
      || (wanted.groupBitsNarrowOnly === true && groupBitsNarrowed(wanted.mode, state.mode) === state.mode));
}

function ownersReconciled(state: Pick<PathState, 'uid' | 'gid'>, wanted: WantedState): boolean {
  return (wanted.uid === null || wanted.uid === state.uid) && (wanted.gid === null || wanted.gid === state.gid);
}

/** True when reconcile() would take no step: every wanted field already holds. */
export function isReconciled(state: PathState, wanted: WantedState): boolean {
  const mode = wantedModeFor(state, wanted);
  const acl = wantedAclFor(state, wanted, wanted.mode === null);
  return ownersReconciled(state, wanted)
    && (mode === null || mode === state.mode)
    && (acl === undefined || sameAcl(state.acl, acl))
    && (wanted.defaultAcl === undefined || state.type !== 'dir' || sameAcl(state.defaultAcl, wanted.defaultAcl))
    && (wanted.capability === undefined || sameBytes(state.capability, wanted.capability));
}

/**
 * Takes the steps; returns them, each added to `changes` once it has been taken: when a
 * step fails, `changes` holds those taken before it (a summary counts what was done). A
 * step that only puts back what the chown took of a field left alone is not among them:
 * the field ends as it was.
 */
export function reconcile(io: PathIo, given: WantedState, changes: Change[] = []): Change[] {
  const original = io.read();
  let state = original;
  let wanted = given;
  // keptThroughChown may give a mode left alone a value: it is still left alone.
  const modeLeftAlone = given.mode === null;
  const uid = wanted.uid !== null && wanted.uid !== state.uid ? wanted.uid : null;
  const gid = wanted.gid !== null && wanted.gid !== state.gid ? wanted.gid : null;
  if (uid !== null || gid !== null) {
    const before = state;
    io.chown(uid, gid);
    if (uid !== null) changes.push({ field: 'owner', before, after: wanted });
    if (gid !== null) changes.push({ field: 'group', before, after: wanted });
    state = io.read();
    wanted = keptThroughChown(wanted, before, state);
    // A capability the snapshot does not want went with the chown: a change all the same,
    // which the capability step below no longer sees.
    if (wanted.capability === null && before.capability !== null && state.capability === null) changes.push({ field: 'capability', before, after: wanted });
  }
  const mode = wantedModeFor(state, wanted);
  let partly: PartlyTaken | null = null;
  const beforeMode = state;
  if (mode !== null && mode !== state.mode) {
    try {
      io.chmod(mode);
    } catch (err) {
      if (!(err instanceof PartlyTaken)) throw err;
      partly = err;
    }
    const now = io.read();
    // A mode left alone that the chmod only put back as it was before the chown: no change.
    const putBack = modeLeftAlone && now.mode === original.mode;
    if (now.mode !== state.mode && !putBack) changes.push({ field: 'mode', before: state, after: now.mode === wanted.mode ? wanted : { ...wanted, mode: now.mode } });
    state = now;
  }
  // The ACLs and the capability are each their own: one the filesystem refuses (no ACLs
  // there, a full xattr block) does not keep the others from being set. Each failure is
  // said by the step's name.
  const failures: string[] = partly === null ? [] : [partly.message];
  const acl = wantedAclFor(state, wanted, modeLeftAlone);
  let aclKept = false;
  if (acl !== undefined && !sameAcl(state.acl, acl)) {
    const removed = acl === null ? state.acl : null;
    if (taken(failures, 'ACL', () => io.setAcl('access', acl), ACL_HINT)) {
      // Before: the ACL as it was, not with the mask the chmod just gave it (a dry run shows it).
      changes.push({ field: 'acl', before: state.acl === original.acl ? state : { ...state, acl: original.acl }, after: acl === wanted.acl ? wanted : { ...wanted, acl } });
      state = io.read();
      if (removed !== null && modeLeftAlone) state = groupBitsWithoutAcl(io, state, removed);
    } else {
      // An ACL of its own left in place may let others run the file: it gets no setuid,
      // setgid or capability of the snapshot's (as wanted-state.ts withholds them where the
      // recorded ACL cannot even be resolved).
      aclKept = state.acl !== null;
      let narrowed = narrowAfterRefusedAcl(io, state, acl, beforeMode);
      const bits = aclKept ? narrowed.mode & (S_ISUID | S_ISGID) : 0;
      if (bits !== 0) {
        io.chmod(narrowed.mode & ~bits);
        narrowed = io.read();
        failures.push(`${setIdNames(bits)} cleared: ${ACL_KEPT}`);
      }
      // The mode as it ends is the change the path saw: none when back where it was.
      const modeStep = changes.findIndex((c) => c.field === 'mode');
      if (modeStep >= 0) changes.splice(modeStep, 1);
      // A mode left alone back as it was before the chown is none either (as above).
      const putBack = modeLeftAlone && narrowed.mode === original.mode;
      if (narrowed.mode !== beforeMode.mode && !putBack) changes.push({ field: 'mode', before: beforeMode, after: { ...wanted, mode: narrowed.mode } });
    }
  }
  if (wanted.defaultAcl !== undefined && state.type === 'dir' && !sameAcl(state.defaultAcl, wanted.defaultAcl)) {
    const defaultAcl = wanted.defaultAcl;
    if (taken(failures, 'default ACL', () => io.setAcl('default', defaultAcl), ACL_HINT)) changes.push({ field: 'default-acl', before: state, after: wanted });
  }
  // No capability either, one the file has included (removed).
  const capability = aclKept && wanted.capability !== undefined ? null : wanted.capability;
  if (aclKept && wanted.capability) failures.push(`capability not set (removed if set): ${ACL_KEPT}`);
  if (capability !== undefined && !sameBytes(state.capability, capability)) {
    // One left alone, put back as it was before the chown took it: no change either
    // (counted, `--ignore capability` said "capability 1" of a capability as it was).
    const putBack = given.capability === undefined && sameBytes(original.capability, capability);
    if (taken(failures, 'capability', () => io.setCapability(capability)) && !putBack) changes.push({ field: 'capability', before: state, after: { ...wanted, capability } });
  }
  if (failures.length > 0) throw new StepsFailed(failures);
  return changes;
}

/** Runs a step; false, with `failures` saying so by its name (and `hint` after ENOSPC, E2BIG), when it fails. */
function taken(failures: string[], what: string, step: () => void, hint = XATTR_HINT): boolean {
  try {
    step();
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    failures.push(`${what} not set: ${problemReason(err)}${code === 'ENOSPC' || code === 'E2BIG' ? hint : ''}`);
    return false;
  }
}

const ACL_KEPT = 'the file keeps an ACL unlike the recorded one, which may let others run it';

// What ENOSPC and E2BIG from setxattr mostly mean: not a full disk, a value too big for the file's xattr space.
const XATTR_HINT = ' (too big for this filesystem\'s space for extended attributes; or the disk is full)';
const ACL_HINT = ' (too big for this filesystem: ext4 keeps about 500 ACL entries a file; or the disk is full)';

/**
 * An access ACL that could not be set (a filesystem without ACLs, a full xattr block): the
 * chmod before it made the group bits what they are with that ACL, its mask. Without it,
 * on a path that has no ACL they are the owning group's rights, which become what the ACL
 * gave that group; on one whose old ACL stays they are the old ACL's mask, which never
 * grows past what it was or what the new one says. Best effort: the ACL's own error is the
 * one said. Returns the state it leaves.
 */
function narrowAfterRefusedAcl(io: PathIo, state: PathState, acl: Acl | null, beforeMode: PathState): PathState {
  const mode = acl !== null && state.acl === null
    ? modeWithoutAcl(state.mode, acl)
    : (state.mode & ~0o070) | (state.mode & beforeMode.mode & 0o070);
  if (mode === state.mode) return state;
  try {
    io.chmod(mode);
    return io.read();
  } catch {
    // The ACL's error is reported; this one adds nothing a user could act on.
    return state;
  }
}

/**
 * An extended ACL removed from a mode left alone (`--ignore mode`): the group bits were its
 * mask and would stay so, giving the owning group the mask's rights. As `setfacl -b` does,
 * they become the owning group's own entry.
 */
function groupBitsWithoutAcl(io: PathIo, state: PathState, removed: Acl): PathState {
  const groupObj = findEntry(removed, ACL_GROUP_OBJ);
  if (groupObj === undefined) return state;
  const mode = (state.mode & ~0o070) | (groupObj.perm << 3);
  if (mode === state.mode) return state;
  io.chmod(mode);
  return io.read();
}

/**
 * What is left alone (a mode or capability the snapshot does not set: `--ignore mode`, a
 * getfacl file's capabilities) must also survive the chown, which clears setuid, setgid and
 * the capability: wanted back as it was, it is put back by the steps that follow (not a
 * capability that could not be read: there is nothing to put back). But not setuid when
 * the owner changed, nor setgid when the group did: the kernel clears them because they
 * were the old owner's or group's to give. Put back, a file the wrong owner had made
 * setuid after a `chown -R` accident would become setuid root.
 */
function keptThroughChown(wanted: WantedState, before: PathState, after: PathState): WantedState {
  const dropped = ownerBits(before, after);
  const mode = wanted.mode === null && after.mode !== before.mode ? (before.mode & ~dropped) | (after.mode & dropped) : wanted.mode;
  const lost = !sameBytes(after.capability, before.capability) && !isUnreadableCapability(before.capability);
  const capability = wanted.capability === undefined && lost ? before.capability : wanted.capability;
  return mode === wanted.mode && capability === wanted.capability ? wanted : { ...wanted, mode, capability };
}

/** The special bits that belong to who owns the file: setuid to its owner, setgid to its group, when these change. */
function ownerBits(before: PathState, after: PathState): number {
  return (before.uid !== after.uid ? S_ISUID : 0) | (before.gid !== after.gid ? S_ISGID : 0);
}

/**
 * The setuid and setgid bits that the chown to `wanted`'s owner and group will clear and
 * that keptThroughChown will not put back, though the mode is left alone: said as the
 * path's problem (a mode left alone that does not stay as it was must not go unsaid).
 */
export function specialBitsNotPutBack(state: PathState, wanted: WantedState): string | undefined {
  if (wanted.mode !== null) return undefined;
  const after = afterChown(state, wanted.uid === state.uid ? null : wanted.uid, wanted.gid === state.gid ? null : wanted.gid);
  const lost = state.mode & ~after.mode & ownerBits(state, after);
  if (lost === 0) return undefined;
  const was = [lost & S_ISUID ? `setuid for uid ${state.uid}` : '', lost & S_ISGID ? `setgid for gid ${state.gid}` : ''].filter(Boolean).join(' and ');
  const whom = [lost & S_ISUID ? 'owner' : '', lost & S_ISGID ? 'group' : ''].filter(Boolean).join(' and ');
  return `not put back after the chown cleared it: ${was}, which would now serve the recorded ${whom} (--ignore mode keeps the rest of the mode; restore the mode too to set what the snapshot records)`;
}
