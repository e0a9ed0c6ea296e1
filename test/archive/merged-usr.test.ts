// `snapshot --from-deb --merged-usr`: a package built with the real dpkg-deb that ships
// bin/, sbin/ and lib/ files, as Debian 12 packages do, gives usr/... paths for a
// merged-/usr host (where /bin is a symlink and restore would refuse bin/ping), and the
// paths as shipped with `--merged-usr no`.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filePaths, latin1 } from '../helpers/facl-text.js';
import { isRoot, makeTempDir, permsnap, removeTree } from '../helpers/tree.js';
import { mergedUsrPath } from '../../src/archive/merged-usr.js';
import { buildDeb, hasDpkgDeb, makeDir, makeFile } from './archive-kit.js';

let dir = '';
let deb = '';

beforeAll(() => {
  dir = makeTempDir('permsnap-merged-usr-');
  if (!isRoot || !hasDpkgDeb) return;
  deb = buildDeb(dir, 'oldlayout', {
    populate: (root) => {
      makeFile(path.join(root, 'bin/ping'), 0o4755);
      makeFile(path.join(root, 'sbin/tool'), 0o750, 0, 4);
      makeFile(path.join(root, 'lib/x86_64-linux-gnu/libx.so'));
      makeDir(path.join(root, 'usr/bin'));
      makeFile(path.join(root, 'usr/bin/other'));
      makeFile(path.join(root, 'binary-data/file'));
    },
  });
});
afterAll(() => removeTree(dir));

describe('merged-/usr paths', () => {
  it('maps bin, sbin and lib* beneath usr/, leaves their top-level directories out, and nothing else', () => {
    expect(mergedUsrPath('bin/ping')).toBe('usr/bin/ping');
    expect(mergedUsrPath('lib64/ld.so')).toBe('usr/lib64/ld.so');
    expect(mergedUsrPath('sbin')).toBeNull();
    expect(mergedUsrPath('binary-data/file')).toBe('binary-data/file');
    expect(mergedUsrPath('usr/bin/ping')).toBe('usr/bin/ping');
    expect(mergedUsrPath('.')).toBe('.');
  });
});

describe.skipIf(!isRoot || !hasDpkgDeb)('snapshot --from-deb --merged-usr (needs root and dpkg-deb to build packages with owners)', () => {
  it('writes usr/... paths with yes, the shipped paths with no, and keeps each file\'s mode and owner', () => {
    const merged = permsnap(['snapshot', '--from-deb', deb, '--merged-usr', 'yes', '--sort', '--quiet'], { cwd: dir });
    expect(merged.status, merged.stderr).toBe(0);
    const paths = filePaths(latin1(merged.stdout));
    expect(paths).toEqual(expect.arrayContaining(['usr/bin/ping', 'usr/sbin/tool', 'usr/lib/x86_64-linux-gnu/libx.so', 'usr/bin/other', 'binary-data/file']));
    expect(paths.filter((p) => /^(bin|sbin|lib)(\/|$)/.test(p))).toEqual([]);
    expect(latin1(merged.stdout)).toMatch(/^# file: usr\/bin\/ping\n# owner: root\n# group: root\n# flags: s--\n/m);
    expect(latin1(merged.stdout)).toMatch(/^# file: usr\/sbin\/tool\n# owner: root\n# group: \S+\n(# permsnap: [^\n]*\n)*user::rwx\ngroup::r-x\nother::---\n/m);

    const shipped = permsnap(['snapshot', '--from-deb', deb, '--merged-usr', 'no', '--sort', '--quiet'], { cwd: dir });
    expect(shipped.status, shipped.stderr).toBe(0);
    expect(filePaths(latin1(shipped.stdout))).toEqual(expect.arrayContaining(['bin', 'bin/ping', 'sbin/tool', 'lib/x86_64-linux-gnu/libx.so']));
  });
});
