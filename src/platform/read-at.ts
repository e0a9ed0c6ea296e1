// Reads by position (pread), never moving a descriptor's offset: threads that share one
// descriptor each read their own part of the file.

import { readSync } from 'node:fs';

/** Fills `into` from `position` of the file on `fd` (less where the file ends first): the bytes read. */
export function readAt(fd: number, into: Buffer, position = 0): Buffer {
  let got = 0;
  for (let n = -1; got < into.length && n !== 0; got += n) n = readSync(fd, into, got, into.length - got, position + got);
  return into.subarray(0, got);
}
