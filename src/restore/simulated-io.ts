// A PathIo that changes nothing: it applies the kernel's rules to a copy of the state, so
// reconcile() on it predicts exactly which steps a real run takes (dry run, undo journal).

import { afterAccessAcl, afterChmod, afterChown, type PathState } from './path-state.js';
import type { PathIo } from './reconcile.js';

export function simulatedIo(initial: PathState): PathIo & { state: PathState } {
  const io = {
    state: initial,
    read: () => io.state,
    chown(uid: number | null, gid: number | null) {
      io.state = afterChown(io.state, uid, gid);
    },
    chmod(mode: number) {
      io.state = afterChmod(io.state, mode);
    },
    setAcl(kind: 'access' | 'default', acl: PathState['acl']) {
      io.state = kind === 'access' ? afterAccessAcl(io.state, acl) : { ...io.state, defaultAcl: acl };
    },
    setCapability(value: Buffer | null) {
      io.state = { ...io.state, capability: value };
    },
  };
  return io;
}
