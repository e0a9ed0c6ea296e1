// What a field left alone loses to the chown (setgid, a capability) is put back right
// after it: ending as it was, that is no change, neither counted nor shown by a dry run;
// ending otherwise, it is. Pure logic: reconcile() on the kernel's rules (simulated-io.ts).

import { describe, expect, it } from 'vitest';
import { ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER, ACL_UNDEFINED_ID, ACL_USER, ACL_USER_OBJ, type Acl } from '../../src/model/acl.js';
import type { PathState, WantedState } from '../../src/restore/path-state.js';
import { reconcile, StepsFailed, type Change } from '../../src/restore/reconcile.js';
import { simulatedIo } from '../../src/restore/simulated-io.js';

const file = (mode: number, more: Partial<PathState> = {}): PathState => ({ type: 'file', mode, uid: 1000, gid: 0, acl: null, defaultAcl: null, capability: null, ...more });
const ownerOnly: WantedState = { uid: 0, gid: null, mode: null, acl: undefined, defaultAcl: undefined, capability: undefined };
const acl: Acl = [
  { tag: ACL_USER_OBJ, perm: 7, id: ACL_UNDEFINED_ID },
  { tag: ACL_USER, perm: 7, id: 65534 },
  { tag: ACL_GROUP_OBJ, perm: 7, id: ACL_UNDEFINED_ID },
  { tag: ACL_MASK, perm: 7, id: ACL_UNDEFINED_ID },
  { tag: ACL_OTHER, perm: 5, id: ACL_UNDEFINED_ID },
];

/** The fields of the steps taken, and the state they leave; `refuseAcl`: the filesystem refuses ACLs. */
function run(state: PathState, wanted: WantedState, refuseAcl = false): { fields: string[]; after: PathState } {
  const io = simulatedIo(state);
  if (refuseAcl) io.setAcl = () => { throw Object.assign(new Error('EOPNOTSUPP: operation not supported'), { code: 'EOPNOTSUPP' }); };
  const changes: Change[] = [];
  try {
    reconcile(io, wanted, changes);
  } catch (err) {
    if (!(err instanceof StepsFailed)) throw err;
  }
  return { fields: changes.map((c) => c.field), after: io.state };
}

describe('a field left alone, put back after the chown', () => {
  it('counts no capability put back as it was (--ignore capability, a getfacl snapshot)', () => {
    const { fields, after } = run(file(0o755, { capability: Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }), ownerOnly);
    expect(fields).toEqual(['owner']);
    expect(after.capability).not.toBeNull();
  });

  it('counts no setgid put back as it was (--ignore mode), whether the ACL is set or refused', () => {
    for (const refuse of [false, true]) {
      const { fields, after } = run(file(0o2775), { ...ownerOnly, acl }, refuse);
      expect(after.mode).toBe(0o2775);
      // Before review helper-132, the refused ACL's route counted "mode 0775 -> 2775".
      expect(fields.filter((f) => f === 'mode')).toEqual([]);
    }
  });

  it('counts a mode that does not end as it was: setuid is not put back for the new owner', () => {
    const { fields, after } = run(file(0o6755), ownerOnly);
    expect(after.mode).toBe(0o2755);
    expect(fields).toEqual(['owner', 'mode']);
  });
});
