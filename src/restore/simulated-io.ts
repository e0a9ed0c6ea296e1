// A PathIo that changes nothing: it applies the kernel's rules to a copy of the state, so
// reconcile() on it predicts exactly which steps a real run takes (dry run, undo journal).

import { afterAccessAcl, afterChmod, afterChown, type PathState } from './path-state.js';
import type { PathIo } from './reconcile.js';

// A class rather than an object of closures: restore makes one or two per path it plans.
class SimulatedIo implements PathIo {
  constructor(public state: PathState) {}

  read(): PathState {
    return this.state;
  }

  chown(uid: number | null, gid: number | null): void {
    this.state = afterChown(this.state, uid, gid);
  }

  chmod(mode: number): void {
    this.state = afterChmod(this.state, mode);
  }

  setAcl(kind: 'access' | 'default', acl: PathState['acl']): void {
    this.state = kind === 'access' ? afterAccessAcl(this.state, acl) : { ...this.state, defaultAcl: acl };
  }

  setCapability(value: Buffer | null): void {
    this.state = { ...this.state, capability: value };
  }
}

export function simulatedIo(initial: PathState): PathIo & { state: PathState } {
  return new SimulatedIo(initial);
}
