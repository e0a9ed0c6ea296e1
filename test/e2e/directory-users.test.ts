// Owners, groups and ACL qualifiers that only a directory service knows (LDAP, sssd: NSS,
// not /etc/passwd): snapshot names them as getfacl does, on every thread; restore finds
// their ids through NSS; without the service the names are problems, said by name.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDirectoryService, canUnshare, DIRECTORY_SKIP_REASON, directoryServiceReady, runInDirectoryService } from '../helpers/directory-service.js';
import { latin1 } from '../helpers/facl-text.js';
import { summaryOf } from '../helpers/restore-kit.js';
import { CLI, hasAclTools, makeTempDir, permsnap, removeTree, sh, type Run } from '../helpers/tree.js';

let dir = '';
let nss = '';
beforeAll(() => {
  dir = makeTempDir('permsnap-directory-users-');
  fs.chmodSync(dir, 0o755);
});
afterAll(() => {
  removeTree(dir);
});

const ready = directoryServiceReady && hasAclTools && canUnshare();

const inService = (cmd: string, args: string[]): Run => runInDirectoryService(nss, cmd, args, { cwd: dir });
const permsnapInService = (args: string[]): Run => inService(process.execPath, [CLI, ...args]);

/** getfacl -R of DIR/tree where the directory service answers, checked to be what snapshot --compat prints, on workers and on one thread. */
function compatAsGetfacl(tree: string): string {
  const expected = inService('getfacl', ['-R', tree]);
  expect(expected.status).toBe(0);
  for (const jobs of ['2', '1']) {
    const r = permsnapInService(['snapshot', '--compat', '--jobs', jobs, tree]);
    expect(r.status, r.stderr).toBe(0);
    expect(latin1(r.stdout)).toBe(latin1(expected.stdout));
  }
  return latin1(expected.stdout);
}

/** DIR/FILE: a snapshot of the tree taken where the directory service answers. */
function snapshotInService(file: string): string {
  const r = permsnapInService(['snapshot', '--quiet', 'tree']);
  expect(r.status, r.stderr).toBe(0);
  expect(latin1(r.stdout)).toContain('# owner: diruser100001\n');
  fs.writeFileSync(path.join(dir, file), r.stdout);
  return path.join(dir, file);
}

/** A tree of 300 files owned by directory users, some with ACL entries naming others. */
function buildTree(): void {
  sh('rm -rf tree && mkdir tree tree/d', dir);
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const file = `tree/${i % 2 === 0 ? 'd/' : ''}f${i}`;
    lines.push(`touch ${file} && chown ${100000 + i}:${199999 - i} ${file}`);
    if (i % 3 === 0) lines.push(`setfacl -m u:${150000 + i}:rw,g:${120000 + i}:r,u:4242:r ${file}`);
  }
  lines.push('setfacl -d -m u:100007:rwx,g:100008:rx tree/d');
  sh(lines.join('\n'), dir);
}

