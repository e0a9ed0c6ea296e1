// A worker thread's script: the CommonJS bundle the build makes of it (dist/bundle/NAME.cjs,
// one file each), where there is one; else the module itself.
// A worker started from an ES module first starts Node's ESM loader (resolution, module
// jobs, the loader's own modules) on its own thread, and opens every module of its graph at
// once. Paired runs on the /usr copy with restore's and snapshot's workers started from their
// CommonJS bundles: healthy restore -23 ms median (18 of 20 faster), damaged restore with its
// journal -77 ms (10 of 10), snapshot -36 ms (13 of 14). The library (dist/index.js, as tsc
// wrote it) starts them from the same bundles: from its ~60 modules, 8 workers under
// `ulimit -n 128` failed with EMFILE opening them, where the CLI's did not. Unbundled (no
// dist/bundle: rolldown could not run) there is none, and the module is used.

import fs from 'node:fs';

/**
 * `module` (a worker's ES module, dist/DIR/NAME.js, or dist/bundle/NAME.js in the CLI's
 * bundle), or its CommonJS bundle, dist/bundle/NAME.cjs, when the build made one.
 */
export function workerScript(module: URL): URL {
  const name = module.pathname.slice(module.pathname.lastIndexOf('/') + 1).replace(/\.js$/, '.cjs');
  for (const bundled of [new URL(name, module), new URL(`../bundle/${name}`, module)]) {
    if (fs.existsSync(bundled)) return bundled;
  }
  return module;
}
