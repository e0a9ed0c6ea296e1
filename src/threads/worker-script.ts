// A worker thread's script: the CommonJS bundle the build makes of it, beside its ES module
// bundle (dist/bundle/NAME.cjs, one file each), where there is one; else the module itself.
// A worker started from an ES module first starts Node's ESM loader (resolution, module
// jobs, the loader's own modules) on its own thread: restore's workers, started from the
// CommonJS bundle, made a healthy restore of the /usr copy 27 ms shorter (median 24 ms,
// 16 of 20 paired runs) and again 21 ms (16 of 20) in the other order; damaged 15 ms
// (6 of 10). Unbundled (dist/ as tsc wrote it) there is none, and the module is used.

import fs from 'node:fs';

const chosen = new Map<string, URL>();

/** `module` (a worker's ES module), or its CommonJS bundle beside it when the build made one. */
export function workerScript(module: URL): URL {
  let script = chosen.get(module.href);
  if (script === undefined) {
    const bundled = new URL(module.href.replace(/\.js$/, '.cjs'));
    script = fs.existsSync(bundled) ? bundled : module;
    chosen.set(module.href, script);
  }
  return script;
}
