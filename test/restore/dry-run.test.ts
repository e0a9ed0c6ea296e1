// permsnap restore --dry-run prints the plan, one `PATH  FIELD BEFORE -> AFTER` line per
// changed field, and changes nothing: getfacl -R, getcap -r and lstat (ctime included, so
// even a write of the same value shows) are identical before and after; no journal is written.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOddTree } from '../helpers/odd-tree.js';
import { faclTree, observe, restore, restoreReady, summaryOf, SKIP_REASON, writeSnapshot } from '../helpers/restore-kit.js';
import { makeTempDir, removeTree, sh } from '../helpers/tree.js';

let dir = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-dry-');
});
afterEach(() => removeTree(dir));

const PLAN_LINE = /^(.+) {2}(owner|group|mode|acl|default-acl|capability) (.+) -> (.+)$/;

const snapshot = (): string => writeSnapshot(dir);

function damage(): void {
  sh('chmod -R 777 tree 2>/dev/null || true', dir);
  sh('setfacl -b tree/acls/named && setfacl -k tree/acls/with-default', dir);
  sh('chown 1000:1001 tree/kinds/file', dir); // clears the hard link's setuid and nothing else
  sh('setcap -r tree/kinds/with-capability', dir);
}

describe.skipIf(!restoreReady)(`restore --dry-run (${SKIP_REASON})`, () => {
  for (const fallbacks of [[], ['--force-fallbacks']]) {
    const how = fallbacks.length ? ' (with --force-fallbacks)' : '';
    it(`changes nothing and writes no journal, with --root and without${how}`, () => {
      buildOddTree(dir);
      const snap = snapshot();
      damage();
      const before = observe(dir, 'tree');
      const undo = path.join(dir, 'undo.facl');

      const withRoot = restore([snap, '--dry-run', '--root', dir, ...fallbacks], { cwd: '/' });
      expect(withRoot.status, withRoot.stderr).toBe(0);
      const withCwd = restore([snap, '--dry-run', '--undo', undo, ...fallbacks], { cwd: dir });
      expect(withCwd.status, withCwd.stderr).toBe(0);
      expect(withCwd.stderr).toContain(`permsnap: a dry run keeps no undo journal: ${undo} is not written\n`);
      const short = restore([snap, '-n', '--root', dir, ...fallbacks], { cwd: '/' });
      expect(short.status, short.stderr).toBe(0);

      expect(observe(dir, 'tree')).toEqual(before);
      expect(fs.existsSync(undo)).toBe(false);
      expect(fs.existsSync(path.join(dir, 'var'))).toBe(false); // no ROOT/var/lib/permsnap/undo either
      expect(withRoot.stderr).not.toContain('undo journal:');
      expect(withRoot.stdout.toString('latin1')).toBe(short.stdout.toString('latin1'));
    });
  }

  it('prints a path as its bytes, as getfacl does (UTF-8 or not), not encoded a second time', () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    for (const name of ['caf\xc3\xa9', 'odd\xff']) {
      const p = Buffer.from(path.join(dir, 'tree', name), 'latin1');
      fs.writeFileSync(p, '');
      fs.chmodSync(p, 0o777);
    }
    const snap = path.join(dir, 'snap.facl');
    const block = (name: string): string => `# file: tree/${name}\nuser::rw-\ngroup::r--\nother::r--\n\n`;
    fs.writeFileSync(snap, Buffer.from(block('caf\xc3\xa9') + block('odd\xff'), 'latin1'));
    const r = restore([snap, '--dry-run', '--root', dir], { cwd: '/' });
    const lines = r.stdout.toString('latin1').split('\n');
    expect(lines).toContain(`${dir}/tree/caf\xc3\xa9  mode 0777 -> 0644`);
    expect(lines).toContain(`${dir}/tree/odd\xff  mode 0777 -> 0644`);
  });

  it("shows an ACL's mask as it is, not as the mode change planned before it would leave it", () => {
    fs.mkdirSync(path.join(dir, 'tree'));
    sh('chmod 0755 tree', dir);
    const snap = snapshot();
    sh('setfacl -m u:bin:rwx tree', dir); // mask::rwx, group bits rwx
    const r = restore([snap, '--dry-run', '--root', dir], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString().split('\n').filter(Boolean).map((l) => l.slice(path.join(dir, 'tree').length + 2))).toEqual([
      'mode 0775 -> 0755',
      'acl user::rwx,user:2:rwx,group::r-x,mask::rwx,other::r-x -> none',
    ]);
  });

  it('prints one line per changed field as PATH  FIELD BEFORE -> AFTER', () => {
    buildOddTree(dir);
    const snap = snapshot();
    const healthy = faclTree(dir);
    damage();
    const r = restore([snap, '--dry-run', '--root', dir], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.toString('latin1').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(50);
    for (const line of lines) expect(line).toMatch(PLAN_LINE);

    const at = (rel: string): string[] => lines.filter((l) => l.startsWith(`${path.join(dir, rel)}  `)).map((l) => l.slice(path.join(dir, rel).length + 2));
    // chmod -R 777 cleared the setuid bit.
    expect(at('tree/special/setuid')).toEqual(['mode 0777 -> 4755']);
    expect(at('tree/special/sticky-dir')).toEqual(['mode 0777 -> 1777']);
    expect(at('tree/special/all-three')).toEqual(['mode 0777 -> 7777']);
    expect(at('tree/special/setgid-dir')).toEqual(['mode 2777 -> 2775']); // chmod keeps a directory's setgid
    expect(at('tree/kinds/file')).toEqual(expect.arrayContaining(['owner 1000 -> 0', 'group 1001 -> 0', 'mode 0777 -> 0644']));
    expect(at('tree/kinds/with-capability')).toEqual(expect.arrayContaining(['mode 0777 -> 0644']));
    expect(at('tree/kinds/with-capability').some((c) => /^capability none -> cap_net_admin,cap_net_raw=ep$/.test(c))).toBe(true);
    expect(at('tree/acls/named').some((c) => /^acl none -> user::rw-,user:2:rwx,user:4444:r--,group::r--,group:1:rw-,group:5555:--x,mask::r--,other::r--$/.test(c))).toBe(true);
    expect(at('tree/acls/with-default').some((c) => c.startsWith('default-acl none -> '))).toBe(true);
    // Symlinks are never in the plan.
    expect(lines.some((l) => l.includes('/tree/kinds/link-to-') || l.includes('/tree/kinds/loop-'))).toBe(false);

    // The plan and the summary agree, and a real restore then does what was planned.
    const summary = summaryOf(r.stderr);
    expect(r.stderr).toContain('dry run: ');
    expect(summary?.changed).toBe(new Set(lines.map((l) => PLAN_LINE.exec(l)?.[1])).size);
    const modeCount = /would change \(([^)]*)\)/.exec(r.stderr.split('\n').find((l) => l.includes('would change')) ?? '')?.[1] ?? '';
    expect(modeCount).toContain(`mode ${lines.filter((l) => PLAN_LINE.exec(l)?.[2] === 'mode').length}`);

    const real = restore([snap, '--root', dir, '--undo', path.join(dir, 'undo.facl')], { cwd: '/' });
    expect(real.status, real.stderr).toBe(0);
    const again = restore([snap, '--dry-run', '--root', dir], { cwd: '/' });
    expect(again.status).toBe(0);
    expect(again.stdout.toString('latin1')).toBe('');
    expect(again.stderr).toContain('0 path(s) would change');
    expect(faclTree(dir)).toEqual(healthy);
  });
});
