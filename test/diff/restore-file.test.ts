// diff --format getfacl writes the BEFORE blocks of the modified paths only: a minimal restore
// file. `permsnap diff healthy.facl tree --format getfacl > fix.facl` and then
// `permsnap restore fix.facl --root ...` must repair exactly the damage: afterwards the real
// getfacl (and getcap, where the snapshot knows capabilities) shows the healthy state on every
// path that still exists, and the paths the damage added keep what they have.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latin1, splitBlocks, unquote } from '../helpers/facl-text.js';
import { buildOddTree } from '../helpers/odd-tree.js';
import { restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { makeTempDir, removeTree, sh } from '../helpers/tree.js';
import { diffCli, oracleChanges, relative, sortedEntries, snapshotFile, toolView, type ToolView } from './diff-kit.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-diff-fix-');
});
afterEach(() => {
  removeTree(dir);
});

const quietly = (cmd: string): string => `${cmd} 2>/dev/null || true`;

const DAMAGE = [
  quietly('chmod -R a+rwx tree'),
  'setfacl -b tree/acls/named',
  'setfacl -m g::--- tree/acls/unmasked',
  'setfacl -k tree/acls/with-default',
  'chown daemon:adm tree/special/setgid',
  'setcap -r tree/kinds/with-capability',
  'rm -rf tree/acls/with-default/inherited-dir tree/special/none',
  'touch tree/added && chmod 4700 tree/added',
].join('; ');

