// A repeatable option that takes exactly one value each time (--exclude A --exclude B). An
// array option would also swallow the operands after it: `--exclude GLOB PATH` must leave
// PATH an operand, as users of getfacl-style tools expect.

import type { Options } from 'yargs';

export function repeatable(describe: string): Options {
  return { type: 'string', nargs: 1, default: [], coerce: (v: string | string[]) => [v].flat(), describe };
}
