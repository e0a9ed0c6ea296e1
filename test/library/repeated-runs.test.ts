// A program that snapshots and restores again and again, in one process: the limit on
// stdout's and stderr's listeners (raised while workers pipe their output there) follows
// the workers running, not every worker the process ever started (a restore's workers were
// never counted as ended: it took the pool's own 'exit' listener off them).

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, REPO, removeTree, run, sh } from '../helpers/tree.js';

const dir = makeTempDir('permsnap-repeated-');
afterAll(() => removeTree(dir));

describe('the library, called again and again in one process', () => {
  it('raises the stdio listener limit by the workers running (12 + 10), not by all it started', () => {
    sh('mkdir -p tree/a && touch tree/a/f tree/g', dir);
    const program = path.join(dir, 'repeat.mjs');
    fs.writeFileSync(program, `
      import fs from 'node:fs';
      import * as P from ${JSON.stringify(path.join(REPO, 'dist/index.js'))};
      const warnings = [];
      process.on('warning', (w) => warnings.push(w.name));
      const limits = [];
      for (let i = 0; i < 4; i++) {
        const chunks = [];
        const sink = { write: async (b) => { chunks.push(Buffer.from(b)); }, commit: async () => {}, abort: async () => {} };
        await P.snapshot(['tree'], sink, { jobs: 12 });
        fs.writeFileSync('s.facl', Buffer.concat(chunks));
        await P.restore(P.readSnapshotText('s.facl', 0), { root: 'tree', ids: P.nssResolver(), journal: null, dryRun: true, jobs: 12 });
        // The workers' ends are events: let them come.
        await new Promise((resolve) => setTimeout(resolve, 300));
        limits.push(process.stderr.getMaxListeners());
      }
      console.log(JSON.stringify({ limits, warnings }));
    `);
    const r = run(process.execPath, [program], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const { limits, warnings } = JSON.parse(r.stdout.toString()) as { limits: number[]; warnings: string[] };
    expect(warnings).toEqual([]);
    expect(Math.max(...limits)).toBeLessThanOrEqual(22);
  });
});
