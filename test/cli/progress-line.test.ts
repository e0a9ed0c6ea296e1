// The progress line on a terminal: cleared before any message, so that a problem never
// lands at the end of it (found by exploratory testing: snapshot's first problem was glued
// to the line); as wide as the terminal, and 80 columns where a pty says it has 0.

import { describe, expect, it, vi } from 'vitest';
import { stderrReporter } from '../../src/cli/outcome.js';
import { createProgress } from '../../src/cli/progress.js';

/** A terminal stream that records what is written to it. */
function terminal(columns: number): NodeJS.WriteStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY: true, columns, written, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream & { written: string[] };
}

describe('the progress line', () => {
  it('is cleared before a problem, a warning or a notice is printed, and drawn again by the next update', () => {
    const tty = terminal(100);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const progress = createProgress(true, tty);
      const reporter = stderrReporter({ quiet: false, verbose: false });
      progress.update(10, 'a/b');
      expect(tty.written).toEqual([expect.stringMatching(/^\r\x1b\[K10 entries, \d+\/s, a\/b$/)]);
      let later = Date.now();
      for (const say of [() => reporter.problem('x: No such file or directory'), () => reporter.warn('w'), () => reporter.info('i')]) {
        tty.written.length = 0;
        say();
        expect(tty.written).toEqual(['\r\x1b[K']);
        // Nothing on show now: a second message clears nothing more.
        reporter.error('e');
        expect(tty.written).toEqual(['\r\x1b[K']);
        // Past the 200 ms between two draws.
        later += 1000;
        vi.useFakeTimers({ now: later });
        progress.update(20, 'a/c');
        vi.useRealTimers();
      }
      tty.written.length = 0;
      progress.done();
      expect(tty.written).toEqual(['\r\x1b[K']);
    } finally {
      stderr.mockRestore();
    }
  });

  it('is cut to the terminal width, taken as 80 columns where the terminal says 0', () => {
    const long = 'd/'.repeat(200);
    for (const [columns, width] of [[0, 79], [40, 39], [200, 199]] as const) {
      const tty = terminal(columns);
      createProgress(true, tty).update(1, long);
      expect(tty.written[0]?.length, `columns ${columns}`).toBe('\r\x1b[K'.length + width);
    }
  });
});
