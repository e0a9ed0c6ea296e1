// A one-line progress display on stderr, only on a terminal, redrawn at most 5 times a
// second: entries, entries per second, where the walk is.

import { displayString } from '../platform/byte-path.js';

export interface Progress {
  update(entries: number, path: string): void;
  done(): void;
}

/** The stream with a progress line on show: cleared before any message, redrawn by the next update. */
let onShow: NodeJS.WriteStream | null = null;

/** Clears the progress line, if one is on show, so that a message starts on a line of its own. */
export function clearProgressLine(): void {
  onShow?.write('\r\x1b[K');
  onShow = null;
}

export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled || !stream.isTTY) return { update: () => {}, done: () => {} };
  const started = Date.now();
  let last = 0;
  return {
    update(entries, path) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      const rate = Math.round(entries / Math.max((now - started) / 1000, 0.001));
      // A terminal that says it has 0 columns (a pty nobody sized: script(1), some CI) has 80.
      const width = Math.max((stream.columns || 80) - 1, 20);
      const line = `${entries} entries, ${rate}/s, ${JSON.stringify(displayString(path)).slice(1, -1)}`;
      stream.write(`\r\x1b[K${line.slice(0, width)}`);
      onShow = stream;
    },
    done() {
      if (onShow === stream) clearProgressLine();
    },
  };
}
