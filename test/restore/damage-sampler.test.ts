// DamageSampler: the first look is skipped after a run of paths that all need work, for a
// while, then taken again; a path whose block wants a default ACL is always looked at.

import { describe, expect, it } from 'vitest';
import { DamageSampler } from '../../src/restore/damage-sampler.js';
import { Outcome, type LookResult, type WorkItem } from '../../src/restore/work-item.js';

const item = (wantsDefaultAcl = false): WorkItem => ({ target: { root: '/r', relative: 'x' }, wantsDefaultAcl, wanted: {} as WorkItem['wanted'], probed: false });

/** Feeds `outcomes` (what a look would find, in turn) and returns which were looked at. */
function looked(outcomes: Outcome[], defaultAclAt: ReadonlySet<number> = new Set()): boolean[] {
  const sampler = new DamageSampler();
  return outcomes.map((outcome, i) => {
    let called = false;
    const result = sampler.look(item(defaultAclAt.has(i)), (): LookResult => ((called = true), { outcome }));
    if (!called) expect(result.outcome).toBe(Outcome.WorkUnseen);
    return called;
  });
}

describe('DamageSampler', () => {
  it('looks at every path of a healthy stretch, and of one where work is not 32 in a row', () => {
    expect(looked(Array(5000).fill(Outcome.Correct)).every(Boolean)).toBe(true);
    const mixed = Array.from({ length: 5000 }, (_, i) => (i % 31 === 30 ? Outcome.Correct : Outcome.WorkSeen));
    expect(looked(mixed).every(Boolean)).toBe(true);
    const missing = Array.from({ length: 5000 }, (_, i) => (i % 20 === 0 ? Outcome.Missing : Outcome.WorkSeen));
    expect(looked(missing).every(Boolean)).toBe(true);
  });

  it('skips 1024 paths after 32 in a row need work, then looks again', () => {
    const seen = looked(Array(3000).fill(Outcome.WorkSeen));
    expect(seen.slice(0, 32).every(Boolean)).toBe(true);
    expect(seen.slice(32, 32 + 1024).some(Boolean)).toBe(false);
    expect(seen.slice(1056, 1056 + 32).every(Boolean)).toBe(true);
    expect(seen.slice(1088, 1088 + 1024).some(Boolean)).toBe(false);
    expect(seen.filter(Boolean).length).toBe(32 * 3);
  });

  it('always looks at a path whose block wants a default ACL, without ending the skip', () => {
    const seen = looked(Array(1200).fill(Outcome.WorkSeen), new Set([100, 500]));
    expect(seen[100]).toBe(true);
    expect(seen[500]).toBe(true);
    expect(seen.slice(32, 1058).filter(Boolean).length).toBe(2);
  });
});
