// The undo journal: `permsnap restore JOURNAL --root SAME` gives back exactly the state
// before the restore (getfacl -R and getcap -r identical to the damaged tree), the original
// snapshot then heals the tree again; the journal is getfacl text that setfacl --restore
// accepts; --no-undo writes none; the default file lands in ROOT/var/lib/permsnap/undo/.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOddTree } from '../helpers/odd-tree.js';
import { capTree, faclTree, finished, restore, restoreReady, SKIP_REASON, spawnRestore, writeSnapshot } from '../helpers/restore-kit.js';
import { CLI, makeTempDir, removeTree, run, sh } from '../helpers/tree.js';

let dir = '';
let elsewhere = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-undo-');
  elsewhere = makeTempDir('permsnap-undo-cwd-');
});
afterEach(() => {
  removeTree(dir);
  removeTree(elsewhere);
});

interface TreeView {
  facl: Map<string, string>;
  caps: string[];
}

const view = (): TreeView => ({ facl: faclTree(dir), caps: capTree(dir) });

const snapshot = (): string => writeSnapshot(dir);

/** Every field restore knows, damaged somewhere (the capability file keeps its capability). */
function damage(): void {
  sh('chmod -R a+rwx tree 2>/dev/null || true', dir);
  sh('setfacl -b tree/acls/named tree/acls/setuid-with-acl && setfacl -k tree/acls/with-default', dir);
  sh('setfacl -m u:4444:rwx,g:5555:r tree/kinds/file tree/special/sticky-dir', dir);
  sh('setfacl -d -m u:4444:rx tree/special/setgid-dir', dir);
  sh('chown 1000:1000 tree/special/setuid tree/deep && chown 4242 tree/owners/mixed', dir);
}

/**
 * argv: how, a, b, a stop file. "exchange": a and b exchanged (renameat2 RENAME_EXCHANGE);
 * "in-and-out": b renamed to a, and back; over and over until the stop file exists. Prints
 * how often.
 */
const SWAPPER = String.raw`
import ctypes, os, sys
how, a, b, stop = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode(), sys.argv[4]
libc = ctypes.CDLL(None, use_errno=True)
swaps = 0
while not os.path.exists(stop):
    for _ in range(100):
        if how == 'exchange':
            if libc.renameat2(-100, a, -100, b, 2) != 0:
                raise OSError(ctypes.get_errno(), 'renameat2')
        else:
            os.rename(b, a)
            os.rename(a, b)
        swaps += 1
print(swaps)
`;

