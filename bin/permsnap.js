#!/usr/bin/env node
// Entry point: the CLI bundled in dist/bundle/ (src/cli/entry.ts says why), both built by
// `npm ci` through the prepare script; or as tsc wrote it, when rolldown could not bundle
// it (it has no native binding for an install without optional dependencies, or for an
// architecture it does not ship).
let cli;
try {
  cli = await import('../dist/bundle/entry.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('/dist/bundle/entry.js')) throw err;
  cli = await import('../dist/cli/entry.js');
}

await cli.endProcess(await cli.main(cli.commandLineArguments()));
