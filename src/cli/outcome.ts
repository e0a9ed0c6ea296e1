// What a command hands back to the one place that prints and sets the exit code.

import { clearProgressLine } from './progress.js';

export interface Outcome {
  exitCode: number;
}

// eslint-disable-next-line no-control-regex
const BEYOND_BYTES = /[^\x00-\xff]/;

/** Per-path problems shown with details (contracts.md, "Memory"); the rest are counted. */
export const PROBLEMS_SHOWN = 1000;

/** Lines on stderr, each `permsnap: <where>: <what>`. */
export interface Reporter {
  error(message: string): void;
  /** A per-path problem: the first PROBLEMS_SHOWN are printed, the rest counted. */
  problem(message: string): void;
  /** Says how many problems were not printed, if any. */
  finish(): void;
  warn(message: string): void;
  info(message: string): void;
  verbose: boolean;
  quiet: boolean;
}

/** shown: per-path problems printed before the rest are only counted (all, for getfacl's output). */
export function stderrReporter(options: { quiet: boolean; verbose: boolean; shown?: number }): Reporter {
  const write = (line: string): void => {
    clearProgressLine();
    process.stderr.write(`permsnap: ${line}\n`);
  };
  // A problem names its path as it is on disk: a byte string, written as those bytes (as
  // UTF-8, a name's non-ASCII bytes would come out encoded twice). A line that holds text
  // beyond one byte per char is not one: it is written as text.
  const writeBytes = (line: string): void => {
    const text = `permsnap: ${line}\n`;
    clearProgressLine();
    process.stderr.write(BEYOND_BYTES.test(text) ? text : Buffer.from(text, 'latin1'));
  };
  const shown = options.shown ?? PROBLEMS_SHOWN;
  let problems = 0;
  return {
    error: write,
    problem(line) {
      if (++problems <= shown) writeBytes(line);
    },
    finish() {
      if (problems > shown) write(`${problems - shown} more per-path problem(s) not shown (the first ${shown} are above)`);
      problems = 0;
    },
    warn: write,
    info: (line) => {
      if (!options.quiet) write(line);
    },
    verbose: options.verbose,
    quiet: options.quiet,
  };
}
