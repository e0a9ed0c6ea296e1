// How the CLI's process ends once its command is done. After a restore, the worker threads'
// own end kept the process alive 70-110 ms past its last word: each gives its V8 heap back
// to the kernel, some 500 munmap, madvise and mprotect calls, each a TLB flush on every core
// (dear in a VM; a healthy restore of a /usr copy takes 1.6-2 s). By then all a restore
// says is written (Node writes stdout and stderr synchronously on Linux), its undo journal
// is fsynced, and its workers have closed their descriptors: the process ends at once,
// with _exit(2). Other commands end as Node ends them.

let atOnce = false;

/** The command has said all it has to say: nothing is left to do but end. */
export function endAtOnceWhenDone(): void {
  atOnce = true;
}

/** Ends the process with `code`: at once when the command allowed it, else when Node's event loop is done. */
export async function endProcess(code: number): Promise<void> {
  process.exitCode = code;
  if (!atOnce) return;
  const { exitAtOnce } = await import('../platform/libc.js');
  exitAtOnce(code);
}
