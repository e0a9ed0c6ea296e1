// The undo journal when things go wrong: a journal cut short by a crash still undoes what
// was done; a full disk under the journal stops the run with exit 1 and a journal that
// undoes it; two restores in the same second get two journals; a path given twice in a
// snapshot is said, and its last block wins.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasSetpriv, runAsNobody, splitBlocks, tryMount, unmount } from '../helpers/facl-text.js';
import { buildOddTree } from '../helpers/odd-tree.js';
import { buildBigTree, capTree, faclTree, finished, restore, restoreReady, SKIP_REASON, spawnRestore, notReachedOf, summaryOf, writeSnapshot } from '../helpers/restore-kit.js';
import { CLI, isRoot, makeTempDir, permsnap, removeTree, run, sh } from '../helpers/tree.js';
import { spawnSync } from 'node:child_process';

const canUnshare = isRoot && spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;

let dir = '';
const mounts: string[] = [];

beforeEach(() => {
  dir = makeTempDir('permsnap-journal-');
});
afterEach(() => {
  for (const m of mounts.splice(0).reverse()) unmount(m);
  removeTree(dir);
});

const view = (): { facl: Map<string, string>; caps: string[] } => ({ facl: faclTree(dir), caps: capTree(dir) });

/** Opens a FIFO for writing once a reader has opened it (polling: a blocking open would hang the test if none ever does). */
async function openWhenRead(fifo: string, timeoutMs = 30_000): Promise<number> {
  for (const start = Date.now(); ;) {
    try {
      const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      return fd;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() - start > timeoutMs) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The journal text without its closing repeat of the last block (the end marker). */
function withoutEnd(journal: string): string {
  const blocks = splitBlocks(journal);
  expect(blocks.at(-1)).toMatch(/^# permsnap: end, \d+ entries$/m);
  return blocks.slice(0, -1).map((b) => `${b}\n\n`).join('');
}

/** DIR/u/snap.facl, which nobody may read: tree/f (beneath DIR/u) to 0600. */
function snapshotForNobody(): string {
  const snap = path.join(dir, 'u/snap.facl');
  fs.writeFileSync(snap, '# file: tree/f\nuser::rw-\ngroup::---\nother::---\n\n');
  fs.chmodSync(snap, 0o644);
  return snap;
}

describe.skipIf(!restoreReady)(`the undo journal when a run is cut short (${SKIP_REASON})`, () => {
  it('undoes with a journal that lacks its end marker (the run crashed after its last batch)', () => {
    buildOddTree(dir);
    const snap = writeSnapshot(dir);
    sh('chmod -R a+rwx tree 2>/dev/null || true; setfacl -b tree/acls/named', dir);
    const damaged = view();
    const journal = path.join(dir, 'undo.facl');
    expect(restore([snap, '--root', dir, '--undo', journal], { cwd: '/' }).status).toBe(0);
    expect(view()).not.toEqual(damaged);

    const cut = path.join(dir, 'cut.facl');
    fs.writeFileSync(cut, withoutEnd(fs.readFileSync(journal, 'latin1')), 'latin1');
    const undo = restore([cut, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(undo.status, undo.stderr).toBe(0);
    expect(view()).toEqual(damaged);
  });

  it('drops a last block cut mid-way (never fsynced whole, so never applied) and undoes the rest', () => {
    buildOddTree(dir);
    const snap = writeSnapshot(dir);
    sh('chmod -R a+rwx tree 2>/dev/null || true', dir);
    const journal = path.join(dir, 'undo.facl');
    expect(restore([snap, '--root', dir, '--undo', journal], { cwd: '/' }).status).toBe(0);
    const whole = withoutEnd(fs.readFileSync(journal, 'latin1'));
    const blocks = splitBlocks(whole);
    const last = blocks.at(-1) as string;
    const lastPath = /^# file: (.*)$/m.exec(last)?.[1] as string;
    // Cut inside the last block's ACL entries, between lines and inside one: what a crash
    // or a full disk in the middle of a write leaves.
    const healed = view().facl.get(lastPath);
    for (const into of [0, 'gro'.length]) {
      const cut = path.join(dir, 'cut.facl');
      fs.writeFileSync(cut, whole.slice(0, whole.length - `${last}\n\n`.length + last.indexOf('group::') + into), 'latin1');
      const undo = restore([cut, '--root', dir, '--no-undo'], { cwd: '/' });
      expect(undo.status, undo.stderr).toBe(0);
      expect(view().facl.get(lastPath)).toBe(healed);
      expect(view().facl.get('tree/kinds/file')).toMatch(/^other::rwx$/m);
    }
  });

  it('still refuses a permsnap snapshot (not a journal) without its end marker', () => {
    buildOddTree(dir);
    const snap = writeSnapshot(dir);
    const cut = path.join(dir, 'cut.facl');
    fs.writeFileSync(cut, withoutEnd(fs.readFileSync(snap, 'latin1')), 'latin1');
    const before = view();
    const r = restore([cut, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/ends without "# permsnap: end, N entries"/);
    expect(view()).toEqual(before);
  });

  it('stops with exit 1 when the journal disk fills after changes began, and that journal undoes them (small tmpfs; needs root to mount)', () => {
    buildBigTree(dir, 'tree', 3, 1500);
    const snap = writeSnapshot(dir);
    sh('chmod -R a+rwx tree', dir);
    const damaged = view();
    const small = path.join(dir, 'small');
    fs.mkdirSync(small);
    // Room for the first chunks' pre-restore blocks (1024 of about 80 bytes each), not for all.
    expect(tryMount('tmpfs', small, ['-o', 'size=220k'])).toBe(true);
    mounts.push(small);
    const journal = path.join(small, 'undo.facl');
    const r = restore([snap, '--root', dir, '--undo', journal], { cwd: '/' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/stopped by an error after changes began: undo journal .*undo\.facl: no space left on device, \d+ path\(s\) with changes to make not reached\n/);
    // Every path was damaged: each one changed, or said not reached.
    const paths = Number(/restoring (\d+) path\(s\)/.exec(r.stderr)?.[1]);
    expect((summaryOf(r.stderr)?.changed ?? 0) + notReachedOf(r.stderr), r.stderr).toBe(paths);
    expect(r.stderr).toContain(`undo with: permsnap restore ${journal} --root ${dir}`);
    expect(view()).not.toEqual(damaged);

    const undo = restore([journal, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(undo.status, undo.stderr).toBe(0);
    expect(view()).toEqual(damaged);
  });

  it('takes a journal cut inside its first block for what it is: its restore changed nothing, nothing to undo (exit 0)', () => {
    sh('mkdir t && touch t/f && chmod 666 t/f', dir);
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, '# file: t/f\n# owner: 0\n# group: 0\nuser::rw-\ngroup::r--\nother::---\n\n');
    const journal = path.join(dir, 'undo.facl');
    expect(restore([snap, '--root', dir, '--undo', journal], { cwd: '/' }).status).toBe(0);
    const text = fs.readFileSync(journal, 'latin1');
    // Cut inside the first line (written with the first batch), after it, in the header
    // before the begin marker, and after it.
    for (const cutAt of [30, text.indexOf('# file:'), text.indexOf('# owner:') + 4, text.indexOf('# permsnap: begin') + 5]) {
      const cut = path.join(dir, 'cut.facl');
      fs.writeFileSync(cut, text.slice(0, cutAt), 'latin1');
      // Threads that look in pieces, skipping long damaged stretches (one thread looks at the journal's path before it is made, and finds it missing).
    for (const jobs of ['2', '4']) {
        const r = restore([cut, '--root', dir, '--no-undo', '--jobs', jobs], { cwd: '/' });
        expect(r.status, `${cutAt}: ${r.stderr}`).toBe(0);
        expect(r.stderr).toContain('the undo journal holds no whole block: the restore it was kept for changed nothing, so there is nothing to undo');
      }
    }
  });

  it('undoes with a journal cut inside the copy of its last block that carries the end marker (written after the last change)', () => {
    buildOddTree(dir);
    const snap = writeSnapshot(dir);
    sh('chmod -R a+rwx tree 2>/dev/null || true', dir);
    const damaged = view();
    const journal = path.join(dir, 'undo.facl');
    expect(restore([snap, '--root', dir, '--undo', journal], { cwd: '/' }).status).toBe(0);
    const text = fs.readFileSync(journal, 'latin1');
    const copyEnd = text.indexOf('# permsnap: end');
    for (const cutAt of [copyEnd + 3, text.indexOf('\n', copyEnd) + 1, text.length - 5, text.length - 1]) {
      const cut = path.join(dir, 'cut.facl');
      fs.writeFileSync(cut, text.slice(0, cutAt), 'latin1');
      const r = restore([cut, '--root', dir, '--no-undo', '--dry-run'], { cwd: '/' });
      expect(r.status, `${cutAt}: ${r.stderr}`).toBe(0);
    }
    const undo = restore([journal.replace('undo.facl', 'cut.facl'), '--root', dir, '--no-undo'], { cwd: '/' });
    expect(undo.status, undo.stderr).toBe(0);
    expect(view()).toEqual(damaged);
  });

  it('makes the default journal directory without following a symlink planted after the run began: refused, nothing written outside the root', async () => {
    const root = path.join(dir, 'R');
    const evil = path.join(dir, 'evil');
    sh('mkdir -p R/t R/var/lib evil && touch R/t/f && chmod 666 R/t/f', dir);
    const fifo = path.join(dir, 'snap.fifo');
    sh(`mkfifo ${fifo}`, dir);
    const done = finished(spawnRestore([fifo, '--root', root, '-q'], '/'));
    // Restore has chosen ROOT/var/lib/permsnap/undo (nothing there yet: usable) before it
    // opens the snapshot; the writer's open succeeds once it has.
    const writer = await openWhenRead(fifo);
    fs.symlinkSync(evil, path.join(root, 'var/lib/permsnap'));
    fs.writeSync(writer, '# file: t/f\n# owner: 0\n# group: 0\nuser::rw-\ngroup::r--\nother::---\n\n');
    fs.closeSync(writer);
    const r = await done;
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`undo journal ${root}/var/lib/permsnap/undo/`);
    expect(r.stderr).toContain(`${root}/var/lib/permsnap is a symlink or not a directory now: refused`);
    expect(fs.readdirSync(evil)).toEqual([]);
    expect(fs.statSync(path.join(root, 't/f')).mode & 0o777).toBe(0o666);
  });

  it("does not trust a ROOT/var/lib/permsnap another user made or can write: says so, keeps the journal in this host's place; says a ROOT/var/lib anyone can change", () => {
    sh('mkdir -p R/t R/var/lib/permsnap/undo && touch R/t/f', dir);
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, '# file: t/f\n# owner: 0\n# group: 0\nuser::rw-\ngroup::r--\nother::---\n\n');
    const root = path.join(dir, 'R');
    // Open above permsnap's own directories (chmod -R a+rwx, undone by a restore whose
    // snapshot holds them): said, and the journal stays beneath ROOT, to survive leaving the
    // rescue system.
    sh('chmod 666 R/t/f && chmod 777 R/var R/var/lib', dir);
    const open = restore([snap, '--root', root], { cwd: '/' });
    expect(open.status, open.stderr).toBe(0);
    // Each such directory is named (both), and nothing is promised: this snapshot does not hold them.
    expect(open.stderr).toContain(`permsnap: ${root}/var can be written by any user (mode 0777); ${root}/var/lib can be written by any user (mode 0777): until that is put right, another user could replace the undo journal`);
    expect(fs.readdirSync(path.join(root, 'var/lib/permsnap/undo'))).toHaveLength(1);
    sh('rm R/var/lib/permsnap/undo/*', dir);
    // Another user's (chown -R): that user may rename permsnap/ away, mode or not.
    sh('chmod 666 R/t/f && chmod 755 R/var R/var/lib && chown 65534 R/var/lib', dir);
    const owned = restore([snap, '--root', root], { cwd: '/' });
    expect(owned.status, owned.stderr).toBe(0);
    expect(owned.stderr).toContain(`permsnap: ${root}/var/lib belongs to uid 65534, another user: until that is put right, another user could replace the undo journal`);
    expect(fs.readdirSync(path.join(root, 'var/lib/permsnap/undo'))).toHaveLength(1);
    sh('rm R/var/lib/permsnap/undo/* && chown 0 R/var/lib', dir);
    for (const [setup, why] of [
      ['chmod -R a+rwx R/var', `${root}/var/lib/permsnap can be written by others (mode 0777): chmod go-w it`],
      ['chmod -R 755 R/var && chown -R 65534 R/var/lib/permsnap', `${root}/var/lib/permsnap belongs to uid 65534, another user`],
      ['chmod -R 755 R/var && chown -R 0 R/var/lib/permsnap && chmod 777 R/var/lib/permsnap', `${root}/var/lib/permsnap can be written by others (mode 0777): chmod go-w it`],
    ] as const) {
      sh(`chmod 666 R/t/f && ${setup}`, dir);
      const r = restore([snap, '--root', root], { cwd: '/' });
      const journal = /undo journal: (\S+) /.exec(r.stderr)?.[1];
      if (journal !== undefined && journal.startsWith('/var/lib/permsnap/')) fs.rmSync(journal);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`permsnap: the undo journal cannot be kept in ${root}/var/lib/permsnap/undo (${why}): it goes to this host's default place instead`);
      expect(journal).toMatch(/^\/var\/lib\/permsnap\/undo\//);
      expect(fs.readdirSync(path.join(root, 'var/lib/permsnap/undo'))).toEqual([]);
    }
  });

  it.skipIf(!canUnshare)('keeps the journal beneath --root on a system without /proc (a rescue chroot; needs root and unshare)', () => {
    sh('mkdir -p R/t && touch R/t/f && chmod 666 R/t/f', dir);
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, '# file: t/f\n# owner: 0\n# group: 0\nuser::rw-\ngroup::r--\nother::---\n\n');
    const root = path.join(dir, 'R');
    const script = 'mount -t tmpfs none /proc && exec "$0" "$@"';
    const r = run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, process.execPath, CLI, 'restore', snap, '--root', root], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readdirSync(path.join(root, 'var/lib/permsnap/undo'))).toHaveLength(1);
    expect(fs.statSync(path.join(root, 't/f')).mode & 0o777).toBe(0o640);
  });

  it.skipIf(!hasSetpriv)("goes on to the user's own place when ROOT/var is root's and closed to them (a non-root restore after a root one); a root restore makes var and lib 0755", () => {
    fs.chmodSync(dir, 0o755); // nobody must reach its current directory
    sh('mkdir -p u/home u/R/t && touch u/R/t/f && chmod 666 u/R/t/f', dir);
    const snap = path.join(dir, 'u/snap.facl');
    fs.writeFileSync(snap, '# file: t/f\nuser::rw-\ngroup::---\nother::---\n\n');
    const root = path.join(dir, 'u/R');
    // A root restore first: it makes ROOT/var/lib/permsnap/undo.
    expect(restore([snap, '--root', root], { cwd: '/' }).status).toBe(0);
    expect(['var', 'var/lib', 'var/lib/permsnap', 'var/lib/permsnap/undo'].map((d) => (fs.statSync(path.join(root, d)).mode & 0o7777).toString(8))).toEqual(['755', '755', '700', '700']);
    sh('chmod 700 u/R/var && chown -R 65534:65534 u/home u/R/t && chmod 666 u/R/t/f && chmod 644 u/snap.facl', dir);
    const r = runAsNobody(process.execPath, [CLI, 'restore', snap, '--root', root], { cwd: '/', env: { ...process.env, HOME: path.join(dir, 'u/home'), XDG_STATE_HOME: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`permsnap: the undo journal cannot be kept in ${root}/var/lib/permsnap/undo (${root}/var/lib: permission denied): it goes to this host's default place instead\n`);
    expect(fs.readdirSync(path.join(dir, 'u/home/.local/state/permsnap/undo'))).toHaveLength(1);
    expect(fs.statSync(path.join(root, 't/f')).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!hasSetpriv)("takes a user's own symlink in their state directory (not root: the XDG place is theirs to arrange)", () => {
    fs.chmodSync(dir, 0o755); // nobody must reach its current directory
    sh('mkdir -p u/home/.local/state u/real u/tree && touch u/tree/f && chmod 666 u/tree/f && ln -s ../../../real u/home/.local/state/permsnap && chown -R 65534:65534 u', dir);
    const snap = snapshotForNobody();
    // A relative $XDG_STATE_HOME is ignored, as the XDG spec says, as an empty one is.
    for (const [run, xdg] of ['', 'relative/state'].entries()) {
      fs.chmodSync(path.join(dir, 'u/tree/f'), 0o666);
      const r = runAsNobody(process.execPath, [CLI, 'restore', snap], { cwd: path.join(dir, 'u'), env: { ...process.env, HOME: path.join(dir, 'u/home'), XDG_STATE_HOME: xdg } });
      expect(r.status, r.stderr).toBe(0);
      expect(fs.readdirSync(path.join(dir, 'u/real/undo'))).toHaveLength(run + 1);
    }
    expect(fs.existsSync(path.join(dir, 'u/relative'))).toBe(false);
  });

  it.skipIf(!hasSetpriv)("refuses permsnap/ or undo/ in the user's own place that another user owns or can write (they could change the journal before its undo), changing nothing", () => {
    fs.chmodSync(dir, 0o755); // nobody must reach its current directory
    sh('mkdir -p u/tree u/state/permsnap/undo && touch u/tree/f && chmod 666 u/tree/f && chown -R 65534:65534 u/tree u/state', dir);
    const snap = snapshotForNobody();
    const place = path.join(dir, 'u/state/permsnap');
    const attempt = (): ReturnType<typeof runAsNobody> => runAsNobody(process.execPath, [CLI, 'restore', snap], { cwd: path.join(dir, 'u'), env: { ...process.env, XDG_STATE_HOME: path.join(dir, 'u/state') } });
    for (const [damage, says] of [['chown 0 u/state/permsnap && chmod 755 u/state/permsnap', `${place} belongs to uid 0, another user`], ['chmod 777 u/state/permsnap/undo', `${place}/undo can be written by others (mode 0777)`]] as const) {
      sh(`chown -R 65534 u/state && chmod 700 u/state/permsnap u/state/permsnap/undo && ${damage}`, dir);
      const r = attempt();
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(says);
      expect(r.stderr).toContain('(choose another place with --undo FILE, or --no-undo)');
      expect(fs.statSync(path.join(dir, 'u/tree/f')).mode & 0o777).toBe(0o666);
      expect(fs.readdirSync(path.join(place, 'undo'))).toEqual([]);
    }
    sh('chown -R 65534 u/state && chmod 700 u/state/permsnap u/state/permsnap/undo', dir);
    expect(attempt().status).toBe(0);
    expect(fs.readdirSync(path.join(place, 'undo'))).toHaveLength(1);
  });

  it.skipIf(!hasSetpriv)("spares the user's own permsnap/ when its undo/ is a symlink (the target's parent is not permsnap's)", () => {
    fs.chmodSync(dir, 0o755); // nobody must reach its current directory
    sh('mkdir -p u/tree u/state/permsnap u/elsewhere/target && touch u/tree/f && chmod 666 u/tree/f && ln -s ../../elsewhere/target u/state/permsnap/undo && chmod 700 u/state/permsnap u/elsewhere/target && chown -R 65534:65534 u', dir);
    const snap = path.join(dir, 'u/snap.facl');
    const closed = 'user::rwx\ngroup::r-x\nother::---\n\n';
    fs.writeFileSync(snap, `# file: tree/f\nuser::rw-\ngroup::---\nother::---\n\n# file: state/permsnap\n${closed}# file: elsewhere\n${closed}`);
    fs.chmodSync(snap, 0o644);
    const r = runAsNobody(process.execPath, [CLI, 'restore', snap], { cwd: path.join(dir, 'u'), env: { ...process.env, XDG_STATE_HOME: path.join(dir, 'u/state') } });
    expect(r.stderr).toContain(`${path.join(dir, 'u/state/permsnap')}: the directory of the undo journal of this restore: left alone\n`);
    expect(r.status).toBe(1);
    expect(['u/state/permsnap', 'u/elsewhere', 'u/tree/f'].map((p) => (fs.statSync(path.join(dir, p)).mode & 0o777).toString(8))).toEqual(['700', '750', '600']);
    expect(fs.readdirSync(path.join(dir, 'u/elsewhere/target'))).toHaveLength(1);
  });

  it.skipIf(!hasSetpriv)('ignores an empty or relative $HOME for the journal (it went beneath the current directory): passwd\'s home instead', () => {
    fs.chmodSync(dir, 0o755); // nobody must reach its current directory
    sh('mkdir -p u/tree && touch u/tree/f && chmod 666 u/tree/f && chown -R 65534:65534 u', dir);
    const snap = snapshotForNobody();
    const passwdHome = sh('getent passwd nobody', dir).trim().split(':')[5] as string; // Debian: /nonexistent
    for (const home of ['', 'relhome']) {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
      delete env.XDG_STATE_HOME;
      const r = runAsNobody(process.execPath, [CLI, 'restore', snap], { cwd: path.join(dir, 'u'), env });
      expect(r.stderr, home).toContain(`undo journal ${passwdHome}/.local/state/permsnap/undo/`);
      expect(fs.readdirSync(path.join(dir, 'u')).sort(), home).toEqual(['snap.facl', 'tree']);
      if (r.status !== 0) expect(r.stderr).toContain('(choose another place with --undo FILE, or --no-undo)');
    }
  });

  it('leaves alone its own undo journal and the directories permsnap keeps it in, whatever the snapshot records for their paths: the undo it prints is not refused', () => {
    // 20000 files: the journal's path comes in a chunk planned after the journal was made,
    // and was not looked at before (a long damaged stretch, which the first look skips).
    sh('mkdir t && cd t && seq 1 20000 | sed "s/^/f/" | xargs touch && chmod 644 f*', dir);
    const snap = path.join(dir, 'snap.facl');
    const own = '# owner: 1000\n# group: 1000\nuser::rwx\ngroup::rwx\nother::rwx\n\n';
    // Without permsnap's markers: blocks are added after its end.
    const taken = permsnap(['snapshot', 't', '-q'], { cwd: dir }).stdout.toString().split('\n').filter((l) => !l.startsWith('# permsnap:')).join('\n');
    fs.writeFileSync(snap, `${taken}# file: t/zz-undo.facl\n${own}`);
    // Threads that look in pieces, skipping long damaged stretches (one thread looks at the journal's path before it is made, and finds it missing).
    for (const jobs of ['2', '4']) {
      sh('chmod 666 t/f*', dir);
      const journal = path.join(dir, 't/zz-undo.facl');
      const r = restore([snap, '--root', dir, '--undo', journal, '--jobs', jobs], { cwd: '/' });
      expect(r.stderr).toContain(`${journal}: the undo journal of this restore: left alone\n`);
      expect(r.status).toBe(1);
      expect([fs.statSync(journal).uid, fs.statSync(journal).mode & 0o777]).toEqual([0, 0o600]);
      const undo = restore([journal, '--root', dir, '--no-undo'], { cwd: '/' });
      expect(undo.status, undo.stderr).toBe(0);
      expect(fs.statSync(path.join(dir, 't/f20000')).mode & 0o777).toBe(0o666);
      fs.rmSync(journal);
    }
    // The default place beneath --root, made by a first run: a snapshot that records it otherwise.
    sh('chmod 666 t/f*', dir);
    expect(restore([snap, '--root', dir, '--jobs', '2'], { cwd: '/' }).status).toBe(0);
    const place = path.join(dir, 'var/lib/permsnap/undo');
    fs.appendFileSync(snap, `# file: var/lib/permsnap\n${own}# file: var/lib/permsnap/undo\n${own}`);
    sh('chmod 666 t/f*', dir);
    const r = restore([snap, '--root', dir, '--jobs', '2'], { cwd: '/' });
    expect(r.stderr).toContain(`${place}: the directory of the undo journal of this restore: left alone\n`);
    expect(r.stderr).toContain(`${path.dirname(place)}: the directory of the undo journal of this restore: left alone\n`);
    expect([place, path.dirname(place)].map((d) => [fs.statSync(d).uid, fs.statSync(d).mode & 0o777])).toEqual([[0, 0o700], [0, 0o700]]);
    const journal = (r.stderr.match(/undo with: permsnap restore (\S+)/) ?? [])[1] as string;
    const undo = restore([journal, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(undo.status, undo.stderr).toBe(0);
    expect(fs.statSync(path.join(dir, 't/f1')).mode & 0o777).toBe(0o666);
  });

  it('makes ROOT/var and ROOT/var/lib 0755 and its own two 0700 whatever the umask (077 made a var no service could enter)', () => {
    sh('mkdir -p R/t && touch R/t/f && chmod 666 R/t/f', dir);
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, '# file: t/f\nuser::rw-\ngroup::r--\nother::---\n\n');
    const r = run('sh', ['-c', `umask 077 && exec "$0" "$@"`, process.execPath, CLI, 'restore', snap, '--root', path.join(dir, 'R'), '-q'], { cwd: '/' });
    expect(r.status, r.stderr.toString()).toBe(0);
    const modes = ['var', 'var/lib', 'var/lib/permsnap', 'var/lib/permsnap/undo'].map((d) => (fs.statSync(path.join(dir, 'R', d)).mode & 0o7777).toString(8));
    expect(modes).toEqual(['755', '755', '700', '700']);
    const [journal] = fs.readdirSync(path.join(dir, 'R/var/lib/permsnap/undo'));
    expect(fs.statSync(path.join(dir, 'R/var/lib/permsnap/undo', journal!)).mode & 0o777).toBe(0o600);
  });

  it('refuses --undo FILE in a directory that does not exist before reading the snapshot, and makes none', () => {
    sh('mkdir t && touch t/f && chmod 666 t/f', dir);
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, '# file: t/f\n# owner: 0\n# group: 0\nuser::rw-\ngroup::r--\nother::---\n\n');
    const r = restore([snap, '--root', dir, '--undo', path.join(dir, 'typo/undo.facl')], { cwd: '/' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`undo journal ${path.join(dir, 'typo/undo.facl')}: its directory does not exist`);
    expect(r.stderr).not.toContain('restoring');
    expect(fs.existsSync(path.join(dir, 'typo'))).toBe(false);
    expect(fs.statSync(path.join(dir, 't/f')).mode & 0o777).toBe(0o666);
  });

  it.skipIf(!hasSetpriv)('keeps no journal of a run whose every step failed (a user restoring what the kernel will not let them)', () => {
    // setgid on a file of a group nobody is not in: the kernel drops it, the mode stays as it is.
    sh('chmod 755 . && mkdir t state && touch t/f && chown nobody:root t/f && chmod 0755 t/f && chown nobody state', dir);
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, '# file: t/f\n# flags: -s-\nuser::rwx\ngroup::r-x\nother::r-x\n\n');
    for (let run = 0; run < 2; run++) {
      const r = runAsNobody(process.execPath, [CLI, 'restore', snap], { cwd: dir, env: { ...process.env, XDG_STATE_HOME: path.join(dir, 'state') } });
      expect(r.stderr.toString()).toContain('setgid not set');
      expect(r.stderr.toString()).toContain('0 path(s) changed');
      expect(r.stderr.toString()).not.toContain('undo journal');
      expect(r.status).toBe(1);
    }
    expect(fs.readdirSync(path.join(dir, 'state/permsnap/undo'))).toEqual([]);
  });

  it.skipIf(!hasSetpriv)('refuses --undo FILE beneath a directory this user cannot search, naming the option\'s file, as the other refusals do', () => {
    sh('chmod 755 . && mkdir -p t closed/sub && chown nobody t && chmod 700 closed', dir);
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, '# file: .\nuser::rwx\ngroup::r-x\nother::r-x\n\n');
    const journal = path.join(dir, 'closed/sub/undo.facl');
    const r = runAsNobody(process.execPath, [CLI, 'restore', snap, '--root', path.join(dir, 't'), '--undo', journal], { cwd: '/' });
    expect(r.stderr.toString()).toBe(`permsnap: undo journal ${journal}: permission denied\n`);
    expect(r.status).toBe(2);
  });

  it('refuses --undo FILE that exists (or a symlink there, even dangling), in words, before the snapshot is read: nothing changed, the file untouched', () => {
    sh('mkdir t && touch t/f && chmod 666 t/f && echo keep > old.facl && ln -s nowhere dangling.facl', dir);
    const snap = path.join(dir, 'snap.facl');
    fs.writeFileSync(snap, '# file: t/f\n# owner: 0\n# group: 0\nuser::rw-\ngroup::r--\nother::---\n\n');
    for (const existing of ['old.facl', 'dangling.facl']) {
      const r = restore([snap, '--root', dir, '--undo', path.join(dir, existing)], { cwd: '/' });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`undo journal ${path.join(dir, existing)}: exists already, expected a FILE that does not exist yet (a journal never replaces a file)\n`);
      expect(r.stderr).not.toContain('restoring');
    }
    expect(fs.readFileSync(path.join(dir, 'old.facl'), 'utf8')).toBe('keep\n');
    expect(fs.readlinkSync(path.join(dir, 'dangling.facl'))).toBe('nowhere');
    expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false);
    expect(fs.statSync(path.join(dir, 't/f')).mode & 0o777).toBe(0o666);
  });

  it('leaves no journal behind when its first batch does not fit (a full disk before any change: exit 2; needs root to mount)', () => {
    sh('mkdir tree && for i in $(seq 200); do touch tree/f$i; done', dir);
    const snap = writeSnapshot(dir);
    sh('chmod -R a+rwx tree', dir);
    const damaged = view();
    const small = path.join(dir, 'small');
    fs.mkdirSync(small);
    expect(tryMount('tmpfs', small, ['-o', 'size=4k'])).toBe(true);
    mounts.push(small);
    const r = restore([snap, '--root', dir, '--undo', path.join(small, 'undo.facl')], { cwd: '/' });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/undo journal .*undo\.facl: no space left on device\n/);
    expect(fs.readdirSync(small)).toEqual([]);
    expect(view()).toEqual(damaged);
  });

  it('gives a second restore started in the same second a journal of its own', () => {
    buildOddTree(dir);
    const snap = writeSnapshot(dir);
    sh('chmod -R a+rwx tree 2>/dev/null || true', dir);
    // The names the next few seconds would take are taken already.
    const undoDir = path.join(dir, 'var/lib/permsnap/undo');
    fs.mkdirSync(undoDir, { recursive: true });
    const now = Date.now();
    const taken = [0, 1, 2, 3, 4, 5].map((s) => new Date(now + s * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'));
    for (const name of taken) fs.writeFileSync(path.join(undoDir, `${name}.facl`), 'not mine\n');

    const r = restore([snap, '--root', dir], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    const written = /undo journal: (\S+) /.exec(r.stderr)?.[1] as string;
    expect(path.basename(written)).toMatch(/^\d{8}T\d{6}Z-1\.facl$/);
    for (const name of taken) expect(fs.readFileSync(path.join(undoDir, `${name}.facl`), 'utf8')).toBe('not mine\n');
    expect(fs.readFileSync(written, 'latin1')).toMatch(/^# permsnap undo journal: root /);
  });

  it('says when a snapshot gives a path twice, and applies its last block', () => {
    buildOddTree(dir);
    const snap = permsnap(['snapshot', '--compat', 'tree/kinds/file'], { cwd: dir }).stdout.toString('latin1');
    const twice = path.join(dir, 'twice.facl');
    fs.writeFileSync(twice, snap.replace(/^other::.*$/m, 'other::---') + snap.replace(/^other::.*$/m, 'other::r-x'), 'latin1');
    const r = restore([twice, '--root', dir, '--no-undo'], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`1 block(s) repeat a path given earlier in the snapshot (the first: ${path.join(dir, 'tree/kinds/file')}): the last block for each path was used`);
    // Said before the run (once the file has parsed), not after the summary.
    expect(r.stderr.indexOf('repeat a path')).toBeLessThan(r.stderr.indexOf('path(s) changed'));
    expect(view().facl.get('tree/kinds/file')).toMatch(/^other::r-x$/m);
  });
});
