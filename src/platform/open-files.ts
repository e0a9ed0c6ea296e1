// How many file descriptors this process may hold (RLIMIT_NOFILE's soft limit, which Node
// raises to the hard limit at startup): restore keeps one open per path it has planned.

import fs from 'node:fs';

const FALLBACK = 1024;

/** This process's, read once: it does not change while permsnap runs (several modules ask). */
let ownLimit: number | undefined;

export function openFileLimit(limits?: string): number {
  if (limits === undefined) return (ownLimit ??= readLimit('/proc/self/limits'));
  return readLimit(limits);
}

function readLimit(limits: string): number {
  try {
    const line = fs.readFileSync(limits, 'latin1').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft) > 0 ? Number(soft) : FALLBACK;
  } catch (err) {
    // No /proc (a sandbox): assume the traditional default rather than fail.
    void err;
    return FALLBACK;
  }
}
