// contrib/permsnap-baseline.sh, the job behind the systemd service and timer: a dated,
// gzipped, sorted baseline that diffs clean against the tree it was taken of, older ones
// pruned to PERMSNAP_KEEP, excludes honoured, bad settings refused.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filePaths } from '../helpers/facl-text.js';
import { CLI, hasCommand, makeTempDir, permsnap, REPO, removeTree, run, sh } from '../helpers/tree.js';

const SCRIPT = path.join(REPO, 'contrib/permsnap-baseline.sh');
let dir = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-baseline-');
  sh('mkdir -p tree/a tree/skip && touch tree/a/f tree/skip/g && chmod 4755 tree/a/f', dir);
});
afterEach(() => removeTree(dir));

function job(settings: Record<string, string>): ReturnType<typeof run> {
  const env = { ...process.env, PERMSNAP: `${process.execPath} ${CLI}`, PERMSNAP_TARGET: 'tree', PERMSNAP_DIR: path.join(dir, 'baselines'), ...settings };
  return run('sh', [SCRIPT], { cwd: dir, env });
}

describe.skipIf(!hasCommand('sh'))('contrib/permsnap-baseline.sh (the systemd job)', () => {
  it('writes a private, dated, gzipped, sorted baseline that diffs clean against its tree, and keeps the newest KEEP', () => {
    const baselines = path.join(dir, 'baselines');
    fs.mkdirSync(baselines);
    for (const old of ['20200101T000000Z.facl.gz', '20210101T000000Z.facl.gz']) fs.writeFileSync(path.join(baselines, old), '');
    fs.writeFileSync(path.join(baselines, 'notes.txt'), 'not a baseline');

    const r = job({ PERMSNAP_KEEP: '2', PERMSNAP_EXCLUDE: 'tree/skip' });
    expect(r.status, r.stderr).toBe(0);
    const names = fs.readdirSync(baselines).sort();
    expect(names).toHaveLength(4);
    expect(names).toContain('20210101T000000Z.facl.gz');
    expect(names).toContain('notes.txt');
    const written = names.find((n) => /^\d{8}T\d{6}Z\.facl\.gz$/.test(n) && !n.startsWith('2021')) as string;
    expect(fs.readlinkSync(path.join(baselines, 'latest.facl.gz'))).toBe(written);
    expect(fs.statSync(baselines).mode & 0o777).toBe(0o700);

    const text = zlib.gunzipSync(fs.readFileSync(path.join(baselines, written))).toString('latin1');
    const paths = filePaths(text);
    expect(paths).toEqual(['tree', 'tree/a', 'tree/a/f']);
    expect(text).toMatch(/^# flags: s--$/m);
    const d = permsnap(['diff', path.join(baselines, written), 'tree', '--exclude', 'tree/skip'], { cwd: dir });
    expect(d.status, d.stdout.toString()).toBe(0);
  });

  it('takes its excludes from the exclude file when PERMSNAP_EXCLUDE is unset, so checks can share the file', () => {
    const excludes = path.join(dir, 'excludes');
    fs.writeFileSync(excludes, '# as in contrib/permsnap.excludes\ntree/skip\n');
    const r = job({ PERMSNAP_EXCLUDE_FROM: excludes });
    expect(r.status, r.stderr).toBe(0);
    const latest = path.join(dir, 'baselines/latest.facl.gz');
    expect(filePaths(zlib.gunzipSync(fs.readFileSync(latest)).toString('latin1'))).toEqual(['tree', 'tree/a', 'tree/a/f']);
    const d = permsnap(['diff', latest, 'tree', '--exclude-from', excludes], { cwd: dir });
    expect(d.status, d.stdout.toString()).toBe(0);
    // A second run moves latest.facl.gz to the newer baseline (same second: same name, replaced).
    fs.chmodSync(path.join(dir, 'tree/a/f'), 0o700);
    expect(job({ PERMSNAP_EXCLUDE_FROM: excludes }).status).toBe(0);
    expect(zlib.gunzipSync(fs.readFileSync(latest)).toString('latin1')).toMatch(/^# file: tree\/a\/f\n(# .*\n)*user::rwx\ngroup::---\n/m);
  });

  it('refuses an exclude file it was pointed at that does not exist (a typo must not change what is left out)', () => {
    const r = job({ PERMSNAP_EXCLUDE_FROM: path.join(dir, 'no-such-excludes') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PERMSNAP_EXCLUDE_FROM: no such file: .*no-such-excludes/);
    expect(fs.existsSync(path.join(dir, 'baselines'))).toBe(false);
  });

  it('fails (exit 2) when the target cannot be read at all, and latest.facl.gz keeps naming the last good baseline', () => {
    expect(job({}).status).toBe(0);
    const latest = path.join(dir, 'baselines/latest.facl.gz');
    const good = fs.readlinkSync(latest);
    const r = job({ PERMSNAP_TARGET: 'no-such-tree' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no-such-tree: No such file or directory');
    expect(fs.readlinkSync(latest)).toBe(good);
    expect(filePaths(zlib.gunzipSync(fs.readFileSync(latest)).toString('latin1'))).toContain('tree/a/f');
  });

  it('refuses a KEEP that is not a whole number >= 1, writing nothing', () => {
    const r = job({ PERMSNAP_KEEP: '0' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PERMSNAP_KEEP must be a whole number >= 1, got '0'/);
    expect(fs.existsSync(path.join(dir, 'baselines'))).toBe(false);
  });

  it('ships a service that runs the script (exit 1, unreadable paths, still counts as success) and a daily timer', () => {
    const service = fs.readFileSync(path.join(REPO, 'contrib/permsnap-baseline.service'), 'utf8');
    expect(service).toMatch(/^ExecStart=\/usr\/local\/sbin\/permsnap-baseline\.sh$/m);
    expect(service).toMatch(/^SuccessExitStatus=1$/m);
    expect(fs.readFileSync(path.join(REPO, 'contrib/permsnap-baseline.timer'), 'utf8')).toMatch(/^OnCalendar=daily$/m);
  });
});
