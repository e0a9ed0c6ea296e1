// From a snapshot block to the state restore wants, with names resolved to ids on this
// host. An unknown name is a problem for that path (unless the source gave its id too);
// the path's other fields still count.

import { PATH_QUOTED, quote } from '../format/quote.js';
import { ACL_GROUP, ACL_USER, isBaseAcl, modeWithoutAcl, sortAcl, type Acl } from '../model/acl.js';
import { encodeCapability, parseCapabilityText } from '../model/capability.js';
import type { Entry, QualifiedAclEntry } from '../model/entry.js';
import { S_ISGID, S_ISUID, setIdNames } from '../model/mode.js';
import type { IdResolver } from './id-resolver.js';
import type { WantedState } from './path-state.js';
import type { PermissionField } from '../model/field.js';

/** (uid_t)-1 and (gid_t)-1. */
const NO_ID = 0xffffffff;

export interface WantedResult {
  wanted: WantedState;
  problems: string[];
}

export interface WantedOptions {
  ids: IdResolver;
  ignore: ReadonlySet<PermissionField>;
  /** The snapshot says which files have no capability (permsnap's, with markers). */
  capabilitiesKnown: boolean;
}

/**
 * A name in a problem line: its own bytes (a problem line is a byte string, as its path is),
 * quoted, escaped as getfacl escapes it (`a\012b`, as it is written in a snapshot), so that
 * it cannot forge a line and pastes back as it was read.
 */
const shownName = (name: string): string => `"${quote(name, PATH_QUOTED)}"`;

export function wantedState(entry: Entry, options: WantedOptions): WantedResult {
  const problems: string[] = [];
  const { ids, ignore } = options;
  // Each unknown name once, with where the block uses it (owner, ACL, default ACL).
  const unknown = new Map<string, { places: Set<string>; failure: string | null }>();
  const principal = (kind: 'user' | 'group', name: string | undefined, id: number, place: string): number | null => {
    const recorded = id >= 0 ? id : null;
    // A name this host does not know, from a source that gives its id as well (an archive):
    // that id, as tar takes it when it extracts (a getfacl text gives a name alone).
    const resolved = name === undefined ? recorded : (kind === 'user' ? ids.uid(name) : ids.gid(name)) ?? recorded;
    if (resolved === null && name !== undefined) {
      const key = `${kind} ${shownName(name)}`;
      // A lookup that failed (a directory service down) is said so: "unknown" would mislead.
      const said = unknown.get(key) ?? { places: new Set<string>(), failure: ids.failure?.(kind, name) ?? null };
      unknown.set(key, said);
      said.places.add(place);
    }
    // (uid_t)-1, which chown takes as "leave it as it is" (the path would count as restored
    // and be unchanged): recorded so in a user namespace that does not map the id, or given
    // for a name by a passwd file.
    if (resolved !== NO_ID) return resolved;
    const said = name === undefined
      ? `${kind} id ${NO_ID} is no id a file can have (getfacl prints it for one a user namespace does not map): left as it is`
      : `${kind} ${shownName(name)} has the id ${NO_ID}, which no file can have (to chown it means "no change")`;
    // Once a path, as an unknown name is, however many places of the block use it.
    if (!problems.includes(said)) problems.push(said);
    return null;
  };
  const uid = ignore.has('owner') ? null : principal('user', entry.owner, entry.uid, 'owner');
  const gid = ignore.has('group') ? null : principal('group', entry.group, entry.gid, 'group');
  const resolveAcl = (acl: readonly QualifiedAclEntry[], kind: string): Acl | undefined => {
    let complete = true;
    const named = new Map<string, string>();
    const resolved = acl.map((e) => {
      if (e.tag !== ACL_USER && e.tag !== ACL_GROUP) return { tag: e.tag, perm: e.perm, id: e.id };
      const tag = e.tag === ACL_USER ? 'user' : 'group';
      const id = principal(tag, e.name, e.id, kind);
      if (id === null) complete = false;
      else {
        // Two qualifiers the parser told apart may be one id here (`user:www-data` and
        // `user:33`, or two names of one user): the kernel would take an ACL naming it twice.
        // One written twice alike is restored as recorded: the kernel keeps such an ACL
        // (its first entry for a user counts), and getfacl printed it so.
        const key = `${tag}:${id}`;
        const text = shownName(e.name ?? String(e.id));
        const first = named.get(key);
        if (first === undefined) named.set(key, text);
        else if (first !== text) {
          problems.push(`the ${kind} names ${tag} ${id} twice (as ${first} and ${text}); it is left as it is`);
          complete = false;
        }
      }
      return { tag: e.tag, perm: e.perm, id: id ?? -1 };
    });
    return complete ? sortAcl(resolved) : undefined; // a partial ACL would grant the wrong rights
  };
  // A base-only ACL (most entries) is just the mode: no xattr is wanted, nothing to resolve.
  const access = !ignore.has('acl') && entry.acl && !isBaseAcl(entry.acl) ? resolveAcl(entry.acl, 'ACL') : null;
  const wanted: WantedState = {
    uid,
    gid,
    mode: ignore.has('mode') ? null : access === undefined ? modeWithoutAcl(entry.mode, entry.acl as readonly QualifiedAclEntry[]) : entry.mode,
    // --ignore acl, the mode restored (see WantedState): with an extended ACL in the
    // snapshot, a file without one now gets the owning group's effective rights as its group
    // bits; without one in the snapshot, an ACL the file has now keeps its mask or narrows it.
    ...(ignore.has('acl') && !ignore.has('mode')
      ? entry.acl && !isBaseAcl(entry.acl) ? { modeWithoutAcl: modeWithoutAcl(entry.mode, entry.acl) } : { groupBitsNarrowOnly: true as const }
      : {}),
    acl: ignore.has('acl') || access === undefined ? undefined : access && isBaseAcl(access) ? null : access,
    defaultAcl: ignore.has('default-acl') ? undefined : entry.defaultAcl ? resolveAcl(entry.defaultAcl, 'default ACL') : null,
    capability: undefined,
  };
  withholdSpecialBits(wanted, entry, { uid, gid, ignore }, problems);
  if (!ignore.has('capability') && (entry.capability !== undefined || options.capabilitiesKnown)) {
    wanted.capability = entry.capability === undefined ? null : encodeCapability(parseCapabilityText(entry.capability));
  }
  // The recorded ACL left as the file has it (a name unknown here, one id named twice): that
  // ACL may let others run the file, so it gets no privilege of the snapshot's.
  if (access === undefined) withholdPrivileges(wanted, problems);
  for (const [name, { places, failure }] of unknown) {
    const where = places.size > 1 ? ` (${[...places].join(', ')})` : '';
    problems.push(failure === null ? `unknown ${name}${where}` : `${name}${where}: the lookup failed: ${failure} (is the directory service up?)`);
  }
  return { wanted, problems };
}