describe.skipIf(!restoreReady)(`restore's undo journal (${SKIP_REASON})`, () => {
  for (const fallbacks of [[], ['--force-fallbacks']]) {
    const how = fallbacks.length ? ' (with --force-fallbacks)' : '';
    it(`gives back exactly the damaged state with --root SAME, and the snapshot heals the tree again${how}`, () => {
      buildOddTree(dir);
      const snap = snapshot();
      const healthy = view();
      damage();
      const damaged = view();
      expect(damaged.facl).not.toEqual(healthy.facl);
      const journal = path.join(dir, 'undo.facl');

      const r = restore([snap, '--root', dir, '--undo', journal, ...fallbacks], { cwd: elsewhere });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`undo journal: ${journal}`);
      expect(view()).toEqual(healthy);

      const undo = restore([journal, '--root', dir, '--no-undo', ...fallbacks], { cwd: elsewhere });
      expect(undo.status, undo.stderr).toBe(0);
      expect(view()).toEqual(damaged);
      // The journal's closing copy of its last block (it carries the end marker) is no repeat.
      expect(undo.stderr).not.toContain('repeat');

      const again = restore([snap, '--root', dir, '--no-undo', ...fallbacks], { cwd: elsewhere });
      expect(again.status, again.stderr).toBe(0);
      expect(view()).toEqual(healthy);
    });
  }

  it('refuses an undo journal another user owns or others can write, changing nothing (after chmod -R a+rwx / anyone could have put one where the undo command looks)', () => {
    sh('mkdir t && touch t/f t/evil && chmod 666 t/f && chmod 755 t/evil', dir);
    const journal = path.join(dir, 'undo.facl');
    fs.writeFileSync(path.join(dir, 'snap.facl'), '# file: t/f\nuser::rw-\ngroup::r--\nother::---\n\n');
    expect(restore([path.join(dir, 'snap.facl'), '--root', dir, '--undo', journal], { cwd: elsewhere }).status).toBe(0);
    // What an attacker's journal would say: their file made setuid root.
    fs.appendFileSync(journal, '# file: t/evil\n# owner: 0\n# group: 0\n# flags: s--\nuser::rwx\ngroup::r-x\nother::r-x\n\n');
    for (const [how, says] of [[() => fs.chownSync(journal, 65534, 65534), 'owned by uid 65534, not by this user'], [() => fs.chmodSync(journal, 0o666), 'writable by others']] as const) {
      fs.chownSync(journal, 0, 0);
      fs.chmodSync(journal, 0o600);
      how();
      const r = restore([journal, '--root', dir, '--no-undo'], { cwd: elsewhere });
      expect([r.status, r.stderr]).toEqual([2, `permsnap: ${journal}: an undo journal ${says}: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)\n`]);
      expect(fs.statSync(path.join(dir, 't/evil')).mode & 0o7777).toBe(0o755);
      expect(fs.statSync(path.join(dir, 't/f')).mode & 0o777).toBe(0o640);
    }
    // Gzip: the first line is read inflated. (A journal without its end marker is read as a
    // run cut short: the attacker's block alone after the real first line.)
    const original = fs.readFileSync(journal);
    const evil = Buffer.from('# file: t/evil\n# owner: 0\n# group: 0\n# flags: s--\nuser::rwx\ngroup::r-x\nother::r-x\n\n');
    const text = Buffer.concat([original.subarray(0, original.indexOf(10) + 1), evil]);
    const gzipped = path.join(dir, 'undo.facl.gz');
    fs.writeFileSync(gzipped, zlib.gzipSync(text));
    fs.chownSync(gzipped, 65534, 65534);
    const viaGzip = restore([gzipped, '--root', dir, '--no-undo'], { cwd: elsewhere });
    expect([viaGzip.status, viaGzip.stderr]).toEqual([2, `permsnap: ${gzipped}: an undo journal owned by uid 65534, not by this user: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)\n`]);
    // Where the undo command looks (a permsnap/undo/ directory), without its first line.
    const place = path.join(dir, 'var/lib/permsnap/undo');
    fs.mkdirSync(place, { recursive: true });
    const headless = path.join(place, '20261204T000000Z.facl');
    fs.writeFileSync(headless, text.subarray(text.indexOf(10) + 1));
    fs.chownSync(headless, 65534, 65534);
    const inPlace = restore([headless, '--root', dir, '--no-undo'], { cwd: elsewhere });
    expect([inPlace.status, inPlace.stderr]).toEqual([2, `permsnap: ${headless}: in an undo journal directory, a file owned by uid 65534, not by this user: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)\n`]);
    // A FIFO there is judged by its stat, never opened (the writer would wait for a reader).
    const fifo = path.join(place, 'fifo.facl');
    sh(`mkfifo '${fifo}' && chown 65534 '${fifo}'`, dir);
    const viaFifo = restore([fifo, '--root', dir, '--no-undo'], { cwd: elsewhere });
    expect([viaFifo.status, viaFifo.stderr]).toEqual([2, `permsnap: ${fifo}: in an undo journal directory, a file owned by uid 65534, not by this user: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)\n`]);
    // Beneath a directory whose name is not UTF-8: named by its bytes, as the reader names it.
    const odd = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xe9]), Buffer.from('/permsnap/undo')]);
    fs.mkdirSync(odd, { recursive: true });
    const oddFile = Buffer.concat([odd, Buffer.from('/j.facl')]);
    fs.writeFileSync(oddFile, text);
    fs.chownSync(oddFile, 65534, 65534);
    // The argument as bytes: a shell's printf makes the 0xE9 byte (Node would write UTF-8).
    const viaOdd = spawnSync('sh', ['-c', `exec "$0" "$1" restore "$(printf '${dir}/\\351/permsnap/undo/j.facl')" --root "$2" --no-undo`, process.execPath, CLI, dir], { cwd: elsewhere, encoding: 'latin1' });
    expect([viaOdd.status, viaOdd.stderr]).toEqual([2, `permsnap: ${dir}/\\xe9/permsnap/undo/j.facl: in an undo journal directory, a file owned by uid 65534, not by this user: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)\n`]);
    // Reached through a symlink, or `..` past one: where the file really is counts.
    fs.symlinkSync(headless, path.join(dir, 'link.facl'));
    fs.symlinkSync(place, path.join(dir, 'ulink'));
    for (const via of [path.join(dir, 'link.facl'), path.join(dir, 'ulink', path.basename(headless))]) {
      const linked = restore([via, '--root', dir, '--no-undo'], { cwd: elsewhere });
      expect([linked.status, linked.stderr]).toEqual([2, `permsnap: ${via}: in an undo journal directory, a file owned by uid 65534, not by this user: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)\n`]);
    }
    // Blanks or blank lines before the first line, which the reader takes as a journal's all
    // the same (blank lines made it an ordinary snapshot, unjudged: QA helper-134), gzipped too.
    const blank = path.join(dir, 'blank.facl');
    for (const before of [' '.repeat(300), '\n', '\r\n', '  \t\n\n \r\r\n\t', `${' '.repeat(8000)}\n`]) {
      for (const bytes of [Buffer.concat([Buffer.from(before), text]), zlib.gzipSync(Buffer.concat([Buffer.from(before), text]))]) {
        fs.writeFileSync(blank, bytes);
        fs.chownSync(blank, 65534, 65534);
        const viaBlank = restore([blank, '--root', dir, '--no-undo'], { cwd: elsewhere });
        expect([viaBlank.status, viaBlank.stderr]).toEqual([2, `permsnap: ${blank}: an undo journal owned by uid 65534, not by this user: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)\n`]);
      }
    }
    // Read as "-" from the file (`- < FILE`), judged as the file named is: by its first line
    // (from where the reader starts) and by its place (QA helper-134: it was applied).
    for (const [file, what] of [[blank, 'an undo journal'], [gzipped, 'an undo journal'], [headless, 'in an undo journal directory, a file']] as const) {
      const viaStdin = spawnSync('sh', ['-c', 'exec "$0" "$1" restore - --root "$2" --no-undo < "$3"', process.execPath, CLI, dir, file], { cwd: elsewhere, encoding: 'latin1' });
      expect([viaStdin.status, viaStdin.stderr]).toEqual([2, `permsnap: standard input (${file}): ${what} owned by uid 65534, not by this user: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)\n`]);
    }
    // From where the reader starts: a journal after a line the shell read first is one.
    fs.writeFileSync(blank, Buffer.concat([Buffer.from('skipped by the shell\n'), text]));
    const afterRead = spawnSync('sh', ['-c', '{ read -r line; exec "$0" "$1" restore - --root "$2" --no-undo; } < "$3"', process.execPath, CLI, dir, blank], { cwd: elsewhere, encoding: 'latin1' });
    expect([afterRead.status, afterRead.stderr]).toEqual([2, `permsnap: standard input (${blank}): an undo journal owned by uid 65534, not by this user: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)\n`]);
    // A gzip journal whose text is held back: a 5000-byte name in its header, or 220 empty members first.
    const gz = zlib.gzipSync(text);
    const named = Buffer.concat([gz.subarray(0, 3), Buffer.from([(gz[3] as number) | 0x08]), gz.subarray(4, 10), Buffer.alloc(5000, 0x61), Buffer.from([0]), gz.subarray(10)]);
    const members = Buffer.concat([...Array.from({ length: 220 }, () => zlib.gzipSync('')), gz]);
    for (const [name, bytes] of [['named.facl.gz', named], ['members.facl.gz', members]] as const) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      fs.chownSync(file, 65534, 65534);
      expect(zlib.gunzipSync(bytes).equals(text)).toBe(true);
      const held = restore([file, '--root', dir, '--no-undo'], { cwd: elsewhere });
      expect([held.status, held.stderr]).toEqual([2, `permsnap: ${file}: an undo journal owned by uid 65534, not by this user: refused, as another user could have written what it would apply (if you trust it, copy it as yourself and restore the copy)\n`]);
    }
    expect(fs.statSync(path.join(dir, 't/evil')).mode & 0o7777).toBe(0o755);
    expect(fs.statSync(path.join(dir, 't/f')).mode & 0o777).toBe(0o640);
  });

  for (const how of ['exchange', 'in-and-out'] as const) {
    const swap = how === 'exchange' ? 'exchanged with it (renameat2 RENAME_EXCHANGE)' : 'renamed to its name and away again, the real one moved out';
    it(`reads the very journal it checked: another user's file ${swap}, over and over, is refused or not read, never applied`, async () => {
      sh('mkdir t && touch t/f t/evil && chmod 666 t/f && chmod 755 t/evil', dir);
      fs.writeFileSync(path.join(dir, 'snap.facl'), '# file: t/f\nuser::rw-\ngroup::r--\nother::---\n\n');
      const made = restore([path.join(dir, 'snap.facl'), '--root', dir], { cwd: elsewhere });
      expect(made.status).toBe(0);
      // In the default place, where the undo command looks: any file there is a journal.
      const journal = (made.stderr.match(/undo with: permsnap restore (\S+)/) ?? [])[1] as string;
      expect(path.dirname(journal)).toBe(path.join(dir, 'var/lib/permsnap/undo'));
      // The attacker's (once anyone can write there): their file made setuid root, no first line needed.
      const evil = path.join(dir, 'evil.facl');
      fs.writeFileSync(evil, '# file: t/evil\n# owner: 0\n# group: 0\n# flags: s--\nuser::rwx\ngroup::r-x\nother::r-x\n\n');
      fs.chownSync(evil, 65534, 65534);
      if (how === 'in-and-out') fs.renameSync(journal, path.join(dir, 'moved-away.facl'));
      const stop = path.join(dir, 'stop');
      const swapper = spawn('python3', ['-c', SWAPPER, how, journal, evil, stop], { stdio: ['ignore', 'pipe', 'pipe'] });
      const swapped = finished(swapper, 120_000);
      const statuses: (number | null)[] = [];
      try {
        for (let i = 0; i < 20; i++) {
          const r = await finished(spawnRestore([journal, '--root', dir, '--no-undo', '--quiet', '--jobs', String(1 + (i % 3))], elsewhere));
          statuses.push(r.status);
          expect([0, 2], r.stderr).toContain(r.status);
          if (r.status === 2) expect(r.stderr).toMatch(/in an undo journal directory, a file owned by uid 65534, not by this user: refused|cannot read the snapshot: no such file or directory/);
          expect(fs.statSync(path.join(dir, 't/evil')).mode & 0o7777, `run ${i + 1} applied the file swapped in`).toBe(0o755);
        }
      } finally {
        fs.writeFileSync(stop, '');
      }
      const s = await swapped;
      expect([s.status, s.stderr]).toEqual([0, '']);
      expect(Number(s.stdout), 'the swapper did not swap').toBeGreaterThan(1000);
      // The real journal, when it is there, is read.
      if (how === 'in-and-out') expect(statuses.every((status) => status === 2)).toBe(true);
    });
  }

  it('gives back the damaged state without --root: the journal records paths that need none', () => {
    buildOddTree(dir);
    const snap = snapshot();
    const healthy = view();
    damage();
    const damaged = view();
    const journal = path.join(elsewhere, 'undo.facl');
    const r = restore([snap, '--undo', journal], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(view()).toEqual(healthy);
    // Run from another directory: the journal must not depend on the restore's cwd.
    const undo = restore([journal, '--no-undo'], { cwd: elsewhere });
    expect(undo.status, undo.stderr).toBe(0);
    expect(view()).toEqual(damaged);
  });

  it('gives back the damaged state after chown -R, which had also removed the capability and setuid bits', () => {
    buildOddTree(dir);
    const snap = snapshot();
    const healthy = view();
    sh('chown -R 1000:1000 tree', dir);
    const damaged = view();
    expect(damaged.caps).toEqual([]);
    const journal = path.join(dir, 'undo.facl');
    expect(restore([snap, '--root', dir, '--undo', journal], { cwd: elsewhere }).status).toBe(0);
    expect(view()).toEqual(healthy);
    expect(restore([journal, '--root', dir, '--no-undo'], { cwd: elsewhere }).status).toBe(0);
    expect(view()).toEqual(damaged);
  });

  it('removes again a capability that the restore put back (the journal says the file had none)', () => {
    buildOddTree(dir);
    const snap = snapshot();
    const healthy = view();
    expect(healthy.caps.length).toBe(1);
    sh('setcap -r tree/kinds/with-capability && chmod 777 tree/kinds/file', dir);
    const damaged = view();
    expect(damaged.caps).toEqual([]);
    const journal = path.join(dir, 'undo.facl');
    const r = restore([snap, '--root', dir, '--undo', journal], { cwd: elsewhere });
    expect(r.status, r.stderr).toBe(0);
    expect(view()).toEqual(healthy);
    const undo = restore([journal, '--root', dir, '--no-undo'], { cwd: elsewhere });
    expect(undo.status, undo.stderr).toBe(0);
    expect(capTree(dir)).toEqual(damaged.caps);
    expect(view()).toEqual(damaged);
  });

  it('writes a journal that is getfacl text: numeric ids, markers, and setfacl --restore accepts it', () => {
    buildOddTree(dir);
    const snap = snapshot();
    damage();
    const damaged = view();
    const journal = path.join(dir, 'undo.facl');
    expect(restore([snap, '--root', dir, '--undo', journal], { cwd: elsewhere }).status).toBe(0);
    const text = fs.readFileSync(journal, 'latin1');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^# /); // the first line records the root and the time
    expect(lines[0]).toContain(dir);
    expect(text).toMatch(/^# permsnap: begin$/m);
    expect(text).toMatch(/^# permsnap: end, \d+ entries$/m);
    expect(text.endsWith('\n\n')).toBe(true);
    for (const l of lines.filter((x) => /^# (owner|group): /.test(x))) expect(l).toMatch(/^# (owner|group): \d+$/);
    for (const l of lines.filter((x) => /^(default:)?(user|group):[^:]/.test(x))) expect(l).toMatch(/^(default:)?(user|group):\d+:/);
    // Paths are relative to the restore root.
    for (const l of lines.filter((x) => x.startsWith('# file: '))) expect(l).toMatch(/^# file: tree(\/|$)/);

    // The dry-run parse of the journal is clean.
    const parse = restore([journal, '--root', dir, '--dry-run'], { cwd: elsewhere });
    expect(parse.status, parse.stderr).toBe(0);

    // setfacl --restore of the journal (cwd = the root) brings back what getfacl saw.
    const setfacl = run('setfacl', [`--restore=${journal}`], { cwd: dir });
    expect(setfacl.stderr).toBe('');
    expect(setfacl.status).toBe(0);
    expect(faclTree(dir)).toEqual(damaged.facl);
  });

  it('writes no journal with --no-undo', () => {
    buildOddTree(dir);
    const snap = snapshot();
    damage();
    const hostUndo = '/var/lib/permsnap/undo';
    const hostBefore = fs.existsSync(hostUndo) ? fs.readdirSync(hostUndo) : null;
    const r = restore([snap, '--root', dir, '--no-undo'], { cwd: elsewhere });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('undo journal');
    expect(fs.existsSync(path.join(dir, 'var'))).toBe(false);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    expect(fs.existsSync(hostUndo) ? fs.readdirSync(hostUndo) : null).toEqual(hostBefore);
  });

  it('writes the journal under ROOT/var/lib/permsnap/undo/ by default when --root is given, and prints its path', () => {
    buildOddTree(dir);
    const snap = snapshot();
    damage();
    const damaged = view();
    const undoDir = path.join(dir, 'var/lib/permsnap/undo');
    try {
      const r = restore([snap, '--root', dir], { cwd: elsewhere });
      expect(r.status, r.stderr).toBe(0);
      const files = fs.readdirSync(undoDir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^\d{8}T\d{6}Z\.facl$/);
      const journal = path.join(undoDir, files[0] as string);
      expect(r.stderr).toContain(`undo journal: ${journal}`);
      expect(fs.readFileSync(journal, 'latin1')).toMatch(/^# permsnap: end, \d+ entries$/m);
      expect(restore([journal, '--root', dir, '--no-undo'], { cwd: elsewhere }).status).toBe(0);
      expect(view()).toEqual(damaged);
    } finally {
      fs.rmSync(path.join(dir, 'var'), { recursive: true, force: true });
    }
  });

  it('prints an undo command that, run as printed from anywhere, gives back the damaged state', () => {
    buildOddTree(dir);
    const snap = snapshot();
    damage();
    const damaged = view();
    const journal = path.join(dir, 'undo.facl');
    const r = restore([snap, '--root', dir, '--undo', journal], { cwd: elsewhere });
    expect(r.status, r.stderr).toBe(0);
    const printed = /undo with: permsnap (restore [^)\n]*)\)/.exec(r.stderr)?.[1];
    expect(printed, r.stderr).toBeDefined();
    const args = (printed as string).split(' ').slice(1); // paths here have no spaces
    const undo = restore([...args, '--no-undo'], { cwd: elsewhere });
    expect(undo.status, `${printed}\n${undo.stderr}`).toBe(0);
    expect(view()).toEqual(damaged);
  });

  it('prints the journal in the undo command as an absolute path, and warns when a journal is undone beneath another root', () => {
    // Big enough (over 1 MiB of journal) that --jobs 2 reads it whole, as a big journal is
    // read: long names make the blocks big, so that few files do.
    const first = path.join(dir, 'first');
    const other = path.join(dir, 'other');
    const long = 'n'.repeat(200);
    for (const [root, dirs, files] of [[first, 20, 240], [other, 2, 2]] as const) {
      for (let d = 0; d < dirs; d++) {
        fs.mkdirSync(path.join(root, `d${d}`), { recursive: true });
        for (let f = 0; f < files; f++) fs.writeFileSync(path.join(root, `d${d}`, `${long}${f}`), '');
      }
    }
    const snap = path.join(dir, 'first.facl');
    expect(run(process.execPath, [CLI, 'snapshot', '-q', '-o', snap, '.'], { cwd: first }).status).toBe(0);
    sh('chmod -R 777 first', dir);
    const r = restore([snap, '--root', first, '--undo', 'relative.facl'], { cwd: elsewhere });
    expect(r.status, r.stderr).toBe(0);
    const journal = path.join(elsewhere, 'relative.facl');
    expect(fs.statSync(journal).size).toBeGreaterThan(1 << 20);
    expect(r.stderr).toContain(`(undo with: permsnap restore ${journal} --root ${first})`);
    for (const jobs of ['1', '2']) {
      const wrong = restore([journal, '--root', other, '--dry-run', '--jobs', jobs], { cwd: '/' });
      expect(wrong.stderr).toContain(`permsnap: this undo journal is of a restore beneath ${first}, not ${other}: is --root right?`);
      // Without --root, beneath the current directory: named as such.
      const here = restore([journal, '--dry-run', '--jobs', jobs], { cwd: other });
      expect(here.stderr).toContain(`permsnap: this undo journal is of a restore beneath ${first}, not the current directory ${other} (no --root): is --root right?`);
      const same = restore([journal, '--root', first, '--dry-run', '--jobs', jobs], { cwd: '/' });
      expect(same.status, same.stderr).toBe(0);
      expect(same.stderr).not.toContain('this undo journal');
      // Without --root from inside its root, the paths land where they were: nothing to say.
      const inside = restore([journal, '--dry-run', '--jobs', jobs], { cwd: first });
      expect(inside.status, inside.stderr).toBe(0);
      expect(inside.stderr).not.toContain('this undo journal');
      // A snapshot that is not a journal: no such warning.
      expect(restore([snap, '--root', other, '--dry-run', '--jobs', jobs], { cwd: '/' }).stderr).not.toContain('this undo journal');
    }
    // The root as the file says it, quoted: a forged first line prints no line or escape of its own.
    const forged = path.join(dir, 'forged.facl');
    fs.writeFileSync(forged, '# permsnap undo journal: root /x\\012permsnap: all good\\033[8m, started 2026-11-30T10:00:00.000Z\n# file: a\nuser::rw-\ngroup::r--\nother::r--\n\n');
    const said = restore([forged, '--root', other, '--dry-run'], { cwd: '/' }).stderr;
    expect(said).toContain(`this undo journal is of a restore beneath /x\\012permsnap: all good\\033[8m, not ${other}`);
    expect(said).not.toMatch(/^permsnap: all good/m);
    expect(said).not.toContain('\x1b');
    // A journal of a run without --root holds absolute paths: --root / undoes it as well.
    const absolute = path.join(dir, 'absolute.facl');
    const f = path.join(first, 'd0', `${long}0`);
    fs.writeFileSync(absolute, `# permsnap undo journal: root (none: paths as recorded), started 2026-11-30T10:00:00.000Z\n# file: ${f.slice(1)}\nuser::rw-\ngroup::r--\nother::r--\n\n`);
    expect(restore([absolute, '--root', '/', '--dry-run'], { cwd: '/' }).stderr).not.toContain('this undo journal');
    expect(restore([absolute, '--root', other, '--dry-run'], { cwd: '/' }).stderr).toContain('this undo journal is of a restore beneath (none: paths as recorded)');
  });

  it('does not warn when a journal is undone beneath its root by another name (a symlink to it, or the directory a symlinked --root led to)', () => {
    const real = path.join(dir, 'real');
    fs.mkdirSync(real);
    fs.writeFileSync(path.join(real, 'f'), '');
    fs.symlinkSync('real', path.join(dir, 'link'));
    const snap = path.join(dir, 'one.facl');
    fs.writeFileSync(snap, '# file: f\nuser::rw-\ngroup::---\nother::---\n\n');
    const journal = path.join(dir, 'j.facl');
    const r = restore([snap, '--root', path.join(dir, 'link'), '--undo', journal], { cwd: '/' });
    expect(r.status, r.stderr).toBe(0);
    for (const root of [real, path.join(dir, 'link')]) {
      const undo = restore([journal, '--root', root, '--dry-run'], { cwd: '/' });
      expect(undo.status, undo.stderr).toBe(0);
      expect(undo.stderr).not.toContain('this undo journal');
    }
    // Without --root, from inside the directory itself.
    expect(restore([journal, '--dry-run'], { cwd: real }).stderr).not.toContain('this undo journal');
    // Another directory still gets the warning.
    fs.mkdirSync(path.join(dir, 'other'));
    expect(restore([journal, '--root', path.join(dir, 'other'), '--dry-run'], { cwd: '/' }).stderr).toContain('this undo journal is of a restore beneath');
  });

  it("undoes beneath a root with a newline, a space and a quote in its name: the journal stays one header line, the printed command pastes into a shell", () => {
    const root = path.join(dir, "odd\nroot it's");
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a/f'), '');
    const snap = path.join(dir, 'odd.facl');
    fs.writeFileSync(snap, '# file: a\nuser::rwx\ngroup::r-x\nother::r-x\n\n# file: a/f\nuser::rw-\ngroup::r--\nother::r--\n\n');
    fs.chmodSync(path.join(root, 'a'), 0o700);
    fs.chmodSync(path.join(root, 'a/f'), 0o600);
    const journal = path.join(dir, 'odd-undo.facl');
    const r = restore([snap, '--root', root, '--undo', journal], { cwd: elsewhere });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(journal, 'latin1').split('\n')[1]).toMatch(/^# file: /); // the header did not spill
    const printed = /undo with: permsnap (restore [^]*)\)\n/.exec(r.stderr)?.[1] as string;
    expect(printed, r.stderr).toBeDefined();
    const undo = run('sh', ['-c', `"$0" "$1" ${printed} --no-undo`, process.execPath, CLI], { cwd: elsewhere });
    expect(undo.status, `${printed}\n${undo.stderr}`).toBe(0);
    expect((fs.statSync(path.join(root, 'a')).mode & 0o777).toString(8)).toBe('700');
    expect((fs.statSync(path.join(root, 'a/f')).mode & 0o777).toString(8)).toBe('600');
  });
});
