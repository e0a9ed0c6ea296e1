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
      const summary = await restore(entries, { root: process.cwd(), ids: nssResolver(), capabilitiesKnown: true, journal: null });
      const after = await diff('healthy.facl', 'tree', out, { format: 'json' });
      let refused = '';
      try { parseGetfacl(Buffer.from('# file: x\\nbogus\\n'), 'bad.facl'); } catch (e) { refused = e instanceof PermsnapError ? e.located : 'other'; }
      console.log(JSON.stringify({ problems: result.problems, entries: entries.length, modified: d.modified, json: firstReport.summary, changed: summary.changed, afterModified: after.modified, refused }));
    `);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(stripMarkers(fs.readFileSync(path.join(dir, 'healthy.facl'), 'latin1')).replace(/^# capability: .*\n/gm, '')).toBe(expected);
    expect(out.entries).toBe(expected.split('# file: ').length - 1);
    expect(out.modified).toBe(1);
    expect(out.json).toEqual({ modified: 1, missing: 0, extra: 0 });
    expect(out.changed).toBe(1);
    expect(out.afterModified).toBe(0);
    expect(out.refused).toBe('bad.facl:2: line "bogus" is neither a comment, an ACL entry nor blank, expected an entry such as user::rw-');
    expect((fs.statSync(path.join(dir, 'tree/sub/f')).mode & 0o7777).toString(8)).toBe('4750');
  });
});
