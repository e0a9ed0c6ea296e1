// The line before a restore names the directory its paths land in: the current directory
// by its path when there is no --root, and where a --root that is (or passes through) a
// symlink leads, since the root itself is followed as `cd` follows it.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-root-line-');
  fs.mkdirSync(path.join(dir, 'real/a'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'real/a/f'), '');
  fs.chmodSync(path.join(dir, 'real/a/f'), 0o777);
  fs.symlinkSync('real', path.join(dir, 'link'));
  fs.writeFileSync(path.join(dir, 'snap.facl'), '# file: a/f\nuser::rw-\ngroup::---\nother::---\n\n');
});
afterEach(() => removeTree(dir));

const mode = (): number => fs.statSync(path.join(dir, 'real/a/f')).mode & 0o7777;

describe.skipIf(!restoreReady)(`restore names its root before it runs (${SKIP_REASON})`, () => {
  it('names the directory a symlinked --root leads to, and restores there', () => {
    const r = restore([path.join(dir, 'snap.facl'), '--no-undo', '--root', path.join(dir, 'link')], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`restoring 1 path(s) beneath ${path.join(dir, 'link')} (${path.join(dir, 'real')}, its symlinks followed);`);
    expect(mode()).toBe(0o600);
  });

  it('quotes control characters in the root and where it leads: a newline there cannot start a line of its own', () => {
    const odd = path.join(dir, 'odd\npermsnap: forged');
    fs.renameSync(path.join(dir, 'real'), odd);
    fs.unlinkSync(path.join(dir, 'link'));
    fs.symlinkSync(odd, path.join(dir, 'link'));
    const r = restore([path.join(dir, 'snap.facl'), '--no-undo', '--root', path.join(dir, 'link')], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`(${path.join(dir, 'odd\\012permsnap: forged')}, its symlinks followed)`);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('permsnap: forged'))).toEqual([]);
  });

  it('names a --root that is no symlink once, and the current directory by its path', () => {
    const withRoot = restore([path.join(dir, 'snap.facl'), '--no-undo', '--root', path.join(dir, 'real')], { cwd: dir });
    expect(withRoot.stderr).toContain(`restoring 1 path(s) beneath ${path.join(dir, 'real')}; names from`);
    fs.chmodSync(path.join(dir, 'real/a/f'), 0o777);
    const inCwd = restore([path.join(dir, 'snap.facl'), '--no-undo'], { cwd: path.join(dir, 'real') });
    expect(inCwd.status, inCwd.stderr).toBe(0);
    expect(inCwd.stderr).toContain(`restoring 1 path(s) beneath the current directory ${path.join(dir, 'real')} (relative paths) and / (absolute ones);`);
    expect(mode()).toBe(0o600);
  });

  it('takes names from this host\'s NSS for a --root that leads to / through a symlink, as for --root / itself', () => {
    fs.symlinkSync('/', path.join(dir, 'slash'));
    const target = path.join(dir, 'real/a/f').slice(1);
    fs.writeFileSync(path.join(dir, 'abs.facl'), `# file: ${target}\nuser::rw-\ngroup::---\nother::---\n\n`);
    for (const root of ['/', path.join(dir, 'slash')]) {
      const r = restore([path.join(dir, 'abs.facl'), '--no-undo', '--dry-run', '--root', root], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/; names from this host's NSS\n/);
    }
  });
});
