// `permsnap --version` installed as a project's dependency: its own version, not the
// project's. yargs's guess read the first package.json above the node_modules it sits in.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, REPO, removeTree, run } from '../helpers/tree.js';

const own = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const project = makeTempDir('installed-version-');
afterAll(() => removeTree(project));

describe('permsnap --version, installed in a project', () => {
  it('prints permsnap\'s version, not the project\'s', () => {
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '9.9.9' }));
    const modules = path.join(project, 'node_modules');
    const installed = path.join(modules, 'permsnap');
    fs.mkdirSync(installed, { recursive: true });
    // Its dependencies where npm puts them: beside it, in the project's node_modules.
    for (const name of fs.readdirSync(path.join(REPO, 'node_modules'))) fs.symlinkSync(path.join(REPO, 'node_modules', name), path.join(modules, name));
    for (const name of ['bin', 'dist']) fs.symlinkSync(path.join(REPO, name), path.join(installed, name));
    fs.copyFileSync(path.join(REPO, 'package.json'), path.join(installed, 'package.json'));
    // Symlinks kept as paths, as a real install's files are where they are.
    const r = run(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', path.join(installed, 'bin/permsnap.js'), '--version']);
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(r.stdout.toString().trim()).toBe(own);
    expect(own).not.toBe('9.9.9');
  });
});