describe.skipIf(!ready)(`users and groups from a directory service (${DIRECTORY_SKIP_REASON}, getfacl, and mount namespaces)`, () => {
  let answers = false;
  beforeAll(() => {
    nss = buildDirectoryService(fs.mkdtempSync(path.join(dir, 'nss-')));
    // nscd, where it runs, answers from the host's nsswitch.conf, not the namespace's.
    answers = inService('getent', ['passwd', 'diruser100000']).status === 0;
    if (answers) buildTree();
  });
  beforeEach((ctx) => {
    if (!answers) ctx.skip('NSS does not ask the stand-in directory service here (nscd?)');
  });

  it('snapshot --compat names them as getfacl does, with workers, one thread and -n', () => {
    const expected = compatAsGetfacl('tree');
    expect(expected).toContain('# owner: diruser100000\n');
    expect(expected).toContain('group:dirgroup120000:r--\n');
    const numeric = permsnapInService(['snapshot', '--compat', '-n', 'tree']);
    expect(latin1(numeric.stdout)).toBe(latin1(inService('getfacl', ['-R', '-n', 'tree']).stdout));
  });

  it('restore resolves their names through NSS: owners, groups, ACL and default ACL entries', () => {
    const healthy = inService('getfacl', ['-R', 'tree']);
    const snap = snapshotInService('names.facl');
    sh('chown -R 0:0 tree && setfacl -R -b tree', dir);
    const r = permsnapInService(['restore', snap, '--no-undo']);
    expect(r.status, r.stderr).toBe(0);
    expect(summaryOf(r.stderr)?.problems).toBe(0);
    expect(latin1(inService('getfacl', ['-R', 'tree']).stdout)).toBe(latin1(healthy.stdout));
    expect(summaryOf(permsnapInService(['restore', snap, '--no-undo']).stderr)?.changed).toBe(0);
  });

  it('diff of the live tree against its snapshot finds nothing, by names and by ids', () => {
    const snap = snapshotInService('diff.facl');
    for (const extra of [[], ['-n']]) {
      const r = permsnapInService(['diff', snap, 'tree', ...extra]);
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('names a module answers with strings of its own (not in the buffer it was given) are read at their pointers', () => {
    // Owners from the buffer and from the module's memory side by side: the buffer then
    // holds one answer while the pointer names another.
    sh('rm -rf own && mkdir own && touch own/a own/b && chown 100005:100006 own/a && chown 200001:200002 own/b && setfacl -m u:200003:r,g:200004:w,u:100009:x own/b', dir);
    const expected = compatAsGetfacl('own');
    expect(expected).toContain('# owner: cacheduser200001\n# group: cachedgroup200002\n');
    expect(expected).toContain('user:cacheduser200003:r--\n');
    const snap = permsnapInService(['snapshot', '--quiet', 'own']);
    fs.writeFileSync(path.join(dir, 'own.facl'), snap.stdout);
    sh('chown -R 0:0 own && setfacl -R -b own', dir);
    const r = permsnapInService(['restore', 'own.facl', '--no-undo']);
    expect(r.status, r.stderr).toBe(0);
    expect(latin1(inService('getfacl', ['-R', 'own']).stdout)).toBe(expected);
  });

  it('asks a service that answers "try again" again; one that keeps failing is said so, not "unknown"', () => {
    sh('rm -rf svc && mkdir svc && touch svc/a svc/b && chmod 0666 svc/a svc/b', dir);
    fs.writeFileSync(path.join(dir, 'svc.facl'),
      '# file: svc/a\n# owner: flakyuser\n# group: root\nuser::rw-\ngroup::r--\nother::---\n\n' +
      '# file: svc/b\n# owner: downuser\n# group: downgroup\nuser::rw-\nuser:downuser:r--\ngroup::r--\nmask::r--\nother::---\n\n');
    for (const jobs of ['1', '2']) {
      const r = permsnapInService(['restore', 'svc.facl', '--no-undo', '--jobs', jobs]);
      expect(r.status, r.stderr).toBe(1);
      // Its first answer was "try again": asked again, found.
      expect(fs.statSync(path.join(dir, 'svc/a')).uid).toBe(200100);
      expect(r.stderr).not.toContain('flakyuser');
      expect(r.stderr).toMatch(/\/svc\/b: user "downuser" \(owner, ACL\): the lookup failed: Resource temporarily unavailable \(is the directory service up\?\)$/m);
      expect(r.stderr).toMatch(/\/svc\/b: group "downgroup": the lookup failed: Resource temporarily unavailable \(is the directory service up\?\)$/m);
      expect(r.stderr).not.toMatch(/unknown (user|group) "down/);
      // Its mode needs no name.
      expect(fs.statSync(path.join(dir, 'svc/b')).mode & 0o777).toBe(0o640);
      fs.chownSync(path.join(dir, 'svc/a'), 0, 0);
    }
  });

  it('without the directory service, each unknown name is a problem for its path; the other steps still run', () => {
    const snap = snapshotInService('unknown.facl');
    sh('chmod 0600 tree/f1 && chown 0:0 tree/f1', dir);
    const r = permsnap(['restore', snap, '--no-undo'], { cwd: dir });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/\/tree\/f1: unknown user "diruser100001"$/m);
    expect(r.stderr).toMatch(/\/tree\/f1: unknown group "dirgroup199998"$/m);
    // Its mode needs no name.
    expect(fs.statSync(path.join(dir, 'tree/f1')).mode & 0o777).toBe(0o644);
  });
});
