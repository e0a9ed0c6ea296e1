// Per-path problems: reported (with the name, or why), the path's other fields and the rest
// of the snapshot still restored, exit 1. Plus the id rules: all-digit names are DECIMAL
// ids, and --ids-from root resolves names through ROOT/etc/passwd and ROOT/etc/group.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearAttributes, restore, restoreReady, SKIP_REASON, summaryOf } from '../helpers/restore-kit.js';
import { tryMount, unmount } from '../helpers/facl-text.js';
import { getfacl, isRoot, makeTempDir, removeTree, sh } from '../helpers/tree.js';

let dir = '';
const immutable: string[] = [];

beforeEach(() => {
  dir = makeTempDir('permsnap-problems-');
});
afterEach(() => {
  for (const p of immutable.splice(0)) clearAttributes(p);
  removeTree(dir);
});

const modeOf = (rel: string): string => (fs.lstatSync(path.join(dir, 'r', rel)).mode & 0o7777).toString(8).padStart(4, '0');
const idsOf = (rel: string): [number, number] => {
  const st = fs.lstatSync(path.join(dir, 'r', rel));
  return [st.uid, st.gid];
};
const acl = (rel: string): string => getfacl(['-cn', '-E', path.join(dir, 'r', rel)]).stdout.toString();

/** DIR/r with the given files (mode 0777, owner 1000:1000) and the snapshot text at DIR/snap.facl. */
function setup(files: string[], snapshot: string): string {
  const root = path.join(dir, 'r');
  fs.mkdirSync(root);
  for (const f of files) {
    const p = path.join(root, f);
    if (f.endsWith('/')) fs.mkdirSync(p);
    else fs.writeFileSync(p, '');
    fs.chmodSync(p, 0o777);
    fs.chownSync(p, 1000, 1000);
  }
  const snap = path.join(dir, 'snap.facl');
  fs.writeFileSync(snap, snapshot);
  return snap;
}

