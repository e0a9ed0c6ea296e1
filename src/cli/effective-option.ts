// getfacl lets the last of -e/-E and of -L/-P win; yargs does not keep option order, so
// these are read from the raw arguments.

const LONG: Record<string, string> = {
  '--all-effective': 'e',
  '--no-effective': 'E',
  '--logical': 'L',
  '--physical': 'P',
};

/** The last of the given short letters (or their long forms) on the command line. */
export function lastOf(args: readonly string[], letters: string): string | null {
  let last: string | null = null;
  for (const arg of args) {
    if (arg === '--') break;
    const long = LONG[arg];
    if (long !== undefined) {
      if (letters.includes(long)) last = long;
    } else if (/^-[A-Za-z]+$/.test(arg)) {
      for (const ch of arg.slice(1)) if (letters.includes(ch)) last = ch;
    }
  }
  return last;
}
