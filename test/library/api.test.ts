// The library API as a program that depends on permsnap uses it: `import ... from
// 'permsnap'` (the package's exports map), in a process of its own, on a real tree; the
// results are checked against the real getfacl.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclReady, stripMarkers } from '../helpers/facl-text.js';
import { getfacl, isRoot, makeTempDir, REPO, removeTree, run, sh } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-api-');
});
afterEach(() => removeTree(dir));

/** Runs an ES module that imports 'permsnap' the way a dependent package would. */
function program(source: string): { status: number; stdout: string; stderr: string } {
  // A package can import itself by name from inside its own folder (Node's self-reference).
  const file = path.join(REPO, `.api-test-${process.pid}-${Date.now()}.mjs`);
  fs.writeFileSync(file, source);
  try {
    const r = run(process.execPath, [file, dir], { cwd: dir });
    return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

describe.skipIf(!aclReady || !isRoot)('the library API, imported as "permsnap" (needs root and ACLs on the temp filesystem)', () => {
  it('snapshots, parses, diffs and restores a tree as the CLI does', () => {
    sh('mkdir -p tree/sub && touch tree/sub/f && chown 1:2 tree/sub/f && chmod 4750 tree/sub/f && setfacl -m u:bin:rx tree/sub', dir);
    const expected = getfacl(['-R', 'tree'], { cwd: dir }).stdout.toString('latin1');
    const r = program(`
      import fs from 'node:fs';
      import { snapshot, parseGetfacl, diff, restore, nssResolver, PermsnapError } from 'permsnap';
      const chunks = [];
      const sink = { write: async (b) => { chunks.push(Buffer.from(b)); }, commit: async () => {}, abort: async () => {} };
      process.chdir(process.argv[2]);
      const result = await snapshot(['tree'], sink, { compat: false });
      const text = Buffer.concat(chunks);
      fs.writeFileSync('healthy.facl', text);
      const entries = parseGetfacl(text, 'healthy.facl');
      fs.chmodSync('tree/sub/f', 0o777);
      const report = [];
      const out = { write: async (b) => { report.push(Buffer.from(b).toString()); }, commit: async () => {}, abort: async () => {} };
      const d = await diff('healthy.facl', 'tree', out, { format: 'json' });
      const firstReport = JSON.parse(report.splice(0).join(''));
      // Two worker threads: once restore() has resolved, no descriptor of the tree is open.
      const summary = await restore(entries, { root: process.cwd(), ids: nssResolver(), capabilitiesKnown: true, journal: null, jobs: 2 });
      const treeOpen = fs.readdirSync('/proc/self/fd').filter((fd) => {
        try { return fs.readlinkSync('/proc/self/fd/' + fd).startsWith(process.cwd()); } catch { return false; }
      }).length;
      const after = await diff('healthy.facl', 'tree', out, { format: 'json' });
      let refused = '';
      try { parseGetfacl(Buffer.from('# file: x\\nbogus\\n'), 'bad.facl'); } catch (e) { refused = e instanceof PermsnapError ? e.located : 'other'; }
      console.log(JSON.stringify({ problems: result.problems, entries: entries.length, modified: d.modified, json: firstReport.summary, changed: summary.changed, afterModified: after.modified, refused, treeOpen }));
    `);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(stripMarkers(fs.readFileSync(path.join(dir, 'healthy.facl'), 'latin1')).replace(/^# capability: .*\n/gm, '')).toBe(expected);
    expect(out.entries).toBe(expected.split('# file: ').length - 1);
    expect(out.modified).toBe(1);
    expect(out.json).toEqual({ modified: 1, missing: 0, extra: 0 });
    expect(out.changed).toBe(1);
    expect(out.afterModified).toBe(0);
    expect(out.treeOpen).toBe(0);
    expect(out.refused).toBe('bad.facl:2: line "bogus" is neither a comment, an ACL entry nor blank, expected an entry such as user::rw-');
    expect((fs.statSync(path.join(dir, 'tree/sub/f')).mode & 0o7777).toString(8)).toBe('4750');
  });

  it('runs the README example as written (a getfacl file keeps its capabilities), and takes UTF-8 names through toByteString', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const example = /## Library\n\n[^`]*```js\n([\s\S]*?)```/.exec(readme)?.[1] as string;
    expect(example).toContain("readSnapshot('etc.facl', { info })");
    // The example's /etc is this test's tree, with a capability and a name that is not ASCII.
    sh('mkdir -p etc && touch etc/ping "etc/café" && setcap cap_net_raw=ep etc/ping', dir);
    const source = example.replaceAll("'/etc'", "'etc'").replace("toByteString('/')", "toByteString(process.cwd())")
      + `
      import { snapshot as s2, stdoutSink as o2 } from 'permsnap';
      const getfacl = (await import('node:child_process')).execFileSync('getfacl', ['-R', 'etc']);
      fs.writeFileSync('etc.facl', getfacl);
      const again = await restore(readSnapshot('etc.facl', { info }), { root: toByteString(process.cwd()), ids: nssResolver(), journal: null, capabilitiesKnown: () => info.hasMarkers });
      const chunks = [];
      const r = await s2([toByteString('etc/café')], { write: async (b) => void chunks.push(Buffer.from(b)), commit: async () => {}, abort: async () => {} }, { jobs: 1 });
      let refused = '';
      try { await s2(['etc'], o2(), { jobs: Infinity }); } catch (e) { refused = e.code + ' ' + e.message; }
      console.log(JSON.stringify({ changedByGetfaclFile: again.byField.capability, cafe: r.entries, refused }));
    `;
    const r = program(`import fs from 'node:fs';\nprocess.chdir(process.argv[2]);\n${source}`);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(out).toEqual({ changedByGetfaclFile: 0, cafe: 1, refused: 'USAGE jobs: expected an integer from 1 to 64, got Infinity' });
    expect(run('getcap', [path.join(dir, 'etc/ping')]).stdout.toString()).toContain('cap_net_raw=ep');
  });
});
