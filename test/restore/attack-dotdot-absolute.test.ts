// Attack: a hand-written snapshot whose paths climb out of the root with `..`, or name a
// file outside by its absolute path (as /etc/shadow would be named). permsnap restore
// refuses every `..` component as a per-path problem (setfacl 2.3.1 follows it), and
// resolves absolute paths beneath --root: the sentinel outside never changes.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { observe, plantSentinels, restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { getfacl, makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
let outside = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-dotdot-');
  outside = makeTempDir('permsnap-dotdot-outside-');
});
afterEach(() => {
  removeTree(dir);
  removeTree(outside);
});

/** A block that would make any file it reached world-writable, root-owned, with a named entry. */
const block = (file: string, mode = 'rwx'): string =>
  `# file: ${file}\n# owner: root\n# group: root\nuser::${mode}\nuser:4444:rwx\ngroup::${mode}\nmask::rwx\nother::${mode}\n\n`;

const fileMode = (p: string): string => (fs.lstatSync(p).mode & 0o7777).toString(8).padStart(4, '0');
const outsideView = () => observe(path.dirname(outside), path.basename(outside));

function hostRootStat(): string {
  const st = fs.statSync('/', { bigint: true });
  return `${st.mode} ${st.uid} ${st.gid} ${st.ctimeNs}`;
}

describe.skipIf(!restoreReady)(`attack: ".." and absolute paths in a snapshot (${SKIP_REASON})`, () => {
  for (const fallbacks of [[], ['--force-fallbacks']]) {
    const how = fallbacks.length ? ' (with --force-fallbacks)' : '';
    it(`refuses ".." components as problems and resolves absolute paths beneath --root${how}`, () => {
      const sentinel = path.join(outside, 'sentinel');
      plantSentinels(outside, ['sentinel']);
      const out = path.basename(outside);
      // The inside tree: a/f, a/h, and a twin of the sentinel at ROOT/<its absolute path>.
      fs.mkdirSync(path.join(dir, 'a'));
      for (const f of ['a/f', 'a/h']) {
        fs.writeFileSync(path.join(dir, f), '');
        fs.chmodSync(path.join(dir, f), 0o600);
      }
      const twin = path.join(dir, sentinel);
      fs.mkdirSync(path.dirname(twin), { recursive: true });
      fs.writeFileSync(twin, '');
      fs.chmodSync(twin, 0o600);
      fs.chmodSync(dir, 0o700);

      const snap = path.join(dir, 'evil.facl');
      fs.writeFileSync(
        snap,
        block(`../${out}/sentinel`) +
          block(`a/../../${out}/sentinel`) +
          block(`a/../a/h`) + // stays inside, but a ".." is refused all the same
          block(`./a/${'../'.repeat(20)}${sentinel.slice(1)}`) +
          block(sentinel) + // the "/etc/shadow" case: absolute, beneath --root
          block(`/${sentinel}`) + // "//tmp/...": still beneath --root
          block('a/f', 'rw-') +
          '# file: /\n# owner: root\n# group: root\nuser::rwx\ngroup::r-x\nother::r-x\n\n', // the root itself
      );
      const before = outsideView();
      const hostRoot = hostRootStat();

      const r = restore([snap, '--root', dir, '--undo', path.join(dir, 'undo.facl'), ...fallbacks], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      for (const p of [`../${out}/sentinel`, `a/../../${out}/sentinel`, 'a/../a/h']) {
        expect(r.stderr).toMatch(new RegExp(`^permsnap: \\S*${p.replaceAll('.', '\\.').replaceAll('/', '\\/')}: .*"\\.\\."`, 'm'));
      }
      expect(r.stderr).toMatch(/, 4 problem\(s\)/);

      // Outside: untouched. The host's / too.
      expect(outsideView()).toEqual(before);
      expect(hostRootStat()).toBe(hostRoot);
      // Inside: the absolute path landed beneath --root; a/f restored; a/h left alone.
      expect(fileMode(twin)).toBe('0777');
      expect(getfacl(['-cp', twin]).stdout.toString()).toContain('user:4444:rwx');
      expect(fileMode(path.join(dir, 'a/f'))).toBe('0676'); // group bits = the mask
      expect(fileMode(path.join(dir, 'a/h'))).toBe('0600');
      expect(fileMode(dir)).toBe('0755');
    });
  }

  it('refuses ".." without --root too, relative to the current directory', () => {
    plantSentinels(outside, ['sentinel']);
    const out = path.basename(outside);
    fs.writeFileSync(path.join(dir, 'f'), '');
    const snap = path.join(dir, 'evil.facl');
    fs.writeFileSync(snap, block(`../${out}/sentinel`) + block(`./../${out}`) + block('f'));
    const before = outsideView();
    for (const fallbacks of [[], ['--force-fallbacks']]) {
      const r = restore([snap, '--no-undo', ...fallbacks], { cwd: dir });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/, 2 problem\(s\)/);
      expect(outsideView()).toEqual(before);
      expect(fileMode(path.join(dir, 'f'))).toBe('0777');
    }
  });

  it('resolves a hand-written absolute path to a sentinel beneath --root even when nothing is there (missing, skipped)', () => {
    plantSentinels(outside, ['sentinel']);
    fs.writeFileSync(path.join(dir, 'f'), '');
    const snap = path.join(dir, 'evil.facl');
    fs.writeFileSync(snap, block(path.join(outside, 'sentinel')) + block('/f'));
    const before = outsideView();
    const r = restore([snap, '--root', dir, '--no-undo'], { cwd: outside });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 missing \(skipped\)/);
    expect(outsideView()).toEqual(before);
    expect(fileMode(path.join(dir, 'f'))).toBe('0777');
  });
});
