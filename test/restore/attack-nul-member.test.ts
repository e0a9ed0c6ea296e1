// Attack: a tar archive (or .deb) as the snapshot, whose PAX path records hold a NUL byte.
// No file name can, but a PAX record can, and C strings end at it: "..\0" reached the
// kernel as "..", and a NUL in a path split restore's packed paths (joined by NULs) into
// other paths, so "a\0../outside/canary" became "../outside/canary" with another member's
// mode. Such a member makes the archive malformed (exit 2): nothing changes, in the root or
// outside it.

import fs from 'node:fs';
import path from 'node:path';
import tarStream from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { observe, restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-nul-member-');
});
afterEach(() => removeTree(dir));

interface Member {
  path: string;
  mode: number;
  uid: number;
}

/** A tar whose members are directories named by PAX path records (the header's name is a decoy). */
async function writeArchive(file: string, members: Member[]): Promise<void> {
  const p = tarStream.pack();
  for (const m of members) {
    p.entry({ name: 'x', type: 'directory', mode: m.mode, uid: m.uid, gid: m.uid, uname: '', gname: '', pax: { path: m.path } });
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p) chunks.push(chunk as Buffer);
  fs.writeFileSync(file, Buffer.concat(chunks));
}

describe.skipIf(!restoreReady)(`attack: a NUL byte in an archive member's path (${SKIP_REASON})`, () => {
  // "..\0" alone (one level up, one thread); "a\0../outside/canary" among others (two levels
  // up through the packed paths, several threads).
  const cases: Array<{ name: string; jobs: string; members: Member[] }> = [
    { name: 'a member named "..\\0"', jobs: '1', members: [{ path: '..\0', mode: 0o777, uid: 65534 }] },
    {
      name: 'members that split into "../outside/canary"',
      jobs: '2',
      members: [
        { path: 'q\0../outside', mode: 0o600, uid: 0 },
        { path: 'a\0../outside/canary', mode: 0o600, uid: 0 },
        { path: '.', mode: 0o6777, uid: 65534 },
        { path: 'a', mode: 0o700, uid: 0 },
      ],
    },
  ];
  for (const { name, jobs, members } of cases) {
    it(`refuses ${name} and changes nothing outside the root (--jobs ${jobs})`, async () => {
      const root = path.join(dir, 'parent', 'root');
      fs.mkdirSync(path.join(root, 'a'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'parent', 'outside'));
      fs.writeFileSync(path.join(dir, 'parent', 'outside', 'canary'), 'secret');
      fs.chmodSync(path.join(dir, 'parent', 'outside', 'canary'), 0o644);
      fs.chmodSync(path.join(dir, 'parent'), 0o755);
      const archive = path.join(dir, 'evil.tar');
      await writeArchive(archive, members);
      const before = observe(dir, 'parent/outside');
      const parentBefore = fs.statSync(path.join(dir, 'parent'), { bigint: true });
      const rootBefore = observe(dir, 'parent/root');

      const r = restore([archive, '--root', root, '--no-undo', '--jobs', jobs], { cwd: dir });

      expect(observe(dir, 'parent/outside')).toEqual(before);
      const parentAfter = fs.statSync(path.join(dir, 'parent'), { bigint: true });
      expect([parentAfter.mode, parentAfter.uid, parentAfter.ctimeNs]).toEqual([parentBefore.mode, parentBefore.uid, parentBefore.ctimeNs]);
      // A member restore cannot read makes the archive malformed: refused whole, before any change.
      const first = members.findIndex((m) => m.path.includes('\0')) + 1;
      expect(r.stderr).toMatch(new RegExp(`evil\\.tar: member ${first} \\S*\\\\000\\S*: member name with a NUL byte, expected members permsnap can read`));
      expect(r.stderr).not.toContain('\0');
      expect(r.stderr).not.toMatch(/undefined|TypeError|Bad address|restoring/);
      expect(observe(dir, 'parent/root')).toEqual(rootBefore);
      expect(r.status, r.stderr).toBe(2);
    });
  }
});
