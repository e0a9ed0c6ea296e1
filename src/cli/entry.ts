// The CLI as bin/permsnap.js loads it: bundled by `npm run build` (rolldown) with the worker
// threads' entries into dist/bundle/, about 35 files they share instead of the ~120 modules
// tsc writes, each of which Node resolves, reads and compiles in the main thread and again
// in every worker. A restore of 4 paths, 5 runs alternating: 0.54-1.2 s wall and 0.55-0.77 s
// of CPU unbundled, 0.36-0.60 s and 0.41-0.55 s bundled; a healthy 132k-path restore:
// 0.94-1.10 s against 0.84-0.90 s.
export { commandLineArguments } from './arguments.js';
export { main } from './main.js';
export { endProcess } from './process-end.js';
