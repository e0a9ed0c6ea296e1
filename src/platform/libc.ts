// The one place that loads libc through koffi, and turns a failed call's errno into a
// Node-style error (code, errno, syscall, path) so callers handle it like an fs error.

import koffi from 'koffi';
import os from 'node:os';

export const libc = koffi.load('libc.so.6');
export { koffi };

const errnoNames = new Map<number, string>(
  Object.entries(os.constants.errno).map(([name, value]) => [value, name]),
);
const strerror = libc.func('const char *strerror(int errnum)') as (errnum: number) => string;

export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
}

export function lastErrno(): number {
  return koffi.errno();
}

export function systemError(syscall: string, errno: number, path?: string): SystemError {
  const code = errnoNames.get(errno) ?? `E${errno}`;
  const where = path === undefined ? '' : ` '${path}'`;
  const err = new Error(`${code}: ${strerror(errno)}, ${syscall}${where}`) as SystemError;
  err.code = code;
  err.errno = -errno;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  return err;
}

const exitProcess = libc.func('void _exit(int status)') as (status: number) => void;

/** _exit(2): the process ends now, with no teardown of its threads (cli/process-end.ts says when). */
export function exitAtOnce(code: number): void {
  exitProcess(code);
}

/** strerror(3) text, as getfacl prints it ("No such file or directory"). */
export function describeErrno(errno: number): string {
  return strerror(errno);
}

export const errno = os.constants.errno;
