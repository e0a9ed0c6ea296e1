// Names that are not UTF-8 in JSON. An owner, group or ACL qualifier is bytes, like a path;
// JSON strings are Unicode, so such a name came out with U+FFFD in place of its odd bytes,
// and two different names alike: diff reported an owner change whose before and after
// read the same. Now a string that is not UTF-8 goes as KEYBase64, as a path goes as
// pathBase64 (contracts.md). The archives are written by python's tarfile, which takes
// any bytes as a name.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCommand, makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-json-names-');
});
afterEach(() => removeTree(dir));

/** An archive of one file `f` owned by a user whose name is the bytes `owner` (hex), with a named ACL entry for the bytes `qualifier`. */
function archiveOwnedBy(file: string, owner: string, qualifier: string): void {
  sh(`python3 - <<'PY'
import io, tarfile
name = lambda hex: bytes.fromhex(hex).decode('utf-8', 'surrogateescape')
with tarfile.open('${file}', 'w', format=tarfile.PAX_FORMAT, encoding='utf-8', errors='surrogateescape') as tf:
    ti = tarfile.TarInfo('f'); ti.mode = 0o644; ti.uid = 1234; ti.gid = 0; ti.uname = name('${owner}'); ti.gname = 'root'
    ti.pax_headers = {'SCHILY.acl.access': 'user::rw-,user:' + name('${qualifier}') + ':r--,group::r--,mask::r--,other::r--'}
    tf.addfile(ti, io.BytesIO(b''))
PY`, dir);
}

const base64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

describe.skipIf(!hasCommand('python3'))('names that are not UTF-8, in JSON (needs python3 to write the archives)', () => {
  it('snapshot --format json gives them as ownerBase64 and aclBase64, byte for byte', () => {
    archiveOwnedBy('a.tar', 'fe6f', 'ff6f');
    const r = permsnap(['snapshot', '--from-tar', 'a.tar', '--format', 'json'], { cwd: dir });
    expect(r.status, r.stderr.toString()).toBe(0);
    const entry = JSON.parse(r.stdout.toString()) as Record<string, unknown>;
    expect(entry).toEqual({
      path: 'f', ownerBase64: base64('fe6f'), group: 'root', uid: 1234, gid: 0, mode: '0644',
      aclBase64: ['user::rw-', 'user:\xffo:r--', 'group::r--', 'mask::r--', 'other::r--'].map((t) => Buffer.from(t, 'latin1').toString('base64')),
    });
  });

  it('diff --format json tells two such names apart, as beforeBase64 and afterBase64', () => {
    archiveOwnedBy('a.tar', 'fe6f', 'c3a9'); // é, UTF-8: a plain string
    archiveOwnedBy('b.tar', 'ff6f', 'c3a9');
    const r = permsnap(['diff', 'a.tar', 'b.tar', '--format', 'json'], { cwd: dir });
    expect(r.status, r.stderr.toString()).toBe(1);
    const doc = JSON.parse(r.stdout.toString()) as { changes: Array<{ fields: unknown[] }> };
    expect(doc.changes[0]!.fields).toEqual([{ field: 'owner', beforeBase64: base64('fe6f'), afterBase64: base64('ff6f') }]);
    const text = permsnap(['snapshot', '--from-tar', 'a.tar', '--format', 'json'], { cwd: dir }).stdout.toString();
    expect((JSON.parse(text) as { acl: string[] }).acl).toContain('user:é:r--');
  });
});