/** setuid, setgid and the capability not given (cleared, removed if the file has them). */
function withholdPrivileges(wanted: WantedState, problems: string[]): void {
  const bits = wanted.mode === null ? 0 : wanted.mode & (S_ISUID | S_ISGID);
  const capability = wanted.capability !== undefined && wanted.capability !== null;
  if (bits === 0 && !capability) return;
  if (bits !== 0) {
    wanted.mode = (wanted.mode as number) & ~bits;
    if (wanted.modeWithoutAcl !== undefined) wanted.modeWithoutAcl &= ~bits;
  }
  if (capability) wanted.capability = null;
  const which = [setIdNames(bits), capability ? 'the capability' : ''].filter(Boolean).join(' and ');
  problems.push(`${which} not set (cleared if set): the recorded ACL could not be set, and the one the file has may let others run it`);
}

/**
 * setuid and setgid are the recorded owner's and group's to give: when the block names an
 * owner (a group) that cannot be set here (a name this host does not know, say), the bit
 * would make the file setuid for whoever owns it now (root, after a `chown -R root`), so it
 * is not set, and cleared if the file has it. A block that names no owner changes no
 * ownership, and --ignore owner keeps owners by request: there the mode is set as recorded.
 */
function withholdSpecialBits(wanted: WantedState, entry: Entry, set: { uid: number | null; gid: number | null; ignore: ReadonlySet<PermissionField> }, problems: string[]): void {
  if (wanted.mode === null) return;
  const recordsOwner = entry.owner !== undefined || entry.uid >= 0;
  const recordsGroup = entry.group !== undefined || entry.gid >= 0;
  const withheld = (set.uid === null && recordsOwner && !set.ignore.has('owner') ? S_ISUID : 0) |
    (set.gid === null && recordsGroup && !set.ignore.has('group') ? S_ISGID : 0);
  const bits = wanted.mode & withheld;
  if (bits === 0) return;
  wanted.mode &= ~bits;
  if (wanted.modeWithoutAcl !== undefined) wanted.modeWithoutAcl &= ~bits;
  const whose = [bits & S_ISUID ? 'owner' : '', bits & S_ISGID ? 'group' : ''].filter(Boolean).join(' and ');
  problems.push(`${setIdNames(bits)} not set (cleared if set): the recorded ${whose} could not be set, and the bit would serve whoever has the file now`);
}
