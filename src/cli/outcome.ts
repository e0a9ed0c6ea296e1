// What a command hands back to the one place that prints and sets the exit code.

export interface Outcome {
  exitCode: number;
}

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

export function stderrReporter(options: { quiet: boolean; verbose: boolean }): Reporter {
  const write = (line: string): void => {
    process.stderr.write(`permsnap: ${line}\n`);
  };
  let problems = 0;
  return {
    error: write,
    problem(line) {
      if (++problems <= PROBLEMS_SHOWN) write(line);
    },
    finish() {
      if (problems > PROBLEMS_SHOWN) write(`${problems - PROBLEMS_SHOWN} more per-path problem(s) not shown (the first ${PROBLEMS_SHOWN} are above)`);
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