describe.skipIf(!restoreReady)(`restore's per-path problems and name resolution (${SKIP_REASON})`, () => {
  for (const fallbacks of [[], ['--force-fallbacks']]) {
    const how = fallbacks.length ? ' (with --force-fallbacks)' : '';
    it(`says a system error's reason in the system's words and the call, the path once${how}`, () => {
      const long = 'a'.repeat(300); // a component over NAME_MAX: ENAMETOOLONG
      const snap = setup(['f'], `# file: ${long}/x\nuser::rw-\ngroup::r--\nother::r--\n\n# file: f\nuser::rw-\ngroup::r--\nother::---\n\n`);
      const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', ...fallbacks], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      const line = r.stderr.split('\n').find((l) => l.includes(long)) ?? '';
      expect(line).toMatch(new RegExp(`^permsnap: \\S+/r/${long}/x: File name too long \\([a-z0-9]+\\)$`));
      expect(line.split(long)).toHaveLength(2); // named once
      expect(modeOf('f')).toBe('0640'); // and the rest restored
    });

    it(`reports unknown user and group names by name, restores the other fields and the rest, exits 1${how}`, () => {
      const snap = setup(
        ['f', 'g', 'h'],
        '# file: f\n# owner: nosuchuser\n# group: daemon\nuser::rw-\ngroup::r--\nother::---\n\n' +
          '# file: g\n# owner: daemon\n# group: root\nuser::rw-\nuser:nosuchuser2:r--\nuser:bin:rwx\ngroup::r--\nmask::r--\nother::---\n\n' +
          '# file: h\n# owner: bin\n# group: nosuchgroup\nuser::r--\ngroup::r--\ngroup:nosuchgroup2:rw-\nmask::rw-\nother::r--\n\n',
      );
      const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', ...fallbacks], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/\/f: unknown user "nosuchuser"$/m);
      expect(r.stderr).toMatch(/\/g: unknown user "nosuchuser2"$/m);
      expect(r.stderr).toMatch(/\/h: unknown group "nosuchgroup"$/m);
      expect(r.stderr).toMatch(/\/h: unknown group "nosuchgroup2"$/m);
      expect(summaryOf(r.stderr)?.problems).toBe(4);
      // f: the owner stays, the group and mode are restored.
      expect(idsOf('f')).toEqual([1000, 1]);
      expect(modeOf('f')).toBe('0640');
      // g: owner, group and mode restored (group bits = the mask); the ACL with an unknown name is not half-applied.
      expect(idsOf('g')).toEqual([1, 0]);
      expect(modeOf('g')).toBe('0640');
      expect(acl('g')).not.toMatch(/user:2:/);
      // h: the owner and the mode restored; with its ACL not applied, the group bits are the
      // owning group's effective rights (r--), not the mask (rw-): the mask would widen them.
      expect(idsOf('h')).toEqual([2, 1000]);
      expect(modeOf('h')).toBe('0444');
      // Again: nothing left that can change, but no path is as recorded (each names someone
      // unknown here): problems, not "already correct" as well.
      const again = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', ...fallbacks], { cwd: '/' });
      expect(again.status, again.stderr).toBe(1);
      expect(summaryOf(again.stderr)).toEqual({ changed: 0, alreadyCorrect: 0, missing: 0, problems: 4 });
    });
    it(`sets no setuid (setgid) for a recorded owner (group) it could not set, and clears one the file has${how}`, () => {
      const flagged = (name: string, header: string, flags: string): string => `# file: ${name}\n${header}# flags: ${flags}\nuser::rwx\ngroup::r-x\nother::r-x\n\n`;
      const snap = setup(
        ['f', 'g', 'h', 'i'],
        flagged('f', '# owner: nosuchuser\n# group: root\n', 's--') +
          flagged('g', '# owner: nosuchuser\n# group: nosuchgroup\n', 'ss-') +
          flagged('h', '# owner: root\n# group: nosuchgroup\n', '-s-') +
          flagged('i', '', 's--'), // no owner recorded: no ownership change, the mode as recorded
      );
      for (const f of ['f', 'g', 'h', 'i']) fs.chownSync(path.join(dir, 'r', f), 0, 0);
      fs.chmodSync(path.join(dir, 'r', 'f'), 0o755);
      fs.chmodSync(path.join(dir, 'r', 'g'), 0o6777); // as chmod -R a+rwx leaves a setuid file
      const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', ...fallbacks], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/\/f: setuid not set \(cleared if set\): the recorded owner could not be set, and the bit would serve whoever has the file now$/m);
      expect(r.stderr).toMatch(/\/g: setuid and setgid not set \(cleared if set\): the recorded owner and group could not be set/m);
      expect(r.stderr).toMatch(/\/h: setgid not set \(cleared if set\): the recorded group could not be set/m);
      expect(r.stderr).not.toMatch(/\/i: /);
      expect(['f', 'g', 'h', 'i'].map(modeOf)).toEqual(['0755', '0755', '0755', '4755']);
      expect(['f', 'g', 'h', 'i'].map(idsOf)).toEqual([[0, 0], [0, 0], [0, 0], [0, 0]]);
    });

    it.skipIf(!isRoot)(`says why a change failed in the system's words, on a read-only filesystem${how} (needs root to mount)`, (ctx) => {
      const snap = setup([], '# file: f\nuser::rw-\ngroup::---\nother::---\n\n');
      const root = path.join(dir, 'r');
      if (!tryMount('tmpfs', root)) return ctx.skip('tmpfs cannot be mounted here');
      try {
        fs.writeFileSync(path.join(root, 'f'), '');
        fs.chmodSync(path.join(root, 'f'), 0o644);
        expect(spawnSync('mount', ['-o', 'remount,ro', root]).status).toBe(0);
        const r = restore([snap, '--root', root, '--no-undo', ...fallbacks], { cwd: '/' });
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/\/r\/f: Read-only file system \(chmod\)$/m);
      } finally {
        unmount(root);
      }
    });

    it.skipIf(!isRoot)(`gives the owning group its own rights, not the mask's, when the filesystem refuses the ACL${how} (needs root to mount)`, (ctx) => {
      // group::r-- under mask::rwx: the mode's group bits (the mask) without the ACL would
      // give the owning group rwx, which the ACL never did.
      const block = (f: string): string => `# file: ${f}\nuser::rw-\nuser:bin:rwx\ngroup::r--\nmask::rwx\nother::---\n\n`;
      const snap = setup([], block('f') + block('g'));
      const root = path.join(dir, 'r');
      if (!tryMount('ramfs', root)) return ctx.skip('ramfs (a filesystem without xattrs) cannot be mounted here');
      try {
        fs.writeFileSync(path.join(root, 'f'), '');
        fs.chmodSync(path.join(root, 'f'), 0o600);
        // g's mode already is the recorded one: only the narrowing changes it, and counts.
        fs.writeFileSync(path.join(root, 'g'), '');
        fs.chmodSync(path.join(root, 'g'), 0o670);
        const r = restore([snap, '--root', root, '--no-undo', ...fallbacks], { cwd: '/' });
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/\/r\/f: ACL not set: Operation not supported \(\w+\)$/m);
        expect((fs.statSync(path.join(root, 'f')).mode & 0o7777).toString(8)).toBe('640');
        expect((fs.statSync(path.join(root, 'g')).mode & 0o7777).toString(8)).toBe('640');
        expect(r.stderr).toContain('2 path(s) changed (mode 2)');
      } finally {
        unmount(root);
      }
    });

    it(`never widens an ACL in place through its mask when the new one is refused (too big for ext4)${how}`, (ctx) => {
      // 700 named entries do not fit: the old ACL stays, and the chmod before the ACL step
      // had made its mask rwx, giving user 1234 rwx where it had r--.
      const named = Array.from({ length: 700 }, (_, i) => `user:${20000 + i}:rwx\n`).join('');
      const snap = setup(['f'], `# file: f\nuser::rw-\n${named}group::r--\nmask::rwx\nother::r--\n\n`);
      sh('chmod 0644 r/f && setfacl -m u:1234:rwx,m::r-- r/f', dir);
      const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', ...fallbacks], { cwd: '/' });
      if (r.status === 0) return ctx.skip('this filesystem holds a 700-entry ACL: no step fails here');
      expect(r.stderr).toMatch(/\/f: .*\(setxattr\) \(too big for this filesystem/m);
      expect(acl('f')).toMatch(/^user:1234:rwx\n(.*\n)*mask::r--$/m);
      // The mode is back where it was: not counted as changed.
      expect(summaryOf(r.stderr), r.stderr).toMatchObject({ changed: 0, problems: 1 });
    });

    it(`counts the steps taken before one that failed: the path changed, and a problem${how}`, (ctx) => {
      // 700 named entries: more than an ext4 block holds, so the ACL step fails (ENOSPC)
      // after the chown and the chmod have been done.
      const named = Array.from({ length: 700 }, (_, i) => `user:${2000 + i}:r--\n`).join('');
      const snap = setup(['f', 'g'], `# file: f\n# owner: 0\n# group: 0\nuser::rw-\n${named}group::r--\nmask::r--\nother::r--\n\n# file: g\nuser::rw-\ngroup::---\nother::---\n\n`);
      const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', ...fallbacks], { cwd: '/' });
      if (r.status === 0) return ctx.skip('this filesystem holds a 700-entry ACL: no step fails here');
      expect(r.stderr).toMatch(/\/f: .*\(setxattr\) \(too big for this filesystem/m);
      expect(idsOf('f')).toEqual([0, 0]);
      expect(modeOf('f')).toBe('0644');
      expect(r.stderr).toMatch(/2 path\(s\) changed \(owner 1, group 1, mode 2\), 0 already correct, 0 missing \(skipped\), 1 problem\(s\)/);
    });

    it(`gives no capability to a file whose refused ACL leaves its old one in place (others it grants could run it)${how}`, (ctx) => {
      const named = Array.from({ length: 700 }, (_, i) => `user:${2000 + i}:r--\n`).join('');
      const snap = setup(['f'], `# file: f\n# flags: s--\n# capability: cap_net_raw=ep\nuser::rwx\n${named}group::r-x\nmask::r-x\nother::---\n\n`);
      sh(`setfacl -m u:nobody:rwx ${path.join(dir, 'r', 'f')}`, dir);
      const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', ...fallbacks], { cwd: '/' });
      if (r.status === 0) return ctx.skip('this filesystem holds a 700-entry ACL: no step fails here');
      // Each its own line, each counted (QA helper-130: one line of three counted as one).
      expect(r.stderr).toMatch(/\/r\/f: ACL not set: .* or the disk is full\)$/m);
      expect(r.stderr).toMatch(/\/r\/f: setuid cleared: the file keeps an ACL unlike the recorded one, which may let others run it$/m);
      expect(r.stderr).toMatch(/\/r\/f: capability not set \(removed if set\): the file keeps an ACL unlike the recorded one, which may let others run it$/m);
      expect(r.stderr).toMatch(/, 3 problem\(s\)/);
      expect(sh(`getcap ${path.join(dir, 'r', 'f')}`, dir)).toBe('');
      expect(fs.statSync(path.join(dir, 'r', 'f')).mode & 0o6000).toBe(0);
    });

    it(`gives no setuid and no capability to a file whose recorded ACL names someone unknown here, and takes away those it has (its own ACL stays)${how}`, () => {
      const snap = setup(['f'], '# file: f\n# owner: root\n# group: root\n# flags: s--\n# capability: cap_setuid=ep\nuser::rwx\nuser:svc-nosuchuser:r-x\ngroup::r-x\nmask::r-x\nother::---\n\n');
      const f = path.join(dir, 'r', 'f');
      sh(`chmod 4750 ${f} && setcap cap_setuid=ep ${f} && setfacl -m u:nobody:rwx ${f}`, dir);
      const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', ...fallbacks], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/\/r\/f: setuid and the capability not set \(cleared if set\): the recorded ACL could not be set, and the one the file has may let others run it$/m);
      expect(modeOf('f')).toBe('0750');
      expect(sh(`getcap ${f}`, dir)).toBe('');
      expect(acl('f')).toMatch(/^user:65534:rwx/m);
    });

    it(`sets the default ACL and the capability when the ACL before them is refused, and names each step that failed${how}`, (ctx) => {
      // The steps after the mode are each their own: a filesystem that takes a capability
      // but not this ACL (700 entries: more than an ext4 block holds) still gets it.
      const named = (prefix: string): string => Array.from({ length: 700 }, (_, i) => `${prefix}user:${2000 + i}:r--\n`).join('');
      const snap = setup(['f', 'd/'],
        `# file: f\n# capability: cap_net_raw=ep\nuser::rw-\n${named('')}group::r--\nmask::r--\nother::r--\n\n` +
        `# file: d\nuser::rwx\n${named('')}group::r-x\nmask::r-x\nother::r-x\ndefault:user::rwx\ndefault:user:7:r-x\ndefault:group::r-x\ndefault:mask::r-x\ndefault:other::---\n\n`);
      const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', ...fallbacks], { cwd: '/' });
      if (r.status === 0) return ctx.skip('this filesystem holds a 700-entry ACL: no step fails here');
      expect(r.stderr).toMatch(/\/r\/f: ACL not set: No space left on device \(\w+\) \(too big for this filesystem: ext4 keeps about 500 ACL entries a file; or the disk is full\)$/m);
      expect(r.stderr).toMatch(/\/r\/d: ACL not set: No space left on device \(\w+\) \(too big for this filesystem/m);
      expect(sh(`getcap ${path.join(dir, 'r', 'f')}`, dir)).toMatch(/cap_net_raw=ep/);
      expect(getfacl(['-cnd', path.join(dir, 'r', 'd')]).stdout.toString()).toContain('user:7:r-x');
      expect(r.stderr).toMatch(/2 path\(s\) changed \(mode 2, default-acl 1, capability 1\), 0 already correct, 0 missing \(skipped\), 2 problem\(s\)/);
    });
  }

  it('says an unknown name once per path, with where the block uses it, and restores what needs no name', () => {
    const snap = setup(
      ['d/'],
      '# file: d\n# owner: ghost\n# group: ghostg\nuser::rwx\nuser:ghost:rwx\ngroup::r-x\ngroup:ghostg:r-x\nmask::rwx\nother::---\n' +
        'default:user::rwx\ndefault:user:ghost:rwx\ndefault:group::r-x\ndefault:mask::rwx\ndefault:other::---\n\n',
    );
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.includes('unknown'));
    expect(lines).toEqual([
      `permsnap: ${path.join(dir, 'r/d')}: unknown user "ghost" (owner, ACL, default ACL)`,
      `permsnap: ${path.join(dir, 'r/d')}: unknown group "ghostg" (group, ACL)`,
    ]);
    expect(summaryOf(r.stderr)?.problems).toBe(2);
    expect(idsOf('d')).toEqual([1000, 1000]);
    // The mode is restored; its group bits are the owning group's rights, the ACL being left (README).
    expect(modeOf('d')).toBe('0750');
  });

  it('says nothing of the unknown names of a path that is missing here: it is skipped (a home directory gone with its user)', () => {
    const gone = '# file: home/gone\n# owner: ghost\n# group: ghostg\nuser::rwx\nuser:ghost2:r-x\ngroup::---\nmask::r-x\nother::---\n\n';
    const snap = setup(['f'], `${gone}# file: f\nuser::rw-\ngroup::r--\nother::---\n\n`);
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('unknown');
    expect(summaryOf(r.stderr)).toEqual({ changed: 1, alreadyCorrect: 0, missing: 1, problems: 0 });
  });

  it('says nothing of the unknown names of a missing path in a damaged stretch of a snapshot read in pieces', () => {
    // Over 1 MiB (read in pieces by the workers), 64 damaged files first: the looks after
    // them are skipped for a while, but not that of a block with a problem of its own.
    const files = Array.from({ length: 64 }, (_, i) => `f${i}`);
    const damaged = files.map((f) => `# file: ${f}\nuser::rw-\ngroup::r--\nother::---\n\n`).join('');
    const gone = '# file: home/gone\n# owner: ghost\nuser::rwx\ngroup::---\nother::---\n\n';
    const filler = Array.from({ length: 20_000 }, (_, i) => `# file: missing/m${i}\nuser::rw-\ngroup::r--\nother::---\n\n`).join('');
    const snap = setup(files, damaged + gone + filler);
    expect(fs.statSync(snap).size).toBeGreaterThan(1 << 20);
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', '--jobs', '2'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('unknown');
    expect(summaryOf(r.stderr)).toEqual({ changed: 64, alreadyCorrect: 0, missing: 20_001, problems: 0 });
  });

  it('names a path and an unknown name in UTF-8 with their own bytes on stderr (not encoded a second time)', () => {
    const snap = setup(['été'], '# file: été\n# owner: bébé\n# group: daemon\nuser::rw-\ngroup::r--\nother::---\n\n');
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/\/été: unknown user "bébé"$/m);
  });

  it('escapes an unknown name as getfacl escapes it, as it is written in the snapshot (a\\012b, not a JSON a\\nb)', () => {
    const snap = setup(['f'], '# file: f\n# owner: a\\012b\n# group: back\\\\slash\nuser::rw-\ngroup::r--\nother::---\n\n');
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('/f: unknown user "a\\012b"\n');
    expect(r.stderr).toContain('/f: unknown group "back\\\\slash"\n');
  });

  it('refuses an ACL that names one user or group twice once names are ids (bin and 2), leaves that ACL alone and goes on', () => {
    const snap = setup(
      ['f', 'g'],
      '# file: f\n# owner: root\n# group: root\nuser::rw-\nuser:bin:rw-\nuser:2:r--\ngroup::r--\nmask::rw-\nother::---\n\n' +
        '# file: g\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\ngroup:daemon:r--\nmask::r--\nother::---\n\n',
    );
    fs.mkdirSync(path.join(dir, 'r', 'd'));
    fs.appendFileSync(snap, '# file: d\n# owner: root\n# group: root\nuser::rwx\ngroup::r-x\nother::r-x\ndefault:user::rwx\ndefault:group::r-x\ndefault:group:1:r-x\ndefault:group:daemon:rwx\ndefault:mask::rwx\ndefault:other::---\n\n');
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/\/f: the ACL names user 2 twice \(as "bin" and "2"\); it is left as it is$/m);
    expect(r.stderr).toMatch(/\/d: the default ACL names group 1 twice \(as "1" and "daemon"\); it is left as it is$/m);
    expect(acl('f')).not.toMatch(/user:2:/);
    expect(getfacl(['-cnd', path.join(dir, 'r', 'd')]).stdout.toString()).toBe('');
    // g, with its one named group, is restored.
    expect(acl('g')).toMatch(/^group:1:r--$/m);
    expect(summaryOf(r.stderr)?.problems).toBe(2);
  });

  it('never widens rights through the mode when it leaves an ACL alone: group bits are the owning group\'s effective rights', () => {
    const snap = setup(['f'], '# file: f\n# owner: root\n# group: root\nuser::rw-\nuser:nobody:rwx\nuser:65534:r--\ngroup::r--\nmask::rwx\nother::---\n\n');
    const f = path.join(dir, 'r', 'f');
    sh(`chmod 640 '${f}' && setfacl -m u:bin:rwx,m::r '${f}'`, dir);
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(acl('f')).toMatch(/^mask::r--$/m); // bin stays at r-- effective
    // With --ignore acl the ACL is not looked at: no problem, and the recorded mode is set.
    const ignored = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', '--ignore', 'acl'], { cwd: '/' });
    expect(ignored.status, ignored.stderr).toBe(0);
    expect(ignored.stderr).not.toContain('twice');
  });

  it('reads all-digit owners, groups and qualifiers as decimal ids: 010 is 10, not 8', () => {
    const snap = setup(
      ['f', 'd/'],
      '# file: f\n# owner: 010\n# group: 0012\nuser::rw-\nuser:010:r--\ngroup::r--\ngroup:0077:r--\nmask::r--\nother::---\n\n' +
        '# file: d\n# owner: 0\n# group: 09\nuser::rwx\ngroup::r-x\nother::---\ndefault:user::rwx\ndefault:user:011:r-x\ndefault:group::r-x\ndefault:mask::r-x\ndefault:other::---\n\n',
    );
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    expect(idsOf('f')).toEqual([10, 12]);
    expect(acl('f')).toContain('user:10:r--');
    expect(acl('f')).toContain('group:77:r--');
    expect(idsOf('d')).toEqual([0, 9]);
    expect(acl('d')).toContain('default:user:11:r-x');
  });

  it('takes a path written with a trailing "/" or "/." only for a directory, as the kernel does (setfacl: "Not a directory")', () => {
    const snap = setup(['f', 'g', 'd/'], ['f/', 'g/.', 'd/'].map((p) => `# file: ${p}\nuser::r-x\ngroup::---\nother::---\n\n`).join(''));
    for (const jobs of ['1', '2']) {
      const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo', '--jobs', jobs], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      for (const f of ['f', 'g']) {
        expect(r.stderr).toContain(`/r/${f}: not a directory, though the snapshot names it with a trailing "/": refused`);
        expect(modeOf(f)).toBe('0777');
      }
      expect(modeOf('d')).toBe('0500');
    }
  });

  it('refuses and reports a default: block for a regular file, and still restores its other fields', () => {
    const snap = setup(
      ['f', 'd/'],
      '# file: f\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\nother::r--\ndefault:user::rwx\ndefault:group::r-x\ndefault:other::r-x\n\n' +
        '# file: d\n# owner: root\n# group: root\nuser::rwx\ngroup::r-x\nother::r-x\ndefault:user::rwx\ndefault:group::r-x\ndefault:other::---\n\n',
    );
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/\/r\/f: .*default ACL.*not a directory/m);
    expect(summaryOf(r.stderr)?.problems).toBe(1);
    expect(idsOf('f')).toEqual([0, 0]);
    expect(modeOf('f')).toBe('0644');
    expect(acl('d')).toContain('default:other::---');
  });

  it('refuses and reports a capability for what is not a regular file now (a FIFO, a directory), and still restores its other fields', () => {
    const block = (p: string, perms: string[]): string =>
      `# file: ${p}\n# owner: root\n# group: root\n# capability: cap_net_raw=ep\nuser::${perms[0]}\ngroup::${perms[1]}\nother::${perms[2]}\n\n`;
    const snap = setup(['d/', 'f'], block('fifo', ['rw-', 'r--', 'r--']) + block('d', ['rwx', 'r-x', 'r-x']) + block('f', ['rwx', 'r-x', 'r-x']));
    const root = path.join(dir, 'r');
    sh(`mkfifo ${root}/fifo && chmod 0777 ${root}/fifo`, dir);
    const hasCapability = (p: string): boolean =>
      sh(`python3 -c 'import os,sys; print("security.capability" in os.listxattr(sys.argv[1]))' ${path.join(root, p)}`, dir).trim() === 'True';
    for (let run = 0; run < 2; run++) {
      const r = restore([snap, '--root', root, '--no-undo'], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/\/r\/fifo: a capability for something that is not a regular file: refused$/m);
      expect(r.stderr).toMatch(/\/r\/d: a capability for something that is not a regular file: refused$/m);
      expect(summaryOf(r.stderr)?.problems).toBe(2);
      expect(hasCapability('fifo')).toBe(false);
      expect(hasCapability('d')).toBe(false);
      expect(hasCapability('f')).toBe(true);
      expect(modeOf('fifo')).toBe('0644');
      expect(modeOf('d')).toBe('0755');
    }
  });

  it('says each thing refused of one path on a line of its own, and counts each (a default ACL and a capability for a FIFO)', () => {
    const snap = setup([], '# file: fifo\n# owner: root\n# group: root\n# capability: cap_net_raw=ep\nuser::rw-\ngroup::r--\nother::r--\ndefault:user::rwx\ndefault:group::r-x\ndefault:other::r-x\n\n');
    const root = path.join(dir, 'r');
    sh(`mkfifo ${root}/fifo && chmod 0777 ${root}/fifo`, dir);
    for (const jobs of ['1', '2']) {
      const r = restore([snap, '--root', root, '--no-undo', '--jobs', jobs], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      // One line saying both, counted as one, before QA helper-130.
      expect(r.stderr).toMatch(/\/r\/fifo: a default ACL for something that is not a directory: refused$/m);
      expect(r.stderr).toMatch(/\/r\/fifo: a capability for something that is not a regular file: refused$/m);
      expect(summaryOf(r.stderr)?.problems).toBe(2);
    }
    expect(modeOf('fifo')).toBe('0644');
  });

  for (const attr of ['+i', '+a']) {
    it(`reports a file with chattr ${attr} as immutable or append-only and restores the rest`, () => {
      const snap = setup(
        ['locked', 'free'],
        '# file: locked\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\nother::r--\n\n' +
          '# file: free\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\nother::r--\n\n',
      );
      const locked = path.join(dir, 'r/locked');
      immutable.push(locked);
      sh(`chattr ${attr} ${JSON.stringify(locked)}`, dir);
      const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/\/r\/locked: .*(immutable|append-only)/m);
      expect(modeOf('locked')).toBe('0777');
      expect(idsOf('locked')).toEqual([1000, 1000]);
      expect(modeOf('free')).toBe('0644');
      expect(idsOf('free')).toEqual([0, 0]);
    });
  }

  it('says "wrong --root?" and exits 1 when no path of the snapshot exists beneath --root', () => {
    const snap = setup([], '# file: etc/shadow\nuser::rw-\ngroup::r--\nother::---\n\n# file: etc/passwd\nuser::rw-\ngroup::r--\nother::r--\n\n');
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('wrong --root?');
    expect(r.stderr).toContain(path.join(dir, 'r'));
    expect(summaryOf(r.stderr)?.missing).toBe(2);
    expect(fs.readdirSync(path.join(dir, 'r'))).toEqual([]);
  });

  it('changes nothing, not even the root, when only the root of the snapshot (".") exists beneath --root: wrong --root?', () => {
    const snap = setup([], '# file: .\n# owner: root\n# group: root\nuser::rwx\ngroup::r-x\nother::r-x\n\n# file: ./etc\nuser::rwx\ngroup::r-x\nother::r-x\n\n# file: ./etc/passwd\nuser::rw-\ngroup::r--\nother::r--\n\n');
    const root = path.join(dir, 'r');
    fs.chmodSync(root, 0o700);
    fs.chownSync(root, 99, 99);
    const r = restore([snap, '--root', root, '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`no path of the snapshot exists beneath ${root}: wrong --root? Nothing was changed`);
    const st = fs.statSync(root);
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o700, 99, 99]);
  });

  it('says an empty snapshot holds no path and exits 1 (a failed `zcat ... |` is no success), from a file or stdin', () => {
    const snap = setup([], '');
    const root = path.join(dir, 'r');
    for (const [named, r] of [[snap, restore([snap, '--root', root, '--no-undo'], { cwd: '/' })], ['-', restore(['-', '--root', root, '--no-undo'], { cwd: '/', input: '' })]] as const) {
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(`permsnap: ${named}: the snapshot holds no path (an empty file?): nothing to restore\n`);
    }
  });

  it('says when --only or --exclude leave out every path (a typo in a glob), and exits 1: no cron job takes that for a success', () => {
    const snap = setup(['f'], '# file: f\nuser::rw-\ngroup::r--\nother::r--\n\n');
    const root = path.join(dir, 'r');
    fs.chmodSync(path.join(root, 'f'), 0o600);
    for (const [args, by] of [[['--only', 'nothing-like-it'], '--only'], [['--exclude', 'f'], '--exclude'], [['--only', 'g', '--exclude', 'f'], '--only and --exclude']] as const) {
      const r = restore([snap, '--root', root, '--no-undo', ...args], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(`permsnap: ${by} left out every path of the snapshot: nothing was changed (is the glob right?)\n`);
    }
    expect(fs.statSync(path.join(root, 'f')).mode & 0o777).toBe(0o600);
    // One path left in: restored, exit 0.
    expect(restore([snap, '--root', root, '--no-undo', '--only', 'f'], { cwd: '/' }).status).toBe(0);
    expect(fs.statSync(path.join(root, 'f')).mode & 0o777).toBe(0o644);
  });

  it('resolves names through ROOT/etc/passwd and ROOT/etc/group with --ids-from root (and by default), through NSS with --ids-from nss', () => {
    // daemon is 1 on this host; in the mounted system it is 4321 (user) and 4322 (group).
    const snap = setup(
      ['f'],
      '# file: f\n# owner: daemon\n# group: daemon\nuser::rw-\nuser:daemon:r--\ngroup::r--\ngroup:daemon:r--\nmask::r--\nother::---\n\n',
    );
    const root = path.join(dir, 'r');
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:4321:4322:daemon:/:/bin/false\n');
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\ndaemon:x:4322:\n');

    const explicit = restore([snap, '--root', root, '--no-undo', '--ids-from', 'root'], { cwd: '/' });
    expect(explicit.status, explicit.stderr).toBe(0);
    expect(explicit.stderr).toContain(path.join(root, 'etc/passwd'));
    expect(idsOf('f')).toEqual([4321, 4322]);
    expect(acl('f')).toContain('user:4321:r--');
    expect(acl('f')).toContain('group:4322:r--');

    const nss = restore([snap, '--root', root, '--no-undo', '--ids-from', 'nss'], { cwd: '/' });
    expect(nss.status, nss.stderr).toBe(0);
    expect(idsOf('f')).toEqual([1, 1]);
    expect(acl('f')).toContain('user:1:r--');

    const byDefault = restore([snap, '--root', root, '--no-undo'], { cwd: '/' });
    expect(byDefault.status, byDefault.stderr).toBe(0);
    expect(idsOf('f')).toEqual([4321, 4322]);
  });

  it('reports a name the ROOT files do not know, even when this host knows it', () => {
    const snap = setup(['f'], '# file: f\n# owner: bin\n# group: root\nuser::rw-\ngroup::r--\nother::---\n\n');
    const root = path.join(dir, 'r');
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\n');
    const r = restore([snap, '--root', root, '--no-undo', '--ids-from', 'root'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/\/f: unknown user "bin"$/m);
    expect(idsOf('f')).toEqual([1000, 0]);
    expect(modeOf('f')).toBe('0640');
  });

  it('takes the lines of ROOT/etc/passwd and ROOT/etc/group that glibc takes, and no others (an empty uid is not root)', () => {
    // Each refused line once gave an id: "" and " " gave 0 (root), 4294967296 wrapped to 0,
    // "1e3" gave 1000, "+nis" gave 0. glibc's files module refuses them all.
    const refused = ['empty', 'blank', 'wide', 'expo', 'hex', 'nogid', 'three', '+nis', 'crgid'];
    const taken = ['lead', 'plus', 'crlf', 'mzero', 'vt'];
    const names = [...refused, ...taken];
    const snap = setup(names, names.map((u) => `# file: ${u}\n# owner: ${u}\n# group: grp\nuser::rw-\ngroup::r--\nother::---\n\n`).join(''));
    const root = path.join(dir, 'r');
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc/passwd'), [
      '# a comment', '', 'root:x:0:0:root:/root:/bin/sh', 'empty:x::1::/:/bin/sh', 'blank:x: :1::/:/bin/sh',
      'wide:x:4294967296:1::/:/bin/sh', 'expo:x:1e3:1::/:/bin/sh', 'hex:x:0x10:1::/:/bin/sh', 'nogid:x:705::::',
      'three:x:706', '+nis::::::', '-expo::::::', 'crgid:x:707:7\r', ' \tlead:x:701:1::/:/bin/sh', 'plus:x:+702:1::/:/bin/sh',
      'crlf:x:703:1::/:/bin/sh\r', 'lead:x:999:1::/:/bin/sh', 'mzero:x:-0:1::/:/bin/sh', '\v\fvt:x:705:1::/:/bin/sh',
    ].join('\n'));
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nneg:x:-5:\ngrp:x:704\n');

    const r = restore([snap, '--root', root, '--no-undo', '--quiet'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    for (const u of refused) {
      expect(r.stderr).toContain(`/${u}: unknown user "${u}"`);
      expect(idsOf(u)).toEqual([1000, 704]);
    }
    expect(idsOf('lead')).toEqual([701, 704]); // leading blanks skipped; the first line for a name wins
    expect(idsOf('plus')).toEqual([702, 704]);
    expect(idsOf('crlf')).toEqual([703, 704]);
    expect(idsOf('mzero')).toEqual([0, 704]); // strtoul's "-0" is 0, for glibc too
    expect(idsOf('vt')).toEqual([705, 704]); // glibc skips every isspace() byte first
    // --quiet keeps the summary, and the summary says where names came from.
    expect(r.stderr).toContain(`problem(s); names from ${path.join(root, 'etc/passwd')} and ${path.join(root, 'etc/group')}`);
  });

  it('reports a name whose id is 4294967295 ("no change" to chown) in the dry run and the real run, and changes nothing for it', () => {
    const snap = setup(['f'], '# file: f\n# owner: gus\n# group: gus\nuser::rw-\nuser:gus:r--\ngroup::r--\nmask::r--\nother::---\n\n');
    const root = path.join(dir, 'r');
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'gus:x:4294967295:4294967295::/:/bin/sh\n');
    fs.writeFileSync(path.join(root, 'etc/group'), 'gus:x:4294967295:\n');
    for (const dry of [['--dry-run'], []]) {
      const r = restore([snap, '--root', root, '--no-undo', ...dry], { cwd: '/' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain('/f: user "gus" has the id 4294967295, which no file can have');
      // Said once, though the block uses the name as owner and in its ACL.
      expect(r.stderr.split('user "gus" has the id')).toHaveLength(2);
      expect(r.stderr).toContain('/f: group "gus" has the id 4294967295');
      expect(r.stderr).not.toContain('already correct, 0 missing (skipped), 0 problem');
      expect(idsOf('f')).toEqual([1000, 1000]);
    }
    // The ACL naming gus is left alone, and the mode's group bits are not the mask's.
    expect(acl('f')).not.toMatch(/^user:[^:]/m);
    expect(modeOf('f')).toBe('0640');
  });

  it('reads the id 4294967295 getfacl prints for one a user namespace does not map, and reports it per path, restoring the rest', () => {
    const snap = setup(['f', 'g'], '# file: f\n# owner: 4294967295\n# group: 0\nuser::rw-\nuser:4294967295:rwx\ngroup::r--\nmask::rwx\nother::---\n\n# file: g\nuser::r--\ngroup::---\nother::---\n\n');
    const r = restore([snap, '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('/r/f: user id 4294967295 is no id a file can have');
    expect(idsOf('f')).toEqual([1000, 0]);
    expect(acl('f')).not.toMatch(/^user:[^:]/m);
    expect(modeOf('f')).toBe('0640');
    expect(modeOf('g')).toBe('0400');
  });

  it('refuses, by default too, ROOT files that are symlinks (etc/group -> /etc/group is this host\'s) rather than use NSS unsaid', () => {
    const snap = setup(['f'], '# file: f\n# owner: daemon\n# group: daemon\nuser::rw-\ngroup::r--\nother::---\n\n');
    const root = path.join(dir, 'r');
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'daemon:x:700:700::/:/bin/sh\n');
    fs.symlinkSync('/usr/lib/permsnap-no-such-group', path.join(root, 'etc/group')); // dangling on this host
    const r = restore([snap, '--root', root, '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${path.join(root, 'etc/group')}: a symlink: refused`);
    expect(idsOf('f')).toEqual([1000, 1000]);

    fs.rmSync(path.join(root, 'etc'), { recursive: true });
    fs.symlinkSync('/nonexistent-permsnap-etc', path.join(root, 'etc'));
    const dangling = restore([snap, '--root', root, '--no-undo'], { cwd: '/' });
    expect(dangling.status, dangling.stderr).toBe(2);
    expect(dangling.stderr).toContain('is a symlink: refused');
    expect(idsOf('f')).toEqual([1000, 1000]);
  });

  it('prints the first 1000 per-path problems and counts the rest, still restoring every path', () => {
    const files = Array.from({ length: 1100 }, (_, i) => `f${i}`);
    const blocks = files.map((f) => `# file: ${f}\n# owner: no-such-user-${f}\n# group: root\nuser::rw-\ngroup::r--\nother::---\n\n`);
    setup(files, blocks.join(''));
    const r = restore([path.join(dir, 'snap.facl'), '--root', path.join(dir, 'r'), '--no-undo'], { cwd: '/' });
    expect(r.status).toBe(1);
    expect(r.stderr.match(/: unknown user "no-such-user-f\d+"$/gm)).toHaveLength(1000);
    // Said with the problems, just before the summary.
    expect(r.stderr).toMatch(/^permsnap: 100 more per-path problem\(s\) not shown \(the first 1000 are above\)\npermsnap: \d+ path\(s\) changed/m);
    expect(summaryOf(r.stderr)?.problems).toBe(1100);
    expect(files.every((f) => modeOf(f) === '0640')).toBe(true);
  });
});
