// The one error class permsnap throws for usage and fatal errors. Per-path problems are
// not thrown: they are collected as data (see model/problem.ts) and summarised.

import { PATH_QUOTED, quote } from './format/quote.js';

export type ErrorCode =
  | 'USAGE'
  | 'MALFORMED'
  /** What was read left nothing to work on (a diff whose exclude left out every path). */
  | 'EMPTY'
  | 'IO'
  | 'PLATFORM'
  | 'INTERNAL';

export interface PermsnapErrorOptions {
  file?: string;
  line?: number;
  cause?: unknown;
}

export class PermsnapError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;

  constructor(code: ErrorCode, message: string, options: PermsnapErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PermsnapError';
    this.code = code;
    this.file = options.file;
    this.line = options.line;
  }

  /**
   * `<file>:<line>: <message>`, the form every message of a malformed input takes. The file
   * is quoted as getfacl quotes a path (contracts.md): a name given on the command line
   * with a line break in it must not forge a line of its own.
   */
  get located(): string {
    if (this.file === undefined) return this.message;
    const file = quote(this.file, PATH_QUOTED);
    return this.line === undefined ? `${file}: ${this.message}` : `${file}:${this.line}: ${this.message}`;
  }
}

/**
 * Node's "ENOENT: no such file or directory, open 'FILE'" as the reason alone ("no such
 * file or directory"): permsnap's messages already name the file in front.
 */
export function systemReason(err: unknown): string {
  if ((err as NodeJS.ErrnoException | null)?.code === 'EISDIR') return 'is a directory';
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^E[A-Z]+: /, '').replace(/, [a-z_0-9]+( '.*'( -> '.*')?)?$/s, '');
}

/**
 * A per-path problem's reason, after `permsnap: PATH: `: the system's words and the call
 * ("File name too long (openat2)"), not Node's form, which named the path a second time.
 */
export function problemReason(err: unknown): string {
  const syscall = (err as NodeJS.ErrnoException | null)?.syscall;
  return syscall === undefined ? systemReason(err) : `${systemReason(err)} (${syscall})`;
}
