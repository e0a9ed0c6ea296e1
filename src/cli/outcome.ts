// What a command hands back to the one place that prints and sets the exit code.

export interface Outcome {
  exitCode: number;
}

/** Lines on stderr, each `permsnap: <where>: <what>`. */
export interface Reporter {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  verbose: boolean;
  quiet: boolean;
}

export function stderrReporter(options: { quiet: boolean; verbose: boolean }): Reporter {
  const write = (line: string): void => {
    process.stderr.write(`permsnap: ${line}\n`);
  };
  return {
    error: write,
    warn: write,
    info: (line) => {
      if (!options.quiet) write(line);
    },
    verbose: options.verbose,
    quiet: options.quiet,
  };
}
