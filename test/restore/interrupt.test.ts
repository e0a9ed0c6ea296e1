// SIGTERM/SIGINT during a restore of a big damaged tree: stop starting new paths, finish the
// ones in flight, complete the journal (end marker) and the summary, exit 143/130. The
// journal then undoes exactly what was done, and running the restore again converges.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBigTree, faclTree, finished, restore, restoreReady, spawnRestore, notReachedOf, summaryOf, SKIP_REASON } from '../helpers/restore-kit.js';
import { spawn } from 'node:child_process';
import { CLI, getfacl, makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-interrupt-');
});
afterEach(() => removeTree(dir));

const DIRS = 150;
const FILES = 200; // 30k files

/** Resolves once `file` exists (polled every millisecond), or rejects after timeoutMs. */
function whenExists(file: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (fs.existsSync(file)) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error(`${file} did not appear`));
      else setTimeout(poll, 1);
    };
    poll();
  });
}

describe.skipIf(!restoreReady)(`restore interrupted by a signal (${SKIP_REASON})`, () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const) {
    // SIGHUP (a lost ssh session) as the others; once, with the fast calls.
    for (const fallbacks of signal === 'SIGHUP' ? [[]] : [[], ['--force-fallbacks']]) {
      const how = fallbacks.length ? ' (with --force-fallbacks)' : '';
      it(`stops on ${signal} with exit ${code}, prints the summary, completes the journal, and a re-run converges${how}`, async () => {
        buildBigTree(dir, 'big', DIRS, FILES);
        const snap = path.join(dir, 'big.facl');
        const s = permsnap(['snapshot', '--quiet', '-o', snap, 'big'], { cwd: dir });
        expect(s.status, s.stderr).toBe(0);
        const healthy = faclTree(dir, 'big');
        sh('chmod -R 777 big && setfacl -R -m u:4444:rwx big/d000 big/d149', dir);
        const damaged = faclTree(dir, 'big');
        const journal = path.join(dir, 'undo.facl');

        const child = spawnRestore([snap, '--root', dir, '--undo', journal, ...fallbacks], '/');
        const done = finished(child, 90_000);
        await whenExists(journal, 60_000);
        child.kill(signal);
        const r = await done;

        expect(r.signal, `killed by ${r.signal}: the restore did not handle ${signal}`).toBeNull();
        expect(r.status, r.stderr).toBe(code);
        const summary = summaryOf(r.stderr);
        expect(summary, r.stderr).not.toBeNull();
        // It stopped early: not every path was changed, and it says how many it left (every
        // path of the tree was damaged: each one changed or not reached).
        expect(summary?.changed, r.stderr).toBeLessThan(DIRS * FILES);
        expect((summary?.changed ?? 0) + notReachedOf(r.stderr), r.stderr).toBe(DIRS * FILES + DIRS + 1);
        expect(r.stderr).toMatch(new RegExp(`stopped by ${signal}: the paths in flight were finished, \\d+ path\\(s\\) with changes to make not reached; run the restore again to converge\n`));
        expect(r.stderr).toContain(`undo journal: ${journal}`);

        const text = fs.readFileSync(journal, 'latin1');
        expect(text).toMatch(/^# permsnap: end, \d+ entries$/m);
        expect(text.endsWith('\n\n')).toBe(true);
        const check = restore([journal, '--root', dir, '--dry-run'], { cwd: '/' });
        expect(check.status, check.stderr).toBe(0);

        const interrupted = faclTree(dir, 'big');

        // Re-running converges.
        const journal2 = path.join(dir, 'undo-2.facl');
        const again = restore([snap, '--root', dir, '--undo', journal2, ...fallbacks], { cwd: '/' });
        expect(again.status, again.stderr).toBe(0);
        expect(faclTree(dir, 'big')).toEqual(healthy);
        expect(restore([snap, '--root', dir, '--no-undo'], { cwd: '/' }).stderr).toContain('0 path(s) changed');

        // The journals undo exactly what each run did: back to the interrupted state, then the damaged one.
        expect(restore([journal2, '--root', dir, '--no-undo', ...fallbacks], { cwd: '/' }).status).toBe(0);
        expect(faclTree(dir, 'big')).toEqual(interrupted);
        const undo = restore([journal, '--root', dir, '--no-undo', ...fallbacks], { cwd: '/' });
        expect(undo.status, undo.stderr).toBe(0);
        expect(faclTree(dir, 'big')).toEqual(damaged);
      });
    }
  }

  it('ends at once on a signal while it still reads a piped snapshot whose writer stalls: nothing changed, exit 130/143', async () => {
    buildBigTree(dir, 'big', 10, 100);
    const healthy = getfacl(['-R', 'big'], { cwd: dir }).stdout;
    sh('chmod -R 777 big', dir);
    const damaged = faclTree(dir, 'big');
    // Then blocks for paths not here, more than a pipe or socket holds (its buffers are some
    // hundreds of KiB): once they are all written, the restore has been reading.
    const filler = Buffer.from(Array.from({ length: 100_000 }, (_, i) => `# file: gone/${i}\nuser::rw-\ngroup::r--\nother::r--\n\n`).join(''));
    for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
      // `ssh host cat healthy.facl | permsnap restore -` with the connection hanging: part of
      // the snapshot, then nothing, and the pipe left open.
      const child = spawn(process.execPath, [CLI, 'restore', '-', '--root', dir, '--no-undo'], { cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
      const done = finished(child, 30_000);
      await new Promise<void>((resolve, reject) => child.stdin.write(Buffer.concat([healthy, filler]), (err) => (err ? reject(err) : resolve())));
      child.kill(signal);
      const r = await done;
      child.stdin.destroy();
      expect([r.status, r.signal], r.stderr).toEqual([code, null]);
      expect(r.stderr).toContain(`stopped by ${signal} while the snapshot was being read: nothing was changed`);
      expect(faclTree(dir, 'big')).toEqual(damaged);
    }
  });

  it('stops a dry run on SIGTERM with exit 143, saying that nothing was changed (not to run it again)', async () => {
    buildBigTree(dir, 'big', DIRS, FILES);
    const snap = path.join(dir, 'big.facl');
    expect(permsnap(['snapshot', '--quiet', '-o', snap, 'big'], { cwd: dir }).status).toBe(0);
    sh('chmod -R 777 big', dir);
    const damaged = faclTree(dir, 'big');

    const child = spawnRestore([snap, '--root', dir, '--dry-run'], '/');
    const done = finished(child, 90_000);
    // Said once the first pass is over, as the plan of the changes begins.
    await new Promise<void>((resolve) => child.stderr?.on('data', (d: Buffer) => d.toString().includes('restoring ') && resolve()));
    child.kill('SIGTERM');
    const r = await done;

    expect(r.status, r.stderr).toBe(143);
    expect(summaryOf(r.stderr)?.changed, r.stderr).toBeLessThan(DIRS * FILES);
    expect(r.stderr).toMatch(/stopped by SIGTERM: the plan above is of the paths looked at so far, \d+ path\(s\) with changes to make not reached; nothing was changed\n/);
    expect((summaryOf(r.stderr)?.changed ?? 0) + notReachedOf(r.stderr), r.stderr).toBe(DIRS * FILES + DIRS + 1);
    expect(r.stderr).not.toContain('converge');
    expect(faclTree(dir, 'big')).toEqual(damaged);
  });
});
