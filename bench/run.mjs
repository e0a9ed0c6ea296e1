#!/usr/bin/env node
// Benchmarks against the peer tools, measured alternately in the same run (never timed
// tests). Usage: npm run bench -- snapshot|diff|restore [DIR] [--runs N]
// npm run bench -- scale [N,N...] [--runs N]: snapshot's peak RSS on the /usr copy given N times.
// Without DIR, a metadata-only copy of /usr is made under /tmp (cp --attributes-only:
// the same modes, owners, ACLs and capabilities, no file data) and reused.
// npm run bench -- restore-acl [--runs N]: restore's bench on a tree with an access ACL on
// every file and directory (200 directories of 250 files, made once under /tmp).
// npm run bench -- tar [--runs N]: snapshot --from-tar against tar -tv listing the same
// archive (gzip, zstd, xz, plain), with the data of /usr, made once under /tmp.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'bin/permsnap.js');
const [which = 'snapshot', ...rest] = process.argv.slice(2);
const runsAt = rest.indexOf('--runs');
const runs = runsAt >= 0 ? Number(rest.splice(runsAt, 2)[1]) : 5;

function usrCopy() {
  const target = '/tmp/permsnap-bench-usr';
  if (!fs.existsSync(path.join(target, '.complete'))) {
    fs.rmSync(target, { recursive: true, force: true });
    console.error(`making a metadata copy of /usr in ${target} (once)...`);
    const r = spawnSync('cp', ['-a', '--attributes-only', '/usr', target], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('cp failed');
    fs.writeFileSync(path.join(target, '.complete'), '');
  }
  return target;
}

/**
 * A tree where restore's symlink-safe route costs most against setfacl's by path: every
 * file has an extended ACL, which each restore reads through the file's pinned descriptor
 * (README, "Performance", says why that route is slower than setfacl's by name).
 */
function aclTree() {
  const target = '/tmp/permsnap-bench-acltree';
  if (!fs.existsSync(path.join(target, '.complete'))) {
    fs.rmSync(target, { recursive: true, force: true });
    console.error(`making a tree with an ACL on every file in ${target} (once)...`);
    for (let d = 0; d < 200; d++) {
      const dir = path.join(target, `d${String(d).padStart(3, '0')}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 250; f++) fs.writeFileSync(path.join(dir, `f${String(f).padStart(3, '0')}`), '');
    }
    // No symlink in it: setfacl -R follows none here.
    const r = spawnSync('setfacl', ['-R', '-m', 'u:1001:rw,u:1002:r,g:2001:rx', target], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('setfacl failed');
    fs.writeFileSync(path.join(target, '.complete'), '');
  }
  return target;
}

// The node running this first on the PATH: the one bin/permsnap.js starts when run as a command.
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` };

/** Runs a command under GNU time; returns seconds and peak RSS in MB. */
function timed(cmd, args, cwd) {
  const out = fs.openSync('/dev/null', 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { cwd, env, stdio: ['ignore', out, 'pipe'], maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.closeSync(out);
  const lines = r.stderr.toString().trim().split('\n');
  return { seconds, rssMb: Number(lines.at(-1)) / 1024, status: r.status };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function compare(label, peer, ours, n = runs) {
  const peerRuns = [];
  const ourRuns = [];
  for (let i = 0; i < n; i++) {
    peerRuns.push(peer());
    ourRuns.push(ours());
  }
  const p = median(peerRuns.map((r) => r.seconds));
  const o = median(ourRuns.map((r) => r.seconds));
  const rss = Math.max(...ourRuns.map((r) => r.rssMb));
  console.log(`${label}: peer median ${p.toFixed(3)} s, permsnap median ${o.toFixed(3)} s, ratio ${(o / p).toFixed(3)}, permsnap peak RSS ${rss.toFixed(1)} MB (${n} runs each, alternating)`);
  return { peer: p, permsnap: o, ratio: o / p, rssMb: rss };
}

function benchSnapshot(dirArg) {
  const dir = path.resolve(dirArg ?? usrCopy());
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const entries = spawnSync('sh', ['-c', `find "${base}" | wc -l`], { cwd: parent }).stdout.toString().trim();
  console.log(`tree: ${dir} (${entries} entries), node ${process.version}, ${runs} runs`);
  // Byte identity first: a fast wrong answer is worth nothing.
  const g = spawnSync('getfacl', ['-R', base], { cwd: parent, maxBuffer: 1 << 30 });
  const p = spawnSync(process.execPath, [cli, 'snapshot', '--compat', '--quiet', base], { cwd: parent, maxBuffer: 1 << 30 });
  console.log(`--compat output identical to getfacl -R: ${g.stdout.equals(p.stdout)} (${g.stdout.length} bytes)`);
  compare('snapshot vs getfacl -R', () => timed('getfacl', ['-R', base], parent), () => timed(process.execPath, [cli, 'snapshot', '--quiet', base], parent));
  compare('snapshot --jobs 1 vs getfacl -R', () => timed('getfacl', ['-R', base], parent), () => timed(process.execPath, [cli, 'snapshot', '--jobs', '1', '--quiet', base], parent));
}

async function benchDiff() {
  const { generateSnapshots } = await import('./gen-snapshots.mjs');
  const dir = '/tmp/permsnap-bench-diff';
  fs.mkdirSync(dir, { recursive: true });
  const a = path.join(dir, 'before.facl');
  const b = path.join(dir, 'after.facl');
  const expected = generateSnapshots(a, b);
  console.log(`two snapshots of ${expected.entries} entries (after shuffled): expected ${expected.modified} modified, ${expected.missing} missing, ${expected.extra} extra`);
  const r = spawnSync(process.execPath, [cli, 'diff', a, b, '--format', 'json'], { maxBuffer: 1 << 30 });
  const summary = JSON.parse(r.stdout.toString()).summary;
  const exact = summary.modified === expected.modified && summary.missing === expected.missing && summary.extra === expected.extra;
  console.log(`permsnap diff counts: ${JSON.stringify(summary)} exact: ${exact}`);
  const sortBoth = () => timed('sh', ['-c', `LC_ALL=C sort "${a}" > /dev/null && LC_ALL=C sort "${b}" > /dev/null`], dir);
  const ours = () => timed(process.execPath, [cli, 'diff', a, b, '--format', 'json'], dir);
  const result = compare('diff vs LC_ALL=C sort of both files', sortBoth, ours);
  console.log(`peak RSS ${result.rssMb.toFixed(0)} MB (target <= 1024 MB)`);
}

/**
 * restore vs setfacl --restore, on a metadata copy of /usr: the snapshot is the real
 * getfacl's; the damage is `chmod -R a+rwx`, redone before every timed run; the tree is
 * checked against the snapshot after each tool. permsnap keeps its undo journal (its
 * default), written under the bench directory. Every timed run, of either tool, starts
 * after a `sync`: otherwise the kernel writes back the copy, the damage or the previous
 * run's changes while it runs (132k dirty inodes), on CPUs the tool needs: right after the
 * copy, one build took 4.6-5.4 s unsynced and 3.7-4.2 s synced, back to back.
 */
function benchRestore(dirArg) {
  const source = path.resolve(dirArg ?? usrCopy());
  const work = '/tmp/permsnap-bench-restore';
  const base = path.basename(source);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work);
  const copy = spawnSync('cp', ['-a', '--attributes-only', source, path.join(work, base)], { stdio: 'inherit' });
  if (copy.status !== 0) throw new Error('cp failed');
  const snapshotFile = path.join(work, 'healthy.facl');
  const snap = spawnSync('getfacl', ['-R', base], { cwd: work, maxBuffer: 1 << 30 });
  fs.writeFileSync(snapshotFile, snap.stdout);
  const entries = snap.stdout.toString('latin1').split('\n# file: ').length;
  console.log(`tree: copy of ${source} (${entries} entries), snapshot by getfacl -R, node ${process.version}, ${runs} runs`);
  const damage = () => spawnSync('chmod', ['-R', 'a+rwx', base], { cwd: work });
  const settled = (run) => () => {
    spawnSync('sync');
    return run();
  };
  const healthy = () => spawnSync('getfacl', ['-R', base], { cwd: work, maxBuffer: 1 << 30 }).stdout.equals(snap.stdout);
  let journal = 0;
  const setfacl = settled(() => timed('setfacl', [`--restore=${snapshotFile}`], work));
  // Run as a command, as an admin runs it (npx, PATH): bin/permsnap.js then gives restore its V8 flag.
  const permsnapRestore = settled(() => timed(cli, ['restore', snapshotFile, '--quiet', '--undo', path.join(work, `undo-${journal++}.facl`)], work));
  const checked = (label, run) => () => {
    const r = run();
    if (!healthy()) throw new Error(`${label} left the tree different from the snapshot`);
    return r;
  };
  const damaged = (run) => () => {
    damage();
    return run();
  };
  compare('restore of a damaged tree (chmod -R a+rwx) vs setfacl --restore', checked('setfacl', damaged(setfacl)), checked('permsnap', damaged(permsnapRestore)));
  compare('restore of a healthy tree vs setfacl --restore', checked('setfacl', setfacl), checked('permsnap', permsnapRestore));
  console.log('tree identical to the snapshot after every run of both tools: true');
}

/**
 * Peak RSS on big trees: the metadata copy of /usr given N times as PATH operands (default
 * 8, 16 and 32 times: about 1.1M, 2.2M and 4.4M entries), written to /dev/null. The target
 * is a ceiling whatever the tree size, so the figures should level off below 150 MB.
 */
function benchScale(countsArg) {
  const dir = usrCopy();
  const counts = countsArg ? countsArg.split(',').map(Number) : [8, 16, 32];
  console.log(`tree: ${dir} given N times, node ${process.version}, ${runs} runs each`);
  for (const n of counts) {
    const rss = [];
    for (let i = 0; i < runs; i++) rss.push(timed(process.execPath, [cli, 'snapshot', '--quiet', ...Array(n).fill(dir)], '/tmp').rssMb);
    console.log(`snapshot of ${n}x the tree: peak RSS ${rss.map((m) => m.toFixed(0)).join(', ')} MB (max ${Math.max(...rss).toFixed(1)} MB)`);
  }
}

const TAR_DIR = '/tmp/permsnap-bench-tar';
/** What the tar benchmark archives: /usr's biggest parts, with their data (about 1.5 GB here). */
const TAR_MEMBERS = ['usr/share', 'usr/lib/x86_64-linux-gnu', 'usr/bin', 'usr/sbin'];
const XZ_MEMBERS = ['usr/share']; // xz compresses at a few MB/s here: a smaller archive for it

/** Runs a shell command once, or skips it when its output is already complete. */
function makeOnce(file, script) {
  if (fs.existsSync(`${file}.complete`)) return file;
  console.error(`making ${file} (once)...`);
  const r = spawnSync('sh', ['-c', script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`failed: ${script}`);
  fs.writeFileSync(`${file}.complete`, '');
  return file;
}

function tarArchives() {
  fs.mkdirSync(TAR_DIR, { recursive: true });
  const tarOf = (members) => `tar --acls --xattrs --xattrs-include='*' -cf - -C / ${members.join(' ')} 2>/dev/null`;
  const plain = makeOnce(`${TAR_DIR}/usr.tar`, `${tarOf(TAR_MEMBERS)} > ${TAR_DIR}/usr.tar; test -s ${TAR_DIR}/usr.tar`);
  return {
    plain,
    gzip: makeOnce(`${TAR_DIR}/usr.tar.gz`, `gzip -1 -c ${plain} > ${TAR_DIR}/usr.tar.gz`),
    zstd: makeOnce(`${TAR_DIR}/usr.tar.zst`, `zstd -q -T2 -3 -c ${plain} > ${TAR_DIR}/usr.tar.zst`),
    xz: makeOnce(`${TAR_DIR}/share.tar.xz`, `${tarOf(XZ_MEMBERS)} | xz -T2 -1 -c > ${TAR_DIR}/share.tar.xz`),
  };
}

const mb = (bytes) => bytes / 1e6;

/** Members getfacl -R would print: all but symlinks (tar -tv's first letter "l"). */
function printableMembers(listFlags, file) {
  const r = spawnSync('sh', ['-c', `tar ${listFlags} "${file}" | grep -vc '^l'`], { maxBuffer: 1 << 28 });
  return Number(r.stdout.toString().trim());
}

function snapshotCount(file) {
  const r = spawnSync(process.execPath, [cli, 'snapshot', '--quiet', '--from-tar', file], { maxBuffer: 1 << 30 });
  const m = /# permsnap: end, (\d+) entries/.exec(r.stdout.toString('latin1'));
  return { count: m ? Number(m[1]) : -1, status: r.status, text: r.stdout };
}

async function benchTar() {
  const n = process.argv.includes('--runs') ? runs : 3;
  const a = tarArchives();
  const tarBytes = fs.statSync(a.plain).size;
  console.log(`node ${process.version}, ${n} runs each; archive of ${TAR_MEMBERS.join(' ')}: ${mb(tarBytes).toFixed(0)} MB as tar`);
  const cases = [
    ['gzip', a.gzip, '-tvzf'],
    ['zstd', a.zstd, '--zstd -tvf'],
    ['xz', a.xz, '-tvJf'],
    ['plain', a.plain, '-tvf'],
  ];
  // Correctness first: one block per non-symlink member, and the same text whatever the compression.
  const reference = snapshotCount(a.plain);
  for (const [label, file, flags] of cases) {
    const got = label === 'plain' ? reference : snapshotCount(file);
    const expected = printableMembers(flags, file);
    const same = label === 'xz' ? '' : `, text identical to the plain archive's: ${got.text.equals(reference.text)}`;
    console.log(`${label}: ${got.count} blocks for ${expected} non-symlink members (exit ${got.status})${same}`);
  }
  for (const [label, file, flags] of cases) {
    const size = fs.statSync(file).size;
    const listed = label === 'xz' ? Number(spawnSync('sh', ['-c', `xz -dc "${file}" | wc -c`]).stdout.toString().trim()) : tarBytes;
    const r = compare(
      `${label} (${mb(size).toFixed(0)} MB file, ${mb(listed).toFixed(0)} MB tar): --from-tar vs tar ${flags}`,
      () => timed('sh', ['-c', `tar ${flags} "${file}" > /dev/null`], TAR_DIR),
      () => timed(process.execPath, [cli, 'snapshot', '--quiet', '--from-tar', file], TAR_DIR),
      n,
    );
    console.log(`  permsnap reads ${(mb(size) / r.permsnap).toFixed(1)} MB/s of the ${label} file, ${(mb(listed) / r.permsnap).toFixed(1)} MB/s of tar`);
  }
  compare(
    'gzip --sort: --from-tar --sort vs tar -tvzf',
    () => timed('sh', ['-c', `tar -tvzf "${a.gzip}" > /dev/null`], TAR_DIR),
    () => timed(process.execPath, [cli, 'snapshot', '--quiet', '--sort', '--from-tar', a.gzip], TAR_DIR),
    n,
  );
  // The decompressors alone (permsnap's own module over the file), against the C tools.
  const decompressOnly = `const { openArchive, decompress } = await import(${JSON.stringify(path.join(repo, 'dist/archive/decompress.js'))});
    const { stream } = await decompress(openArchive(process.argv[1])); for await (const c of stream) void c;`;
  for (const [label, file, tool] of [['gzip (node:zlib)', a.gzip, 'gzip -dc'], ['zstd (fzstd)', a.zstd, 'zstd -dc'], ['xz (xz-decompress)', a.xz, 'xz -dc']]) {
    const out = Number(spawnSync('sh', ['-c', `${tool} "${file}" | wc -c`]).stdout.toString().trim());
    const r = compare(
      `decompress only, ${label} vs ${tool}`,
      () => timed('sh', ['-c', `${tool} "${file}" > /dev/null`], TAR_DIR),
      () => timed(process.execPath, ['--input-type=module', '-e', decompressOnly, file], TAR_DIR),
      n,
    );
    console.log(`  ${label}: ${(mb(out) / r.permsnap).toFixed(1)} MB/s out; ${tool}: ${(mb(out) / r.peer).toFixed(1)} MB/s out`);
  }
}

const benches = { snapshot: benchSnapshot, scale: benchScale, diff: benchDiff, restore: benchRestore, 'restore-acl': () => benchRestore(aclTree()), tar: benchTar };
const bench = benches[which];
if (!bench) {
  console.error(`unknown benchmark ${which}; choose one of: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
await bench(rest[0]);
