// Mode bits: file type from st_mode, the special bits getfacl prints as `# flags:`,
// and rwx text.

import type { FileType } from './entry.js';

export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const SPECIAL_BITS = S_ISUID | S_ISGID | S_ISVTX;
export const PERMISSION_BITS = 0o7777;

/** "setuid", "setgid" or "setuid and setgid": the set-id bits among `bits`, for a message. */
export function setIdNames(bits: number): string {
  return [bits & S_ISUID ? 'setuid' : '', bits & S_ISGID ? 'setgid' : ''].filter(Boolean).join(' and ');
}

const S_IFMT = 0o170000;
const TYPES = new Map<number, FileType>([
  [0o100000, 'file'],
  [0o040000, 'dir'],
  [0o120000, 'symlink'],
  [0o010000, 'fifo'],
  [0o140000, 'socket'],
  [0o020000, 'char'],
  [0o060000, 'block'],
]);

export function fileTypeOf(stMode: number): FileType {
  return TYPES.get(stMode & S_IFMT) ?? 'unknown';
}

const PERM_TEXT = ['---', '--x', '-w-', '-wx', 'r--', 'r-x', 'rw-', 'rwx'];

/** `rwx` text of three permission bits. */
export function permText(perm: number): string {
  return PERM_TEXT[perm & 7] as string;
}

// By the special bits (setuid, setgid, sticky) as a number; null for none. A table rather
// than three strings joined: the joining, never done before the first file with a special
// bit, threw away the optimized code that prints journal blocks ("Insufficient type feedback").
const FLAGS_TEXT = [null, '--t', '-s-', '-st', 's--', 's-t', 'ss-', 'sst'];

/** getfacl's `# flags:` value, or null when no special bit is set. */
export function flagsText(mode: number): string | null {
  return FLAGS_TEXT[(mode & SPECIAL_BITS) >> 9] as string | null;
}

/** Four octal digits, special bits included (the JSON and diff form). */
export function modeOctal(mode: number): string {
  return (mode & PERMISSION_BITS).toString(8).padStart(4, '0');
}
