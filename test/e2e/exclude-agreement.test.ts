// --exclude as every side takes it (contracts.md: "nothing beneath it is printed, diffed or
// restored"): a live walk leaves out an argument beneath an excluded directory, as a
// snapshot file's paths beneath it are left out; only `--exclude .` leaves out the root of
// `snapshot .`; and what excludes every path is said, not passed for a snapshot or a diff
// of nothing. Before: `diff abs.facl /tmp/x/srv --exclude /tmp` called every live path
// extra, a nagios check of a baseline filtered away said OK of 0 paths, `snapshot -o` of
// every path excluded replaced the baseline with an empty file, and `--exclude '?'` left
// out the whole of `snapshot .`.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

const dir = makeTempDir('permsnap-exclude-agree-');
afterAll(() => removeTree(dir));
sh('mkdir -p t1/srv/app/bin && touch t1/srv/app/bin/tool t1/srv/app/f && mkdir gg && touch gg/p gg/q', dir);
const srv = path.join(dir, 't1/srv');
const files = (text: string): string[] => [...text.matchAll(/^# file: (.*)$/gm)].map((m) => m[1] as string);

describe('--exclude of a directory above the tree walked', () => {
  it('leaves the live side out as it leaves out a snapshot file\'s paths: diff finds no drift', () => {
    const baseline = permsnap(['snapshot', srv, '-o', path.join(dir, 'abs.facl')]);
    expect(baseline.status, baseline.stderr).toBe(0);
    // A relative operand beneath the excluded directory, the other side a file.
    const sub = permsnap(['snapshot', 't1/srv/app', '-o', 'sub.facl'], { cwd: dir });
    expect(sub.status, sub.stderr).toBe(0);
    const partly = permsnap(['diff', 'sub.facl', 't1/srv/app', '--exclude', 't1/srv/app/bin'], { cwd: dir });
    expect([partly.status, partly.stdout.toString()]).toEqual([0, '0 modified, 0 missing, 0 extra\n']);
    // Every path of both sides excluded: nothing compared is trouble, not "no differences".
    for (const [args, status, out] of [[[], 2, ''], [['--format', 'nagios'], 3, 'PERMSNAP UNKNOWN - the exclude globs left out every path of both sides']] as const) {
      const r = permsnap(['diff', 'abs.facl', srv, '--exclude', path.dirname(path.dirname(srv)), ...args], { cwd: dir });
      expect(r.status, r.stderr).toBe(status);
      expect(r.stdout.toString().slice(0, out.length)).toBe(out);
      // Trouble found reading, not a usage error: no synopsis after it.
      if (status === 2) expect(r.stderr.toString()).toBe('permsnap: the exclude globs left out every path of both sides: nothing was compared (is the glob right?)\n');
    }
    const relative = permsnap(['diff', 'sub.facl', 't1/srv/app', '--exclude', 't1'], { cwd: dir });
    expect(relative.status, relative.stdout.toString()).toBe(2);
  });

  it('snapshot records nothing of such an argument, and says the snapshot is empty (exit 1), keeping -o\'s file', () => {
    fs.writeFileSync(path.join(dir, 'kept.facl'), 'a good baseline\n');
    const r = permsnap(['snapshot', srv, '--exclude', path.dirname(srv), '-o', 'kept.facl'], { cwd: dir });
    expect([r.status, r.stderr]).toEqual([1, "permsnap: kept.facl: not written: no path was recorded: --exclude left out every one\n"]);
    expect(fs.readFileSync(path.join(dir, 'kept.facl'), 'utf8')).toBe('a good baseline\n');
    const out = permsnap(['snapshot', 't1/srv', '--exclude', 't1'], { cwd: dir });
    expect([out.status, out.stdout.length, out.stderr]).toEqual([1, 0, 'permsnap: the snapshot is empty: no path was recorded: --exclude left out every one\n']);
  });
});

describe('the root of `snapshot .`', () => {
  it('is left out by `--exclude .` alone: `?` and `[!p]` match one-letter names beneath it', () => {
    const gg = path.join(dir, 'gg');
    expect(files(permsnap(['snapshot', '.', '--exclude', '?'], { cwd: gg }).stdout.toString())).toEqual(['.']);
    expect(files(permsnap(['snapshot', '.', '--exclude', '[!p]', '--sort'], { cwd: gg }).stdout.toString())).toEqual(['.', 'p']);
    expect(permsnap(['snapshot', '.', '--exclude', '.'], { cwd: gg }).status).toBe(1);
  });
});

describe('a snapshot that records nothing', () => {
  it('is refused on stdout too (exit 1), from a live tree and from an empty archive; with -s, none is a tree without ACLs (exit 0)', () => {
    sh('tar cf empty.tar --files-from /dev/null', dir);
    const archive = permsnap(['snapshot', '--from-tar', 'empty.tar'], { cwd: dir });
    expect([archive.status, archive.stdout.length, archive.stderr]).toEqual([1, 0, 'permsnap: the snapshot is empty: no member of the archive was recorded\n']);
    const skipBase = permsnap(['snapshot', '-s', 'gg'], { cwd: dir });
    expect([skipBase.status, skipBase.stdout.length, skipBase.stderr]).toEqual([0, 0, '']);
  });
});

describe('".." in a walked path', () => {
  it('is no name a glob matches, and what is before it no ancestor: `../t1 --exclude .*`, `t1/../gg --exclude t1` are walked', () => {
    const gg = path.join(dir, 'gg');
    for (const glob of ['.*', '.?']) {
      const r = permsnap(['snapshot', '../t1', '--exclude', glob, '--sort'], { cwd: gg });
      expect([glob, r.status, files(r.stdout.toString())]).toEqual([glob, 0, ['../t1', '../t1/srv', '../t1/srv/app', '../t1/srv/app/bin', '../t1/srv/app/bin/tool', '../t1/srv/app/f']]);
    }
    const sibling = permsnap(['snapshot', 't1/../gg', '--exclude', 't1', '--sort'], { cwd: dir });
    expect([sibling.status, files(sibling.stdout.toString())]).toEqual([0, ['t1/../gg', 't1/../gg/p', 't1/../gg/q']]);
    const above = permsnap(['snapshot', 't1/srv/..', '--exclude', 'srv', '--sort'], { cwd: dir });
    expect([above.status, files(above.stdout.toString())]).toEqual([0, ['t1/srv/..']]);
    // Taken as the words say: t1/srv/app/.. is t1/srv, excluded with all in it; and a glob
    // written as the path is matches it.
    for (const [arg, glob] of [['t1/srv/app/..', 'srv'], ['t1/srv/app/..', '/t1/srv'], ['t1/srv/..', 't1/srv/..'], ['t1/srv/..', 't1']]) {
      const r = permsnap(['snapshot', arg, '--exclude', glob], { cwd: dir });
      expect([arg, glob, r.status, r.stdout.length]).toEqual([arg, glob, 1, 0]);
    }
    // A glob written as a walked path with ".." leaves out what is beneath it on both sides.
    sh('getfacl -R t1/srv/.. > dotdot.facl 2>/dev/null', dir);
    const beneath = permsnap(['diff', 'dotdot.facl', 't1/srv/..', '--exclude', 't1/srv/../srv/app'], { cwd: dir });
    expect([beneath.status, beneath.stdout.toString()]).toEqual([0, '0 modified, 0 missing, 0 extra\n']);
    const whole = permsnap(['diff', 'dotdot.facl', 't1/srv/..', '--exclude', 't1/srv/..'], { cwd: dir });
    expect([whole.status, whole.stderr.toString()]).toEqual([2, 'permsnap: the exclude globs left out every path of both sides: nothing was compared (is the glob right?)\n']);
    // "/../x" walked is getfacl's "../x" in a file: both sides take it alike.
    expect(permsnap(['snapshot', `/..${srv}`, '-o', 'climbs.facl'], { cwd: dir }).status).toBe(0);
    for (const glob of [`${srv}/app`, path.dirname(srv)]) {
      const r = permsnap(['diff', 'climbs.facl', `/..${srv}`, '--exclude', glob], { cwd: dir });
      expect([glob, r.status, r.stdout.toString()]).toEqual([glob, 0, '0 modified, 0 missing, 0 extra\n']);
    }
    // No wildcard matches "..", in an anchored glob either.
    for (const glob of ['.?*/**', '??/*', '**/.?*/**']) {
      const r = permsnap(['snapshot', '../t1/srv/app/bin', '--exclude', glob], { cwd: gg });
      expect([glob, r.status, files(r.stdout.toString())]).toEqual([glob, 0, ['../t1/srv/app/bin', '../t1/srv/app/bin/tool']]);
    }
    // A snapshot file's paths are taken the same way: no path is left out of either side.
    expect(permsnap(['snapshot', '../t1', '-o', '../rel.facl'], { cwd: gg }).status).toBe(0);
    const compared = permsnap(['diff', '../rel.facl', '../t1', '--exclude', '.*', '--format', 'nagios'], { cwd: gg });
    expect([compared.status, compared.stdout.toString()]).toEqual([0, 'PERMSNAP OK - no differences in 6 paths | modified=0;;;0 missing=0;;;0 extra=0;;;0\n']);
  });
});

describe('an empty snapshot that no --exclude made', () => {
  it('is what getfacl gives (exit 0), to stdout and -o alike: `-P` of a symlink, an empty stdin list, -s of a tree without ACLs', () => {
    sh('ln -sfn gg link', dir);
    const written = path.join(dir, 'written.facl');
    for (const [args, input] of [[['-P', 'link'], ''], [['-'], ''], [['-s', 'gg'], '']] as const) {
      const r = permsnap(['snapshot', ...args, '--exclude', 'zzz'], { cwd: dir, input });
      expect([args, r.status, r.stdout.length, r.stderr.toString()]).toEqual([args, 0, 0, '']);
      // -s of a tree whose ACLs were all removed: the file says so, not the ACLs it held.
      fs.writeFileSync(written, 'an older snapshot\n');
      const o = permsnap(['snapshot', ...args, '-o', written], { cwd: dir, input });
      expect([args, o.status, o.stderr.toString(), fs.readFileSync(written, 'utf8')]).toEqual([args, 0, '', '']);
    }
    // "-o -" is stdout: no file named "-" in what is said.
    const dash = permsnap(['snapshot', 't1/srv', '--exclude', 't1', '-o', '-'], { cwd: dir });
    expect([dash.status, dash.stderr.toString()]).toEqual([1, 'permsnap: the snapshot is empty: no path was recorded: --exclude left out every one\n']);
  });

  it('of an archive is refused with -s too, unless -s left out members without ACLs', () => {
    sh('tar cf empty.tar --files-from /dev/null && tar cf plain.tar gg', dir);
    fs.writeFileSync(path.join(dir, 'kept2.facl'), 'a good baseline\n');
    const empty = permsnap(['snapshot', '--from-tar', 'empty.tar', '-s', '-o', 'kept2.facl'], { cwd: dir });
    expect([empty.status, empty.stderr.toString()]).toEqual([1, 'permsnap: kept2.facl: not written: no member of the archive was recorded\n']);
    expect(fs.readFileSync(path.join(dir, 'kept2.facl'), 'utf8')).toBe('a good baseline\n');
    const plain = permsnap(['snapshot', '--from-tar', 'plain.tar', '-s'], { cwd: dir });
    expect([plain.status, plain.stdout.length, plain.stderr.toString()]).toEqual([0, 0, '']);
    const plainFile = permsnap(['snapshot', '--from-tar', 'plain.tar', '-s', '-o', 'kept2.facl'], { cwd: dir });
    expect([plainFile.status, plainFile.stderr.toString(), fs.readFileSync(path.join(dir, 'kept2.facl'), 'utf8')]).toEqual([0, '', '']);
    const excluded = permsnap(['snapshot', '--from-tar', 'plain.tar', '--exclude', 'gg'], { cwd: dir });
    expect([excluded.status, excluded.stderr.toString()]).toEqual([1, 'permsnap: the snapshot is empty: no member of the archive was recorded (--exclude left out 3)\n']);
  });
});
