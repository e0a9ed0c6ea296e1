// Workers start from the CommonJS bundle the build makes of their script, where there is
// one: a worker started from an ES module first starts Node's ESM loader on its thread.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { workerScript } from '../../src/threads/worker-script.js';
import { makeTempDir, REPO, removeTree } from '../helpers/tree.js';

const dir = makeTempDir('worker-script-');
afterAll(() => removeTree(dir));

/** The first message of a worker started from `script`, which is then asked to quit. */
async function firstMessage(script: URL): Promise<unknown> {
  const worker = new Worker(script);
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  const message = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  worker.postMessage({ quit: true });
  await exited;
  return message;
}

describe('workerScript', () => {
  it('gives the CommonJS bundle beside a worker\'s module when there is one, else the module', () => {
    fs.writeFileSync(path.join(dir, 'both.js'), '');
    fs.writeFileSync(path.join(dir, 'both.cjs'), '');
    fs.writeFileSync(path.join(dir, 'alone.js'), '');
    expect(workerScript(pathToFileURL(path.join(dir, 'both.js'))).href).toBe(pathToFileURL(path.join(dir, 'both.cjs')).href);
    expect(workerScript(pathToFileURL(path.join(dir, 'alone.js'))).href).toBe(pathToFileURL(path.join(dir, 'alone.js')).href);
  });

  it('gives the bundle in bundle/ beside the module\'s directory (the library, dist/restore/, with dist/bundle/)', () => {
    fs.mkdirSync(path.join(dir, 'restore'));
    fs.mkdirSync(path.join(dir, 'bundle'));
    fs.writeFileSync(path.join(dir, 'restore/w.js'), '');
    fs.writeFileSync(path.join(dir, 'bundle/w.cjs'), '');
    expect(workerScript(pathToFileURL(path.join(dir, 'restore/w.js'))).href).toBe(pathToFileURL(path.join(dir, 'bundle/w.cjs')).href);
  });

  // `npm test` builds first, as `npm ci` does; where rolldown cannot run there is no bundle at all.
  const bundle = path.join(REPO, 'dist/bundle');
  it.runIf(fs.existsSync(path.join(bundle, 'entry.js')))('finds the bundles the build made for restore\'s and snapshot\'s workers, and each starts and quits (needs dist/bundle: rolldown ran)', async () => {
    // From the CLI's bundle (dist/bundle/) and from the library's modules (dist/DIR/, as tsc wrote them).
    for (const module of ['bundle/restore-worker.js', 'bundle/worker.js', 'restore/restore-worker.js', 'snapshot/worker.js']) {
      const name = path.basename(module, '.js');
      const script = workerScript(pathToFileURL(path.join(REPO, 'dist', module)));
      expect(script.pathname.endsWith(`/dist/bundle/${name}.cjs`)).toBe(true);
      expect(await firstMessage(script)).toEqual({ ready: true });
    }
  });
});