/** The blocks of a getfacl text by path, without effective-rights comments, markers or capability lines. */
function plainBlocks(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const block of splitBlocks(text)) {
    const lines = block
      .split('\n')
      .filter((l) => !l.startsWith('# permsnap: ') && !l.startsWith('# capability: '))
      .map((l) => l.replace(/\t#effective:[rwx-]{3}$/, ''));
    const file = (lines[0] as string).slice('# file: '.length);
    map.set(relative(latin1(unquote(file))), lines.join('\n'));
  }
  return map;
}

/** Diffs BEFORE and AFTER into fix.facl and checks it holds BEFORE's blocks of exactly the modified paths. */
function writeFix(before: string, after: string, healthy: ToolView, modified: string[]): string {
  const r = diffCli([before, after, '--format', 'getfacl'], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(1);
  const fix = path.join(dir, 'fix.facl');
  fs.writeFileSync(fix, r.stdout);
  const blocks = plainBlocks(latin1(r.stdout));
  const wanted = plainBlocks(healthy.text);
  expect([...blocks.keys()].sort()).toEqual([...modified].sort());
  for (const [p, block] of blocks) expect(block, p).toBe(wanted.get(p));
  return fix;
}

/** After the restore: healthy blocks on every surviving healthy path, the damaged state elsewhere. */
function expectRepaired(healthy: ToolView, damaged: ToolView, now: ToolView): void {
  for (const [p, block] of healthy.facl) {
    if (damaged.facl.has(p)) expect(now.facl.get(p), p).toBe(block);
    else expect(now.facl.has(p), `${p} was removed`).toBe(false);
  }
  for (const [p, block] of damaged.facl) if (!healthy.facl.has(p)) expect(now.facl.get(p), `${p} was added`).toBe(block);
}

function damagedTree(): { healthy: ToolView; damaged: ToolView } {
  buildOddTree(dir);
  snapshotFile(dir, ['tree'], 'healthy.facl');
  const healthy = toolView(dir);
  fs.writeFileSync(path.join(dir, 'healthy.getfacl'), healthy.text, 'latin1');
  sh(DAMAGE, dir);
  const damaged = toolView(dir);
  fs.writeFileSync(path.join(dir, 'damaged.getfacl'), damaged.text, 'latin1');
  return { healthy, damaged };
}

const modifiedPaths = (before: ToolView, after: ToolView, caps: boolean): string[] =>
  [...oracleChanges(before, after, caps)].filter(([, k]) => k === 'modified').map(([p]) => p);

describe.skipIf(!restoreReady)(`diff --format getfacl as a restore file (${SKIP_REASON})`, () => {
  it("repairs exactly the damage from permsnap's snapshot against the live tree: getfacl and getcap show the healthy tree", () => {
    const { healthy, damaged } = damagedTree();
    const modified = modifiedPaths(healthy, damaged, true);
    expect(modified).toContain('tree/kinds/with-capability');
    const fix = writeFix('healthy.facl', 'tree', healthy, modified);
    const text = fs.readFileSync(fix, 'latin1');
    expect(text).toContain('# permsnap: begin\n');
    expect(text).toContain(`# permsnap: end, ${modified.length} entries\n`);
    expect(text).toContain(`# capability: ${healthy.caps.get('tree/kinds/with-capability')}\n`);

    const r = restore([fix, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    const now = toolView(dir);
    expectRepaired(healthy, damaged, now);
    expect(sortedEntries(now.caps)).toEqual(sortedEntries(healthy.caps));

    // What is left is what a permission restore cannot bring back: removed and added paths.
    const again = diffCli(['healthy.facl', 'tree', '--format', 'getfacl'], { cwd: dir });
    expect(again.status).toBe(1);
    expect(latin1(again.stdout)).toBe('');
    const left = oracleChanges(healthy, now, true);
    expect([...left.values()].includes('modified')).toBe(false);
    expect(left.size).toBeGreaterThan(0);
  });

  it("repairs ACLs, modes and owners from the real getfacl's text, and leaves capabilities as they are", () => {
    const { healthy, damaged } = damagedTree();
    const modified = modifiedPaths(healthy, damaged, false);
    const fix = writeFix('healthy.getfacl', 'tree', healthy, modified);
    expect(fs.readFileSync(fix, 'latin1')).not.toContain('# permsnap:');
    const r = restore([fix, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    const now = toolView(dir);
    expectRepaired(healthy, damaged, now);
    expect(sortedEntries(now.caps)).toEqual(sortedEntries(damaged.caps));
  });

  it("keeps BEFORE's capability in the restore file when AFTER is getfacl's text, which says nothing of capabilities", () => {
    // chmod keeps a capability: restoring the mode from the fix must not remove it.
    buildOddTree(dir);
    snapshotFile(dir, ['tree'], 'healthy.facl');
    const healthy = toolView(dir);
    sh('chmod 0777 tree/kinds/with-capability tree/special/setuid', dir);
    const damaged = toolView(dir);
    expect(damaged.caps.get('tree/kinds/with-capability')).toBe(healthy.caps.get('tree/kinds/with-capability'));
    fs.writeFileSync(path.join(dir, 'damaged.getfacl'), damaged.text, 'latin1');
    const modified = modifiedPaths(healthy, damaged, false);
    expect(modified.sort()).toEqual(['tree/kinds/with-capability', 'tree/special/setuid']);
    const fix = writeFix('healthy.facl', 'damaged.getfacl', healthy, modified);
    const r = restore([fix, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    const now = toolView(dir);
    expect(sortedEntries(now.facl)).toEqual(sortedEntries(healthy.facl));
    expect(sortedEntries(now.caps)).toEqual(sortedEntries(healthy.caps));
  });

  it('repairs only what it reported with --ignore owner,group,capability: owners and capabilities stay as they are', () => {
    buildOddTree(dir);
    snapshotFile(dir, ['tree'], 'healthy.facl');
    sh('chown -R 4242:4243 tree/special && chmod 0777 tree/special/setuid && setcap -r tree/kinds/with-capability', dir);
    const damaged = toolView(dir);
    const r = diffCli(['healthy.facl', 'tree', '--format', 'getfacl', '--ignore', 'owner,group,capability'], { cwd: dir });
    expect(r.status, r.stderr).toBe(1);
    const text = latin1(r.stdout);
    expect(text).not.toMatch(/^# (owner|group|capability): /m);
    expect(text).toContain('# permsnap: capabilities unknown\n');
    const fix = path.join(dir, 'fix.facl');
    fs.writeFileSync(fix, r.stdout);
    const restored = restore([fix, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(restored.status, restored.stderr).toBe(0);
    const st = fs.lstatSync(path.join(dir, 'tree/special/setuid'));
    expect([st.uid, st.gid]).toEqual([4242, 4243]);
    expect(sortedEntries(toolView(dir).caps)).toEqual(sortedEntries(damaged.caps));
    // Nothing else is left to report but the ignored fields.
    expect(diffCli(['healthy.facl', 'tree', '--ignore', 'owner,group,capability'], { cwd: dir }).status).toBe(0);
  });

  it("keeps the leading \"/\" of BEFORE's absolute paths, so the fix lands where BEFORE would without --root", () => {
    sh('mkdir -p tree/sub && touch tree/sub/f tree/g && chmod 640 tree/sub/f', dir);
    const abs = path.join(dir, 'abs.facl');
    fs.writeFileSync(abs, sh(`getfacl -R -p ${path.join(dir, 'tree')}`, dir));
    sh('chmod 666 tree/sub/f', dir);
    const r = diffCli([abs, path.join(dir, 'tree'), '--format', 'getfacl'], { cwd: dir });
    expect(r.status, r.stderr).toBe(1);
    expect(latin1(r.stdout)).toMatch(new RegExp(`^# file: ${path.join(dir, 'tree/sub/f')}\n`));
    const fix = path.join(dir, 'fix.facl');
    fs.writeFileSync(fix, r.stdout);
    const restored = restore([fix, '--no-undo'], { cwd: '/' });
    expect(restored.status, restored.stderr).toBe(0);
    expect(fs.statSync(path.join(dir, 'tree/sub/f')).mode & 0o777).toBe(0o640);
  });

  it('writes the root of an absolute BEFORE as "/", as getfacl -p records it', () => {
    const block = (other: string): string => `# file: /\n# owner: root\n# group: root\nuser::rwx\ngroup::r-x\nother::${other}\n\n`;
    fs.writeFileSync(path.join(dir, 'before.facl'), block('---'));
    fs.writeFileSync(path.join(dir, 'after.facl'), block('r-x'));
    const r = diffCli(['before.facl', 'after.facl', '--format', 'getfacl'], { cwd: dir });
    expect(r.status, r.stderr).toBe(1);
    expect(latin1(r.stdout)).toBe(block('---'));
  });
});
