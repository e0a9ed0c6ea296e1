// What "-" reads. Node reads a standard input redirected from a directory (`< dir`) as an
// empty stream, which a snapshot reader takes for an empty snapshot (exit 1, "holds no
// path") rather than one it cannot read (exit 2, as the same descriptor named /dev/stdin).

import fs from 'node:fs';
import { Readable } from 'node:stream';

/** process.stdin; for a directory, a stream that fails as reading one does (EISDIR). */
export function standardInput(): Readable {
  let directory = false;
  try {
    directory = fs.fstatSync(0).isDirectory();
  } catch {
    // A closed descriptor: process.stdin says so itself when read.
  }
  if (!directory) return process.stdin;
  const failing = new Readable({ read() {} });
  failing.destroy(Object.assign(new Error('is a directory'), { code: 'EISDIR', syscall: 'read' }));
  return failing;
}
