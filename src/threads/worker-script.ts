// A worker thread's script: the CommonJS bundle the build makes of it, beside its ES module
// bundle (dist/bundle/NAME.cjs, one file each), where there is one; else the module itself.
// A worker started from an ES module first starts Node's ESM loader (resolution, module
// jobs, the loader's own modules) on its own thread. Paired runs on the /usr copy with
// restore's and snapshot's workers started from their CommonJS bundles: healthy restore
// -23 ms median (18 of 20 faster), damaged restore with its journal -77 ms (10 of 10),
// snapshot -36 ms (13 of 14). Unbundled (dist/ as tsc wrote it) there is none, and the
// module is used.

import fs from 'node:fs';

/** `module` (a worker's ES module), or its CommonJS bundle beside it when the build made one. */
export function workerScript(module: URL): URL {
  const bundled = new URL(module.href.replace(/\.js$/, '.cjs'));
  return fs.existsSync(bundled) ? bundled : module;
}
