// What an operand of permsnap diff can be (permsnap's snapshot with markers or --compat,
// the real getfacl's text, gzip or not, '-' for stdin, a live directory) and how the two
// sides' paths are matched: a tree against itself is exit 0 whatever the operands, a leading
// / or ./ and getfacl's "tree//x" do not make paths differ, -n compares ids, a path given
// twice takes its last block, and pseudo filesystems the live walk does not enter are skipped.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latin1, tryMount, unmount } from '../helpers/facl-text.js';
import { buildOddTree } from '../helpers/odd-tree.js';
import { restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { CLI, isRoot, makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';
import { diffCli, parseDiffJson, snapshotFile, toolView } from './diff-kit.js';

let dir = '';
const mounts: string[] = [];
beforeEach(() => {
  dir = makeTempDir('permsnap-diff-operands-');
});
afterEach(() => {
  for (const m of mounts.splice(0).reverse()) unmount(m);
  removeTree(dir);
});

const NO_DIFFERENCES = '0 modified, 0 missing, 0 extra\n';

describe.skipIf(!restoreReady)(`diff of a tree against itself (${SKIP_REASON})`, () => {
  it('finds no differences (exit 0) between a snapshot, its own live tree, the real getfacl text, gzip and stdin', () => {
    buildOddTree(dir);
    const snap = snapshotFile(dir, ['tree'], 'snap.facl');
    const compat = snapshotFile(dir, ['--compat', 'tree'], 'compat.facl');
    fs.writeFileSync(path.join(dir, 'real.getfacl'), toolView(dir).text, 'latin1');
    fs.writeFileSync(path.join(dir, 'snap.facl.gz'), gzipSync(fs.readFileSync(snap)));
    // gzip is known by its magic bytes, not by a suffix.
    fs.writeFileSync(path.join(dir, 'no-suffix'), gzipSync(fs.readFileSync(path.join(dir, 'real.getfacl'))));
    // Each operand kind on each side at least once (a CLI run costs a Node start).
    const pairs: Array<{ args: string[]; input?: Buffer }> = [
      { args: [snap, snap] },
      { args: ['snap.facl', 'tree'] },
      { args: ['tree', 'tree'] },
      { args: ['real.getfacl', 'tree'] },
      { args: ['compat.facl', 'real.getfacl'] },
      { args: ['no-suffix', 'snap.facl'] },
      { args: ['-', 'tree'], input: fs.readFileSync(path.join(dir, 'snap.facl.gz')) },
      { args: ['tree', '-'], input: fs.readFileSync(path.join(dir, 'real.getfacl')) },
    ];
    for (const { args, input } of pairs) {
      const r = diffCli(args, { cwd: dir, input });
      expect(r.stderr, args.join(' ')).toBe('');
      expect([r.status, r.stdout.toString('latin1')], args.join(' ')).toEqual([0, NO_DIFFERENCES]);
    }
    expect(fs.readFileSync(compat, 'latin1')).not.toContain('# permsnap:');
  });

  it('warns when the two sides have no path in common (named from different places), and compares from the right place', () => {
    sh('mkdir -p tree/sub && touch tree/a tree/sub/b', dir);
    expect(permsnap(['snapshot', '-q', '.', '-o', '../inside.facl'], { cwd: path.join(dir, 'tree') }).status).toBe(0);
    const apart = diffCli(['inside.facl', 'tree'], { cwd: dir });
    expect(apart.status).toBe(1);
    expect(apart.stderr).toContain('permsnap: no path is on both sides: are they named from the same place?');
    const together = diffCli(['../inside.facl', '.'], { cwd: path.join(dir, 'tree') });
    expect([together.status, together.stdout.toString('latin1'), together.stderr]).toEqual([0, NO_DIFFERENCES, '']);
    // Some paths in common: real drift, no warning.
    sh('rm tree/a && touch tree/c', dir);
    const some = diffCli(['../inside.facl', '.'], { cwd: path.join(dir, 'tree') });
    expect(some.status).toBe(1);
    expect(some.stderr).toBe('');
  });

  it('compares the root (.) when both sides have it, and never counts it missing or extra (a .deb baseline, a tar of *, have none)', () => {
    sh('mkdir -p tree/sub && touch tree/a tree/sub/b && chmod 700 tree', dir);
    expect(permsnap(['snapshot', '-q', '.', '-o', '../whole.facl'], { cwd: path.join(dir, 'tree') }).status).toBe(0);
    expect(permsnap(['snapshot', '-q', 'a', 'sub', '-o', '../parts.facl'], { cwd: path.join(dir, 'tree') }).status).toBe(0);
    sh('tar -C tree -cf parts.tar a sub', dir);
    for (const [before, after] of [['../parts.facl', '.'], ['../whole.facl', '../parts.facl'], ['../parts.tar', '.'], ['../whole.facl', '../parts.tar']]) {
      const r = diffCli([before, after], { cwd: path.join(dir, 'tree') });
      expect([r.status, r.stdout.toString('latin1'), r.stderr], `${before} ${after}`).toEqual([0, NO_DIFFERENCES, '']);
    }
    fs.chmodSync(path.join(dir, 'tree'), 0o755); // both sides have it: compared
    const r = diffCli(['../whole.facl', '.'], { cwd: path.join(dir, 'tree') });
    expect([r.status, r.stdout.toString('latin1')]).toEqual([1, '1 modified, 0 missing, 0 extra\nmodified  .  mode 0700 -> 0755\n']);
  });

  it('takes operands named in UTF-8 beyond ASCII, a directory and a snapshot file alike', () => {
    sh('mkdir -p été/sub && touch été/sub/f', dir);
    expect(permsnap(['snapshot', 'été', '-o', 'café.facl'], { cwd: dir }).status).toBe(0);
    const r = diffCli(['café.facl', 'été'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('0 modified, 0 missing, 0 extra\n');
    expect(r.status).toBe(0);
  });

  it('matches paths in the relative form: a leading / or ./, a trailing /, // and /./ do not make paths differ', () => {
    buildOddTree(dir);
    const abs = path.join(dir, 'tree');
    snapshotFile(dir, ['tree'], 'relative.facl');
    snapshotFile(dir, [abs], 'stripped.facl'); // tmp/.../tree
    snapshotFile(dir, ['-p', abs], 'absolute.facl'); // /tmp/.../tree
    const real = toolView(dir).text;
    fs.writeFileSync(path.join(dir, 'dot-slash.getfacl'), real.replaceAll('# file: tree', '# file: ./tree'), 'latin1');
    fs.writeFileSync(path.join(dir, 'absolute.getfacl'), toolView(dir, abs, ['-p']).text, 'latin1');
    const slashed = toolView(dir, 'tree/').text; // getfacl prints tree/ and tree//odd
    expect(slashed).toContain('# file: tree//odd\n');
    fs.writeFileSync(path.join(dir, 'slashed.getfacl'), slashed, 'latin1');
    const dotted = toolView(dir, 'tree/.').text; // getfacl prints tree/. and tree/./odd, as restore reads tree and tree/odd
    expect(dotted).toContain('# file: tree/./odd\n');
    fs.writeFileSync(path.join(dir, 'dotted.getfacl'), dotted, 'latin1');
    const pairs = [
      ['dotted.getfacl', 'tree'],
      ['relative.facl', 'tree/.'],
      ['dot-slash.getfacl', 'tree'],
      ['relative.facl', './tree'],
      ['slashed.getfacl', 'tree'],
      ['relative.facl', 'tree/'],
      ['slashed.getfacl', './tree//'],
      ['absolute.facl', abs],
      ['absolute.getfacl', 'stripped.facl'],
      ['absolute.getfacl', `${abs}/`],
    ];
    for (const args of pairs) {
      const r = diffCli(args, { cwd: dir });
      expect(r.stderr, args.join(' ')).toBe('');
      expect([r.status, r.stdout.toString('latin1')], args.join(' ')).toEqual([0, NO_DIFFERENCES]);
    }
    // The relative tree and the absolute one are different paths: all missing, all extra.
    const blocks = toolView(dir).facl.size;
    const r = diffCli(['relative.facl', abs, '--format', 'json'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(parseDiffJson(r.stdout).summary).toEqual({ modified: 0, missing: blocks, extra: blocks });
  });

  it('compares ids with -n: the real getfacl -n text equals the live tree and a named snapshot', () => {
    buildOddTree(dir);
    snapshotFile(dir, ['tree'], 'named.facl');
    fs.writeFileSync(path.join(dir, 'numeric.getfacl'), toolView(dir, 'tree', ['-n']).text, 'latin1');
    for (const args of [['numeric.getfacl', 'tree'], ['named.facl', 'numeric.getfacl'], ['tree', 'numeric.getfacl']]) {
      const r = diffCli(['-n', ...args], { cwd: dir });
      expect(r.stderr).toBe('');
      expect([r.status, r.stdout.toString('latin1')], args.join(' ')).toEqual([0, NO_DIFFERENCES]);
    }
    // -n sees a change of owner from one name to another as a change of id.
    sh('chown daemon tree/special/none', dir);
    const r = diffCli(['-n', 'numeric.getfacl', 'tree', '--format', 'json'], { cwd: dir });
    expect(r.status).toBe(1);
    const doc = parseDiffJson(r.stdout);
    const uid = (name: string): string => sh(`id -u ${name}`, dir).trim();
    expect(doc.changes).toEqual([{ kind: 'modified', path: 'tree/special/none', fields: [{ field: 'owner', before: uid('root'), after: uid('daemon') }] }]);
  });

  it('compares an archive\'s own ids with -n, as snapshot --from-tar -n prints them, not its names looked up here', () => {
    sh('mkdir t && touch t/f && chown -R 4321:4321 t && setfacl -m u:4322:r-- t/f', dir);
    // Names that this host gives other ids (or none): only the ids in the archive are right.
    sh('tar --acls --owner=daemon:4321 --group=daemon:4321 -cf t.tar t', dir);
    const r = diffCli(['-n', 't.tar', 't'], { cwd: dir });
    expect([r.status, r.stdout.toString('latin1')], r.stderr).toEqual([0, NO_DIFFERENCES]);
    expect(diffCli(['t.tar', 't'], { cwd: dir }).status).toBe(1); // by name, daemon is not uid 4321 here
  });
});

describe.skipIf(!restoreReady)(`diff of snapshots that give a path twice (${SKIP_REASON})`, () => {
  it('lets the last block win, with one warning naming the snapshot, on either side (getfacl -R tree tree/sub does this)', () => {
    sh('mkdir -p tree/sub/deeper && touch tree/sub/f tree/sub/deeper/g tree/top', dir);
    const text = toolView(dir, 'tree').text + toolView(dir, 'tree/sub').text;
    const paths = text.split('\n').filter((l) => l.startsWith('# file: '));
    const repeated = paths.length - new Set(paths).size;
    expect(repeated).toBe(4);
    fs.writeFileSync(path.join(dir, 'dup.getfacl'), text, 'latin1');
    for (const args of [['dup.getfacl', 'tree'], ['tree', 'dup.getfacl']]) {
      const r = diffCli(args, { cwd: dir });
      expect([r.status, latin1(r.stdout)]).toEqual([0, NO_DIFFERENCES]);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^permsnap: dup\\.getfacl: .*\\b${repeated}\\b`));
    }
    // Given three times, a path is still one path given more than once.
    fs.writeFileSync(path.join(dir, 'dup3.getfacl'), text + toolView(dir, 'tree/sub').text, 'latin1');
    const thrice = diffCli(['dup3.getfacl', 'tree'], { cwd: dir });
    expect(thrice.stderr).toMatch(new RegExp(`^permsnap: dup3\\.getfacl: ${repeated} path\\(s\\) given more than once`));
    // The last block of tree/sub/f says 0600: that is what BEFORE holds.
    const lastSays = text.slice(0, text.lastIndexOf('# file: tree/sub/f\n')) +
      text.slice(text.lastIndexOf('# file: tree/sub/f\n')).replace(/user::rw-\ngroup::r--\nother::r--/, 'user::rw-\ngroup::---\nother::---');
    expect(lastSays).not.toBe(text);
    fs.writeFileSync(path.join(dir, 'last.getfacl'), lastSays, 'latin1');
    const r = diffCli(['last.getfacl', 'tree', '--format', 'json'], { cwd: dir });
    expect(r.status).toBe(1);
    const mode = (fs.statSync(path.join(dir, 'tree/sub/f')).mode & 0o7777).toString(8).padStart(4, '0');
    expect(parseDiffJson(r.stdout).changes).toEqual([{ kind: 'modified', path: 'tree/sub/f', fields: [{ field: 'mode', before: '0600', after: mode }] }]);
    // And on the AFTER side: the first block of tree/sub/f agrees with BEFORE, the last does not.
    const reverse = diffCli(['tree', 'last.getfacl', '--format', 'json'], { cwd: dir });
    expect(reverse.status).toBe(1);
    expect(parseDiffJson(reverse.stdout).changes).toEqual([{ kind: 'modified', path: 'tree/sub/f', fields: [{ field: 'mode', before: mode, after: '0600' }] }]);
    // The first block differs and the last agrees: no change.
    const firstSays = text.replace(/(# file: tree\/sub\/f\n(?:# .*\n)*)user::rw-\ngroup::r--\nother::r--/, '$1user::rw-\ngroup::---\nother::---');
    expect(firstSays).not.toBe(text);
    fs.writeFileSync(path.join(dir, 'first.getfacl'), firstSays, 'latin1');
    const settled = diffCli(['tree', 'first.getfacl'], { cwd: dir });
    expect([settled.status, latin1(settled.stdout)]).toEqual([0, NO_DIFFERENCES]);
  });
});

describe.skipIf(!restoreReady || !isRoot)(`diff against a live tree with a pseudo filesystem mounted in it (needs root to mount; ${SKIP_REASON})`, () => {
  it('does not report what lies beneath a pseudo filesystem the live side does not enter, and says so', (ctx) => {
    sh('mkdir -p tree/mq tree/plain && touch tree/plain/file', dir);
    const mq = path.join(dir, 'tree/mq');
    if (!tryMount('mqueue', mq)) return ctx.skip();
    mounts.push(mq);
    fs.writeFileSync(path.join(mq, 'queue'), '');
    snapshotFile(dir, ['--all-filesystems', 'tree'], 'all.facl');
    const real = toolView(dir); // the real getfacl walks into the mount
    expect(real.facl.has('tree/mq/queue')).toBe(true);
    fs.writeFileSync(path.join(dir, 'real.getfacl'), real.text, 'latin1');
    for (const args of [['all.facl', 'tree'], ['tree', 'real.getfacl']]) {
      const r = diffCli(args, { cwd: dir });
      expect([r.status, latin1(r.stdout)], args.join(' ')).toEqual([0, NO_DIFFERENCES]);
      expect(r.stderr).toMatch(/^permsnap: .*tree\/mq/m);
    }
    // Nagios counts the paths compared: tree, mq, plain, plain/file; not mq/queue.
    const nagios = diffCli(['all.facl', 'tree', '--format', 'nagios'], { cwd: dir });
    expect(latin1(nagios.stdout)).toMatch(/^PERMSNAP OK - no differences in 4 paths \|/);
    // Changes elsewhere still count; the mount point's own block is compared.
    sh('chmod 0600 tree/plain/file', dir);
    const r = diffCli(['real.getfacl', 'tree', '--format', 'json'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(parseDiffJson(r.stdout).changes.map((c) => [c.kind, c.path])).toEqual([['modified', 'tree/plain/file']]);
  });
});

describe.skipIf(!isRoot)('diff run niced (needs root: only root lowers a side worker\'s priority, and only root could raise it again)', () => {
  it('never gives a thread more priority than the process had: nice -n 19 stays 19 on every thread', async () => {
    sh('mkdir t && touch t/a', dir);
    const before = snapshotFile(dir, ['t'], 'w.facl');
    const fifo = path.join(dir, 'after.fifo');
    sh(`mkfifo ${fifo}`, dir);
    // AFTER read from a FIFO: its worker waits there, at the priority it gave itself.
    const child = spawn('nice', ['-n', '19', process.execPath, CLI, 'diff', before, fifo], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const nices = async (): Promise<number[]> => {
      for (let tries = 0; tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const tasks = fs.readdirSync(`/proc/${child.pid}/task`);
        // The main thread, libuv's and V8's, and the two side workers' (with their own V8 threads).
        if (tasks.length >= 10) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          return fs.readdirSync(`/proc/${child.pid}/task`).map((t) => Number(fs.readFileSync(`/proc/${child.pid}/task/${t}/stat`, 'latin1').split(') ')[1]!.split(' ')[16]));
        }
      }
      throw new Error('the diff did not start its workers');
    };
    try {
      expect(new Set(await nices())).toEqual(new Set([19]));
    } finally {
      fs.writeFileSync(fifo, fs.readFileSync(before));
    }
    expect(await exited).toBe(0);
  });
});
