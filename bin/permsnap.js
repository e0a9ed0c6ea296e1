#!/bin/sh
':' //; unset NODE_EXTRA_CA_CERTS; case "$1" in restore) GLIBC_TUNABLES="glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}" exec node --single-threaded --max-inlined-bytecode-size-cumulative=150 "$0" "$@" ;; *) exec node "$0" "$@" ;; esac
// Line 2 is for sh, and a string and a comment for Node: run as a command (npx, PATH), the
// file starts node itself, so that restore gets a V8 flag no code can set once V8 runs.
// NODE_EXTRA_CA_CERTS (often set where a proxy re-signs TLS) makes node read and parse
// every certificate of the file before it runs any code: 58-72 ms of each start with
// Debian's bundle (20 paired starts, 20 of 20): 5% of a healthy restore of the /usr copy
// (-58 ms, 9 of 10). permsnap opens no connection and starts no program: nothing needs them.
// --single-threaded: each thread collects its own garbage and compiles its own hot code,
// without V8's helper threads. Its workers keep every core busy; helpers collecting or
// compiling for one took CPU from the others. Its GC part alone (--single-threaded-gc), in
// paired runs on the /usr copy (2 cores): healthy -23 to -55 ms (23 of 30 faster), damaged
// -49 and -65 ms (11 of 14); set at run time (v8.setFlagsFromString) it gave half as much.
// Compiling on the thread that runs the code as well (perf: V8's helper threads compiled
// for 10-20% of a restore's CPU time), against the GC part alone: the /usr copy healthy
// -15 ms (15 of 20 faster), damaged -52 and -60 ms (5 and 7 of 10); a tree with an ACL on
// every file, damaged -37 ms (7 of 10), healthy -17 ms (10 of 10).
// --max-inlined-bytecode-size-cumulative=150 (V8's default: 920): the optimizing compiler
// inlines less into each function it compiles. Its threads share the 2 cores with the
// workers, and compiled restore's biggest functions (the chunk planner, ~40 ms each) several
// times over in each thread; the code is hardly slower. Paired runs on the /usr copy:
// damaged -50 and -80 ms of 1.8 s (11 and 9 of 12 faster, 140 and 90 ms less CPU), healthy
// the same (740 ms both, CPU +9 ms, median of 20).
// glibc.malloc.hugetlb=1: malloc asks for transparent huge pages (madvise) for the memory
// it takes from the kernel, where restore's buffers come from (packed paths, journal text):
// the first touch of each 4 KiB page cost 5-11 us in a VM here (28 MB: 81 ms; as 2 MiB
// pages, 1.4 ms).
// Paired runs on the /usr copy, four sets each: damaged -9 to -68 ms (25 of 36 faster),
// healthy -3 to -23 ms (23 of 36). On a Linux 6.18 VM, where a 4 KiB page's first touch
// cost 1.4 us, it made no difference either way (hugetlb=0: damaged -39 ms, 9 of 10, then
// -5 ms, 5 of 12; healthy -2 ms, 7 of 16). Tunables the user set come after it, so theirs win.
// glibc.malloc.trim_threshold and mmap_threshold: malloc keeps the memory it frees
// (src/platform/malloc-tuning.ts says why), from the start of the process. Set by mallopt
// instead, the main thread first had to load koffi (12-13 ms), with the workers not yet
// started: they now start that much sooner.
// Entry point: the CLI bundled in dist/bundle/ (src/cli/entry.ts says why), both built by
// `npm ci` through the prepare script; or as tsc wrote it, when rolldown could not bundle
// it (it has no native binding for an install without optional dependencies, or for an
// architecture it does not ship). The bundle is CommonJS (entry.cjs and its chunks): Node
// loads it on this thread without its ESM loader, which resolved, read and linked the ~25
// modules of restore's command graph asynchronously; restore's handler began 20-25 ms
// sooner (108-114 ms after the start, now 82-89 ms), while its workers were still loading.
import { createRequire } from 'node:module';

let cli;
try {
  cli = createRequire(import.meta.url)('../dist/bundle/entry.cjs');
} catch (err) {
  // Only the bundle itself missing (its first line): a module it requires that is missing
  // names the bundle too, in the require stack after it.
  if (err?.code !== 'MODULE_NOT_FOUND' || !String(err.message).split('\n')[0].includes('/dist/bundle/entry.cjs')) throw err;
  cli = await import('../dist/cli/entry.js');
}

await cli.endProcess(await cli.main(cli.commandLineArguments()));
