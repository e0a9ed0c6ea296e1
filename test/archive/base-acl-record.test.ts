// An access ACL record that holds only user::, group:: and other:: (archivers that store
// every file's ACL write one): GNU tar applies it on extraction, over the header's mode, so
// --from-tar must print its bits, not the header's. The archive is written by tar-stream,
// since GNU tar never writes such a record itself.

import fs from 'node:fs';
import path from 'node:path';
import tarStream from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclReady } from '../helpers/facl-text.js';
import { getfacl, makeTempDir, removeTree, run } from '../helpers/tree.js';
import { hasGnuTar, snapshotOk } from './archive-kit.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-base-acl-record-');
});
afterEach(() => removeTree(dir));

async function writeArchive(file: string): Promise<void> {
  const p = tarStream.pack();
  const base = { uname: 'root', gname: 'root', uid: 0, gid: 0 };
  p.entry({ ...base, name: 'f', mode: 0o4777, pax: { 'SCHILY.acl.access': 'user::r--,group::r--,other::r--' } }, '');
  p.entry({ ...base, name: 'g', mode: 0o640, pax: { 'SCHILY.acl.access': 'user::rwx\ngroup::r-x\nother::--x\n' } }, '');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p) chunks.push(chunk as Buffer);
  fs.writeFileSync(file, Buffer.concat(chunks));
}

describe.skipIf(!aclReady || !hasGnuTar)('--from-tar with a base-only access ACL record (needs ACLs, GNU tar)', () => {
  it('prints the bits the record sets, special bits kept, as GNU tar extracts them', async () => {
    const archive = path.join(dir, 'base.tar');
    await writeArchive(archive);
    const printed = snapshotOk(['--compat', '--from-tar', archive], dir);
    fs.mkdirSync(path.join(dir, 'x'));
    const extracted = run('tar', ['--acls', '-xpf', archive, '-C', path.join(dir, 'x')]);
    expect(extracted.status, extracted.stderr).toBe(0);
    const expected = getfacl(['-R', 'f', 'g'], { cwd: path.join(dir, 'x') }).stdout.toString('latin1');
    expect(printed).toBe(expected);
    expect(printed).toContain('# flags: s--\nuser::r--\ngroup::r--\nother::r--\n');
  });
});
