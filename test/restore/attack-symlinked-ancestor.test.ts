// Attack: a directory of the snapshot is replaced by a symlink to a directory outside the
// tree that holds the same names, so every path beneath it resolves outside. permsnap
// restore must follow no symlink in any component: nothing beneath changes, each path is
// reported, exit 1, and the paths elsewhere in the tree are still restored.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOddTree } from '../helpers/odd-tree.js';
import { faclTree, observe, plantSentinels, restore, restoreReady, snapshotPaths, statTree, SKIP_REASON } from '../helpers/restore-kit.js';
import { makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';
let outside = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-ancestor-');
  outside = makeTempDir('permsnap-ancestor-outside-');
});
afterEach(() => {
  removeTree(dir);
  removeTree(outside);
});

function snapshotOf(cwd: string): string {
  const s = permsnap(['snapshot', '--quiet', 'tree'], { cwd });
  expect(s.status).toBe(0);
  const file = path.join(dir, 'snap.facl');
  fs.writeFileSync(file, s.stdout);
  return file;
}

/** Moves tree/REL away and puts a symlink to OUTSIDE/NAME (same names inside) in its place. */
function swapForSymlink(rel: string, name: string): void {
  const target = path.join(outside, name);
  sh(`cp -a ${JSON.stringify(path.join(dir, rel))} ${JSON.stringify(target)}`, dir);
  fs.rmSync(path.join(dir, rel), { recursive: true });
  fs.symlinkSync(target, path.join(dir, rel));
  // Make the outside copies distinct from anything the snapshot wants (find -exec: odd names).
  sh(
    `T=${JSON.stringify(target)}; chown -hR 4242:4343 "$T" && find "$T" -type d -exec chmod 0711 {} + && ` +
      'find "$T" ! -type d ! -type l -exec chmod 0600 {} + && setfacl -R -m u:4444:r "$T" 2>/dev/null; ' +
      'find "$T" -type f -exec setcap cap_chown=ep {} \\;',
    dir,
  );
}

const outsideView = () => observe(path.dirname(outside), path.basename(outside));

describe.skipIf(!restoreReady)(`attack: a directory of the snapshot replaced by a symlink (${SKIP_REASON})`, () => {
  for (const fallbacks of [[], ['--force-fallbacks']]) {
    const how = fallbacks.length ? ' (with --force-fallbacks)' : '';
    it(`changes nothing beneath a symlinked ancestor, reports every path beneath it, and restores the rest${how}`, () => {
      buildOddTree(dir);
      const snap = snapshotOf(dir);
      const snapText = fs.readFileSync(snap, 'latin1');
      const healthy = faclTree(dir);
      sh('chmod -R a+rwx tree 2>/dev/null || true', dir);
      swapForSymlink('tree/acls', 'acls'); // holds named, with-default/inherited, ...
      swapForSymlink('tree/deep/level0/level1', 'level1'); // 39 levels beneath
      const before = outsideView();
      const linksBefore = statTree(dir, 'tree');

      const r = restore([snap, '--root', dir, '--undo', path.join(dir, 'undo.facl'), ...fallbacks], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      expect(outsideView()).toEqual(before);
      const after = statTree(dir, 'tree');
      for (const p of ['tree/acls', 'tree/deep/level0/level1']) expect(after.get(p)).toEqual(linksBefore.get(p));

      const beneath = snapshotPaths(snapText).filter((p) => /^tree\/(acls|deep\/level0\/level1)(\/|$)/.test(p));
      expect(beneath.length).toBeGreaterThan(40);
      for (const p of beneath) expect(r.stderr, p).toMatch(new RegExp(`^permsnap: \\S*${p.replaceAll('/', '\\/')}: .*symlink`, 'm'));
      expect(r.stderr).toMatch(new RegExp(`, ${beneath.length} problem\\(s\\)`));

      const now = faclTree(dir);
      for (const [file, block] of healthy) {
        if (beneath.includes(file)) continue;
        expect(now.get(file), file).toBe(block);
      }
    });
  }

  it('changes nothing when the top directory of the snapshot itself is a symlink, with --root and from the current directory', () => {
    // The healthy tree is snapshotted at ./tree, then ./tree becomes a symlink to an outside copy.
    buildOddTree(dir);
    const snap = snapshotOf(dir);
    sh('chmod -R a+rwx tree 2>/dev/null || true', dir);
    swapForSymlink('tree', 'tree');
    const before = outsideView();
    for (const fallbacks of [[], ['--force-fallbacks']]) {
      for (const [args, cwd] of [[[], dir], [['--root', dir], '/']] as const) {
        const r = restore([snap, '--no-undo', ...args, ...fallbacks], { cwd });
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/tree: .*symlink/);
        expect(r.stderr).toMatch(/ 0 path\(s\) changed/);
        expect(outsideView()).toEqual(before);
      }
    }
  });
});
