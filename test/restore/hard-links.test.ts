// Hard links: the second name of an inode the first name's steps change is planned from
// the state those steps leave (in one chunk, and in later chunks of the same thread), so it
// takes no step twice, and the dry run counts what the real run does. Both names recorded alike: the README's "one wins" is for
// names recorded with different states.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restore, restoreReady, SKIP_REASON, summaryOf } from '../helpers/restore-kit.js';
import { getfacl, makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-hard-links-');
});
afterEach(() => removeTree(dir));

const summaryLine = (stderr: string): string => (stderr.split('\n').find((l) => / path\(s\) (would )?change/.test(l)) ?? '').replace(' would change', ' changed').replace('dry run: ', '');

describe.skipIf(!restoreReady)(`hard links restored once (${SKIP_REASON})`, () => {
  for (const jobs of ['1', '2']) {
    it(`changes a hard-linked inode once and counts the same in the dry run (--jobs ${jobs})`, () => {
      const t = path.join(dir, 't');
      sh('mkdir t && cd t && printf x > f && ln f l && chmod 4755 f && setfacl -m u:4242:r-x f && touch other', dir);
      const snap = permsnap(['snapshot', '--quiet', '.'], { cwd: t });
      expect(snap.status, snap.stderr).toBe(0);
      fs.writeFileSync(path.join(dir, 'snap.facl'), snap.stdout);
      const healthy = getfacl(['-R', '-n', '.'], { cwd: t }).stdout.toString();
      sh('cd t && chown 4243:4243 f && chmod 0777 f && setfacl -m u:4244:rwx f', dir);

      const args = [path.join(dir, 'snap.facl'), '--root', t, '--no-undo', '--jobs', jobs];
      const dry = restore([...args, '--dry-run']);
      const real = restore(args);
      expect(real.status, real.stderr).toBe(0);
      expect(summaryLine(real.stderr)).toMatch(/^permsnap: 1 path\(s\) changed \(owner 1, group 1, mode 1, acl 1\), 3 already correct/);
      expect(summaryLine(dry.stderr)).toBe(summaryLine(real.stderr));
      // One name's steps in the plan, the other name already correct after them.
      expect(dry.stdout.toString().split('\n').filter((l) => / owner /.test(l))).toHaveLength(1);
      expect(getfacl(['-R', '-n', '.'], { cwd: t }).stdout.toString()).toBe(healthy);
    });
  }

  it('plans a name in a later chunk from the state the first name\'s steps leave (--jobs 1)', () => {
    const t = path.join(dir, 't');
    // Restore chunks hold 1024 paths: a/f and z/link are 1100 paths apart.
    sh('mkdir -p t/a t/z && touch t/a/f && for i in $(seq 1 1100); do touch t/z/$i; done && ln t/a/f t/z/link && chmod -R 600 t && chmod 755 t t/a t/z', dir);
    const snap = getfacl(['-R', '.'], { cwd: t });
    fs.writeFileSync(path.join(dir, 'snap.facl'), snap.stdout);
    sh('chmod -R 777 t', dir);
    const args = [path.join(dir, 'snap.facl'), '--root', t, '--no-undo', '--jobs', '1'];
    const dry = restore([...args, '--dry-run']);
    const real = restore(args);
    expect(real.status, real.stderr).toBe(0);
    expect(summaryLine(real.stderr)).toMatch(/^permsnap: 1104 path\(s\) changed \(mode 1104\), 1 already correct/);
    expect(summaryLine(dry.stderr)).toBe(summaryLine(real.stderr));
    expect(getfacl(['-R', '.'], { cwd: t }).stdout.equals(snap.stdout)).toBe(true);
  });

  const block = (p: string, id: number, perms: string[]): string =>
    `# file: ${p}\n# owner: ${id}\n# group: ${id}\nuser::${perms[0]}\ngroup::${perms[1]}\nother::${perms[2]}\n\n`;

  for (const jobs of ['1', '2']) {
    it(`says, on every run, that two names of one file are recorded unlike each other (--jobs ${jobs})`, () => {
      const t = path.join(dir, 't');
      sh('mkdir -p t/a/b && : > t/a/b/f2 && ln t/a/b/f2 t/hl && touch t/alike && ln t/alike t/a/alike2', dir);
      // Enough blocks for the snapshot to be read in pieces (1 MiB) with --jobs 2.
      let text = block('a/b/f2', 0, ['rwx', '---', '---']) + block('hl', 7, ['r--', 'r--', 'r--']);
      text += block('alike', 5, ['rw-', 'r--', '---']) + block('a/alike2', 5, ['rw-', 'r--', '---']);
      sh('mkdir t/many && cd t/many && seq 1 15000 | xargs touch', dir);
      for (let i = 1; i <= 15000; i++) text += block(`many/${i}`, 0, ['rw-', 'r--', 'r--']);
      expect(text.length).toBeGreaterThan(1 << 20);
      fs.writeFileSync(path.join(dir, 'links.facl'), text);
      const args = [path.join(dir, 'links.facl'), '--root', t, '--no-undo', '--jobs', jobs];
      const message = `${t}/hl: recorded unlike ${t}/a/b/f2, another name of this file: the file can have one state, so every run changes it again`;
      for (const extra of [['--dry-run'], [], [], []]) {
        const r = restore([...args, ...extra]);
        expect(r.status, r.stderr).toBe(1);
        // Once, whichever pass found it; and not for the names recorded alike.
        expect(r.stderr.split('\n').filter((l) => l.includes('recorded unlike'))).toEqual([`permsnap: ${message}`]);
      }
    });
  }

  for (const jobs of ['1', '2']) {
    it(`undoes exactly a restore that changed one file through two names recorded unlike, in chunks far apart (--jobs ${jobs})`, () => {
      const t = path.join(dir, 't');
      // Restore chunks hold 1024 paths: a/x and z/x are 3000 changed paths apart. The
      // journal kept z/x's state as a/x's steps had left it, and the undo ended there
      // (QA helper-134): the file was owned by 1, not 0, after it.
      sh('mkdir -p t/a t/z && : > t/a/x && ln t/a/x t/z/x && cd t/a && seq 1 3000 | xargs touch', dir);
      let text = block('a/x', 1, ['rw-', 'r--', '---']);
      for (let i = 1; i <= 3000; i++) text += block(`a/${i}`, 0, ['rw-', 'r--', 'r--']);
      text += block('z/x', 2, ['rwx', '---', '---']);
      fs.writeFileSync(path.join(dir, 'links.facl'), text);
      sh('chmod -R 777 t/a && chown 3:3 t/a/x && setfacl -m u:4242:r t/a/x', dir);
      const before = getfacl(['-R', '-n', '.'], { cwd: t }).stdout.toString();
      const journal = path.join(dir, 'undo.facl');
      const r = restore([path.join(dir, 'links.facl'), '--root', t, '--undo', journal, '--jobs', jobs]);
      expect(r.stderr).toContain('recorded unlike');
      expect(getfacl(['-R', '-n', '.'], { cwd: t }).stdout.toString()).not.toBe(before);
      // The file's state before the restore, once: not the state a/x's steps left.
      const blocks = fs.readFileSync(journal, 'latin1').split('\n\n').filter((b) => /# file: (a|z)\/x\n/.test(b));
      expect(blocks.map((b) => b.replace(/^# permsnap.*\n/gm, '').replace(/^# file: .*\n/, ''))).toEqual(Array(blocks.length).fill('# owner: 3\n# group: 3\nuser::rwx\nuser:4242:r--\ngroup::rwx\nmask::rwx\nother::rwx'));
      const undo = restore([journal, '--root', t, '--no-undo', '--jobs', jobs]);
      expect(undo.status, undo.stderr).toBe(0);
      expect(getfacl(['-R', '-n', '.'], { cwd: t }).stdout.toString()).toBe(before);
    });
  }

  it('escapes the other name in "recorded unlike" as its own path is escaped (a newline in it split the message in two lines)', () => {
    const t = path.join(dir, 't');
    fs.mkdirSync(t);
    fs.writeFileSync(path.join(t, 'a\nb'), '');
    fs.linkSync(path.join(t, 'a\nb'), path.join(t, 'c'));
    fs.writeFileSync(path.join(dir, 'links.facl'), block('a\\012b', 0, ['rw-', '---', '---']) + block('c', 0, ['rw-', 'r--', 'r--']));
    for (const extra of [['--dry-run'], []]) {
      const r = restore([path.join(dir, 'links.facl'), '--root', t, '--no-undo', '--jobs', '1', ...extra]);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.split('\n').filter((l) => l.includes('recorded unlike'))).toEqual([
        `permsnap: ${t}/c: recorded unlike ${t}/a\\012b, another name of this file: the file can have one state, so every run changes it again`,
      ]);
    }
  });

  it('does not take a default ACL refused on one name of a file for a difference, and says a real one once, refusal and all', () => {
    const t = path.join(dir, 't');
    sh('mkdir -p t/d && touch t/a t/same && ln t/a t/d/a2 && ln t/same t/d/same2', dir);
    const withDefault = (p: string, id: number, perms: string[]): string =>
      block(p, id, perms).replace(/\n\n$/, '\ndefault:user::rwx\ndefault:group::r-x\ndefault:other::r-x\n\n');
    // a and d/a2 alike but for a default ACL (refused on a file); same and d/same2 unlike.
    const text = withDefault('a', 0, ['rw-', 'r--', 'r--']) + block('d/a2', 0, ['rw-', 'r--', 'r--'])
      + block('same', 0, ['rw-', 'r--', 'r--']) + withDefault('d/same2', 0, ['rw-', 'r--', '---']);
    fs.writeFileSync(path.join(dir, 'refused.facl'), text);
    sh('chmod 0777 t/a t/same', dir);
    for (const extra of [['--dry-run'], [], []]) {
      const r = restore([path.join(dir, 'refused.facl'), '--root', t, '--no-undo', '--jobs', '1', ...extra]);
      expect(r.status, r.stderr).toBe(1);
      const lines = r.stderr.split('\n');
      // Each on a line of its own, and counted (they were one line until QA helper-130).
      expect(lines.filter((l) => l.startsWith(`permsnap: ${t}/d/same2: `))).toEqual([
        `permsnap: ${t}/d/same2: a default ACL for something that is not a directory: refused`,
        `permsnap: ${t}/d/same2: recorded unlike ${t}/same, another name of this file: the file can have one state, so every run changes it again`,
      ]);
      expect(summaryOf(r.stderr)?.problems).toBe(3);
      expect(lines.filter((l) => l.startsWith(`permsnap: ${t}/a: `))).toEqual([`permsnap: ${t}/a: a default ACL for something that is not a directory: refused`]);
    }
  });
});
