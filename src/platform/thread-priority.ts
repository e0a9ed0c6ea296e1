// Sets the scheduling priority (nice value) of the calling thread only: Linux keeps one per
// thread, and setpriority(PRIO_PROCESS, tid) sets that one. Best effort: a libc without
// gettid() (glibc < 2.30) or a system that refuses leaves the thread as it was.

import { libc } from './libc.js';

const PRIO_PROCESS = 0;

/**
 * Makes this thread nice `nice` (-20 to 19: higher yields more); false when it could not.
 * Going back down (more priority) needs root (CAP_SYS_NICE).
 */
export function setThreadNice(nice: number): boolean {
  const fns = bound();
  return fns !== null && fns.setpriority(PRIO_PROCESS, fns.gettid(), nice) === 0;
}

/** This thread's nice value now (what it inherited: `nice -n 19 permsnap ...` gives 19); 0 where it cannot be read. */
export function threadNice(): number {
  const fns = bound();
  // -1 is also getpriority's error value; a nice of -1 read so is taken as it is.
  return fns === null ? 0 : fns.getpriority(PRIO_PROCESS, fns.gettid());
}

type Calls = {
  gettid: () => number;
  setpriority: (which: number, who: number, prio: number) => number;
  getpriority: (which: number, who: number) => number;
};
let calls: Calls | null | undefined;

/** The two libc functions, bound on first use (each koffi.func() parses a prototype); null where libc lacks them. */
function bound(): Calls | null {
  if (calls === undefined) {
    try {
      calls = {
        gettid: libc.func('int gettid()') as Calls['gettid'],
        setpriority: libc.func('int setpriority(int which, int who, int prio)') as Calls['setpriority'],
        getpriority: libc.func('int getpriority(int which, int who)') as Calls['getpriority'],
      };
    } catch {
      calls = null;
    }
  }
  return calls;
}
