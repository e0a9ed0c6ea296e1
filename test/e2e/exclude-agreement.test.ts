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
      expect(r.stdout.toString()).toContain(out);
      if (status === 2) expect(r.stderr).toContain('permsnap: the exclude globs left out every path of both sides: nothing was compared');
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
