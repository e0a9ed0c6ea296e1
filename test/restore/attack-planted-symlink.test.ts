// Attack: after `chmod -R a+rwx`, anyone could replace a path of the snapshot with a symlink
// to a file outside the tree (setfacl 2.3.1 follows it: CVE-2026-54369). permsnap restore
// must refuse that path and report it (exit 1), change neither the symlink nor its target,
// and still restore every other path.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOddTree } from '../helpers/odd-tree.js';
import { faclTree, observe, plantSentinels, restore, restoreReady, statTree, SKIP_REASON } from '../helpers/restore-kit.js';
import { makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';
let outside = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-planted-');
  outside = makeTempDir('permsnap-planted-outside-');
});
afterEach(() => {
  removeTree(dir);
  removeTree(outside);
});

/** Snapshot path -> where its planted symlink points. */
function plant(): Map<string, string> {
  plantSentinels(outside, ['sentinel', 'named', 'dir/inner']);
  const links = new Map<string, string>([
    ['tree/special/setuid', path.join(outside, 'sentinel')], // absolute target
    ['tree/acls/named', `../../../${path.basename(outside)}/named`], // relative target
    ['tree/special/sticky-dir', path.join(outside, 'dir')], // a directory of the snapshot
    ['tree/kinds/with-capability', path.join(outside, 'sentinel')], // the capability step too
  ]);
  for (const [p, target] of links) {
    fs.rmSync(path.join(dir, p), { recursive: true });
    fs.symlinkSync(target, path.join(dir, p));
  }
  return links;
}

describe.skipIf(!restoreReady)(`attack: a path of the snapshot replaced by a symlink (${SKIP_REASON})`, () => {
  for (const fallbacks of [[], ['--force-fallbacks']]) {
    for (const how of ['--root', 'cwd'] as const) {
      const title = `${fallbacks.length ? 'with --force-fallbacks, ' : ''}${how === 'cwd' ? 'from the current directory' : 'with --root'}`;
      it(`refuses and reports planted symlinks, changes neither them nor their targets, and restores the rest (${title})`, () => {
        buildOddTree(dir);
        const snap = path.join(dir, 'snap.facl');
        const s = permsnap(['snapshot', '--quiet', 'tree'], { cwd: dir });
        expect(s.status).toBe(0);
        fs.writeFileSync(snap, s.stdout);
        const healthy = faclTree(dir);
        sh('chmod -R a+rwx tree 2>/dev/null || true', dir);
        const links = plant();
        const outsideBefore = observe(path.dirname(outside), path.basename(outside));
        const treeBefore = statTree(dir, 'tree');

        const args = how === 'cwd' ? [snap, '--undo', path.join(dir, 'undo.facl'), ...fallbacks] : [snap, '--root', dir, '--undo', path.join(dir, 'undo.facl'), ...fallbacks];
        const r = restore(args, { cwd: how === 'cwd' ? dir : '/' });
        expect(r.status, r.stderr).toBe(1);

        // Nothing outside the root changed: not a bit, not a ctime.
        expect(observe(path.dirname(outside), path.basename(outside))).toEqual(outsideBefore);
        // Each planted symlink is reported by its path and left exactly as it was.
        const after = statTree(dir, 'tree');
        for (const [p, target] of links) {
          expect(r.stderr).toMatch(new RegExp(`^permsnap: \\S*${p.replaceAll('/', '\\/')}: .*symlink`, 'm'));
          expect(after.get(p)).toEqual(treeBefore.get(p));
          expect(fs.readlinkSync(path.join(dir, p))).toBe(target);
        }
        // The rest of the snapshot was restored.
        const now = faclTree(dir);
        for (const [file, block] of healthy) {
          if ([...links.keys()].includes(file)) continue;
          expect(now.get(file), file).toBe(block);
        }
        // The problems counted are exactly the planted paths.
        expect(r.stderr).toMatch(new RegExp(`, ${links.size} problem\\(s\\)`));
      });
    }
  }

  it('does not follow a symlink planted where the snapshot has a FIFO or a device (nothing is ever opened for I/O)', () => {
    buildOddTree(dir);
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, permsnap(['snapshot', '--quiet', 'tree'], { cwd: dir }).stdout);
    plantSentinels(outside, ['fifo-target']);
    fs.rmSync(path.join(dir, 'tree/kinds/fifo'));
    fs.symlinkSync(path.join(outside, 'fifo-target'), path.join(dir, 'tree/kinds/fifo'));
    const outsideBefore = observe(path.dirname(outside), path.basename(outside));
    const r = restore([snap, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/tree\/kinds\/fifo: .*symlink/);
    expect(observe(path.dirname(outside), path.basename(outside))).toEqual(outsideBefore);
  });
});
