// Restore's first look at a path (lookAtItem) hands the system calls the name as bytes
// and reads the stat in place; it lists xattrs with listxattrat, or before Linux 6.13
// through /proc/self/fd. Each kind of path must get the same answer by both routes, and
// the right one: a path called correct is skipped by the restore.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAtSyscalls } from '../../src/platform/dir-fd.js';
import { DirectoryCache } from '../../src/restore/directory-cache.js';
import type { WantedState } from '../../src/restore/path-state.js';
import { readPinnedState } from '../../src/restore/pinned-io.js';
import { lookAtItem, Outcome, type WorkItem } from '../../src/restore/work-item.js';
import { aclReady } from '../helpers/facl-text.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
/** A name whose bytes are not UTF-8, as restore carries it: one char per byte. */
const LATIN1_NAME = 'caf\xe9-\xff';
const LONG_NAME = 'n'.repeat(255);

const plain = (mode: number): WantedState => ({ uid, gid, mode, acl: null, defaultAcl: undefined, capability: undefined });

/** What the snapshot wants of the path, read from another path that is as wanted. */
function wantedLike(relative: string): WantedState {
  const fd = fs.openSync(path.join(dir, relative), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  const state = readPinnedState({ fd, name: '' }, relative);
  fs.closeSync(fd);
  return { uid: state.uid, gid: state.gid, mode: state.mode, acl: state.acl, defaultAcl: state.type === 'dir' ? state.defaultAcl : undefined, capability: undefined };
}

beforeAll(() => {
  dir = makeTempDir('permsnap-first-look-');
  const file = (name: string | Buffer, mode: number): void => {
    const at = typeof name === 'string' ? path.join(dir, name) : Buffer.concat([Buffer.from(`${dir}/`), name]);
    fs.writeFileSync(at, '');
    fs.chmodSync(at, mode);
  };
  const directory = (name: string): void => {
    fs.mkdirSync(path.join(dir, name));
    fs.chmodSync(path.join(dir, name), 0o755);
  };
  file('plain', 0o644);
  file('chmodded', 0o777);
  file(Buffer.from(LATIN1_NAME, 'latin1'), 0o640);
  file(LONG_NAME, 0o600);
  directory('sub');
  file('sub/inner', 0o644);
  fs.symlinkSync('plain', path.join(dir, 'link'));
  if (aclReady) {
    file('acl', 0o640);
    execFileSync('setfacl', ['-m', 'u:1234:r--', path.join(dir, 'acl')]);
    file('acl-twin', 0o640);
    execFileSync('setfacl', ['-m', 'u:1234:r--', path.join(dir, 'acl-twin')]);
    file('acl-other', 0o640);
    execFileSync('setfacl', ['-m', 'u:4321:r--', path.join(dir, 'acl-other')]);
    directory('inherits');
    execFileSync('setfacl', ['-d', '-m', 'u:1234:rwx', path.join(dir, 'inherits')]);
  }
});
afterAll(() => {
  useAtSyscalls(true);
  removeTree(dir);
});

interface Case {
  relative: string;
  wanted: () => WantedState;
  outcome: Outcome;
  needsAcl?: boolean;
}

const CASES: Case[] = [
  { relative: 'plain', wanted: () => plain(0o644), outcome: Outcome.Correct },
  { relative: 'plain', wanted: () => ({ ...plain(0o644), uid: uid + 1 }), outcome: Outcome.WorkSeen },
  { relative: 'chmodded', wanted: () => plain(0o644), outcome: Outcome.WorkSeen },
  { relative: LATIN1_NAME, wanted: () => plain(0o640), outcome: Outcome.Correct },
  { relative: LATIN1_NAME, wanted: () => plain(0o600), outcome: Outcome.WorkSeen },
  { relative: LONG_NAME, wanted: () => plain(0o600), outcome: Outcome.Correct },
  { relative: 'sub', wanted: () => plain(0o755), outcome: Outcome.Correct },
  { relative: 'sub/inner', wanted: () => plain(0o644), outcome: Outcome.Correct },
  { relative: 'sub/inner', wanted: () => ({ ...plain(0o644), mode: null }), outcome: Outcome.Correct },
  { relative: 'link', wanted: () => plain(0o644), outcome: Outcome.WorkUnseen },
  { relative: 'absent', wanted: () => plain(0o644), outcome: Outcome.Missing },
  { relative: 'gone/absent', wanted: () => plain(0o644), outcome: Outcome.Missing },
  { relative: 'plain/absent', wanted: () => plain(0o644), outcome: Outcome.Missing },
  // The mode's bits say nothing of the ACL: these differ only in their xattrs.
  { relative: 'acl', wanted: () => plain(0o640), outcome: Outcome.WorkSeen, needsAcl: true },
  { relative: 'acl', wanted: () => wantedLike('acl-twin'), outcome: Outcome.Correct, needsAcl: true },
  { relative: 'acl', wanted: () => wantedLike('acl-other'), outcome: Outcome.WorkSeen, needsAcl: true },
  { relative: 'plain', wanted: () => ({ ...wantedLike('acl-twin'), mode: 0o644 }), outcome: Outcome.WorkSeen, needsAcl: true },
  { relative: 'inherits', wanted: () => plain(0o755), outcome: Outcome.Correct, needsAcl: true },
  { relative: 'inherits', wanted: () => ({ ...plain(0o755), defaultAcl: null }), outcome: Outcome.WorkSeen, needsAcl: true },
];

const OUTCOME_NAMES: Record<Outcome, string> = {
  [Outcome.Missing]: 'missing', [Outcome.Pseudo]: 'pseudo', [Outcome.Correct]: 'correct', [Outcome.WorkSeen]: 'work (seen)', [Outcome.WorkUnseen]: 'work (not seen)',
};

describe('the first look at a path gives the same answer by both routes', () => {
  for (const listxattrat of [true, false]) {
    const how = listxattrat ? '' : ' (without listxattrat, as before Linux 6.13)';
    for (const c of CASES) {
      const label = `${JSON.stringify(c.relative.length > 20 ? `${c.relative.slice(0, 8)}... (${c.relative.length} bytes)` : c.relative)}: ${OUTCOME_NAMES[c.outcome]}`;
      it.skipIf(c.needsAcl === true && !aclReady)(`${label}${how}${c.needsAcl ? ' (needs ACL support)' : ''}`, () => {
        useAtSyscalls(listxattrat);
        const item: WorkItem = { target: { root: dir, relative: c.relative }, wantsDefaultAcl: false, wanted: c.wanted(), probed: false };
        const cache = new DirectoryCache();
        try {
          expect(lookAtItem(item, cache, new Set()).outcome).toBe(c.outcome);
        } finally {
          cache.close();
        }
      });
    }
  }
});
