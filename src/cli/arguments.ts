// The command line as the user typed it. Node decodes each argument as UTF-8, so a name
// that is not UTF-8 (`permsnap snapshot $'a\xffb'`) reaches process.argv with U+FFFD in
// place of its odd bytes, and could name nothing. Such arguments are read again from
// /proc/self/cmdline, as bytes, and kept as text that toByteString() turns back into them.

import fs from 'node:fs';
import { escapedText } from '../platform/byte-path.js';

/** The arguments after the script's path, odd bytes kept (escapedText()). */
export function commandLineArguments(argv: readonly string[] = process.argv, cmdline = readCmdline()): string[] {
  const args = argv.slice(2);
  if (!args.some((a) => a.includes('\ufffd')) || cmdline === null) return args;
  // /proc/self/cmdline: node, its own options, the script, then the arguments, each NUL-ended.
  const raw = splitCmdline(cmdline);
  if (raw.length < args.length) return args;
  const rawArgs = raw.slice(raw.length - args.length);
  return args.map((a, i) => {
    const bytes = rawArgs[i] as Buffer;
    // Only an argument that decoded with a replacement character, and whose bytes do not
    // say U+FFFD themselves, is taken from the bytes.
    return a.includes('\ufffd') && !bytes.equals(Buffer.from(a, 'utf8')) ? escapedText(bytes) : a;
  });
}

function readCmdline(): Buffer | null {
  try {
    return fs.readFileSync('/proc/self/cmdline');
  } catch {
    return null;
  }
}

function splitCmdline(cmdline: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let end = cmdline.indexOf(0); end >= 0; end = cmdline.indexOf(0, start)) {
    parts.push(cmdline.subarray(start, end));
    start = end + 1;
  }
  return parts;
}
