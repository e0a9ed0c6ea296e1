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
  try {
    const gettid = libc.func('int gettid()') as () => number;
    const setpriority = libc.func('int setpriority(int which, int who, int prio)') as (which: number, who: number, prio: number) => number;
    return setpriority(PRIO_PROCESS, gettid(), nice) === 0;
  } catch {
    return false;
  }
}
