// The README's install commands: the package made by `npm pack` installs under a prefix and
// its permsnap command works. Run in a scratch directory standing for / (walkthrough-kit.ts),
// so /usr/local is the scratch one. `npm pack` runs on this checkout with --ignore-scripts
// (npm test has just built dist/; rebuilding it here would race the other tests) and
// --pack-destination (the checkout stays clean); the install prefers npm's cache.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCommand, makeTempDir, REPO, removeTree, run } from '../helpers/tree.js';
import { commandLines, inScratch, readmeBlock } from './walkthrough-kit.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-install-');
});
afterEach(() => removeTree(dir));

describe.skipIf(!hasCommand('npm'))('README install: npm pack, then npm install --global --prefix /usr/local', () => {
  it('gives a working /usr/local/bin/permsnap', () => {
    const [pack, install] = commandLines(readmeBlock('install'));
    expect(pack).toMatch(/^npm pack\s/);
    const packed = run('bash', ['-c', `npm pack --ignore-scripts --pack-destination '${dir}' >/dev/null`], { cwd: REPO });
    expect(packed.status, packed.stderr).toBe(0);
    const installed = run('bash', ['-c', `${inScratch(install as string)} --prefer-offline --no-audit --no-fund`], { cwd: dir });
    expect(installed.status, installed.stderr).toBe(0);

    const bin = path.join(dir, 'usr/local/bin/permsnap');
    expect(fs.existsSync(bin)).toBe(true);
    const version = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version;
    expect(run(bin, ['--version']).stdout.toString().trim()).toBe(version);
    fs.mkdirSync(path.join(dir, 'tree'));
    const snap = run(bin, ['snapshot', '--compat', 'tree'], { cwd: dir });
    expect(snap.status, snap.stderr).toBe(0);
    expect(snap.stdout.toString()).toMatch(/^# file: tree\n# owner: \S+\n# group: \S+\nuser::rwx\n/);
    // restore, which the command starts node for with a V8 flag of its own (bin/permsnap.js).
    fs.writeFileSync(path.join(dir, 'tree.facl'), snap.stdout);
    const restored = run(bin, ['restore', '--no-undo', 'tree.facl'], { cwd: dir });
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stderr.toString()).toContain('1 already correct');
  });
});
