// Attack: while a restore of a big damaged tree runs, another process keeps swapping some of
// its directories for symlinks to sentinel directories outside the tree (with the same names
// inside) and back: atomically with renameat2(RENAME_EXCHANGE), and with the rename/symlink
// dance. However the race falls, nothing outside the root may change (mode, owner, ACL,
// capability, not even ctime), and the restore must end (bounded) without crashing. Under
// the exchange, no path is ever missing, so none may be counted so.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBigTree, faclTree, finished, observe, spawnRestore, restore, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

let dir = '';
let outside = '';

beforeEach(() => {
  dir = makeTempDir('permsnap-race-');
  outside = makeTempDir('permsnap-race-outside-');
});
afterEach(() => {
  removeTree(dir);
  removeTree(outside);
});

const DIRS = 100;
const FILES = 200; // 20k files: the restore takes long enough for many swaps
const SWAPPED = ['d003', 'd020', 'd045', 'd070', 'd098'];
const RUNS = 3;

/**
 * argv: tree, stopfile, deadline (s), mode (exchange|dance), names...; each name NAME has a
 * prepared symlink tree/.swap-NAME -> the outside twin. Leaves every directory in place.
 */
const SWAPPER = String.raw`
import ctypes, os, sys, time
tree, stop, deadline, mode = sys.argv[1], sys.argv[2], time.time() + float(sys.argv[3]), sys.argv[4]
names = sys.argv[5:]
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
def exchange(a, b):
    if libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE) != 0:
        raise OSError(ctypes.get_errno(), 'renameat2')
swaps = 0
swapped = {n: False for n in names}
try:
    while not os.path.exists(stop) and time.time() < deadline:
        for n in names:
            d, link = os.path.join(tree, n), os.path.join(tree, '.swap-' + n)
            if mode == 'exchange':
                exchange(d, link)
                swapped[n] = not swapped[n]
            else:
                target = os.readlink(link)
                os.rename(d, d + '.away')
                os.symlink(target, d)
                os.unlink(d)
                os.rename(d + '.away', d)
            swaps += 1
finally:
    for n, s in swapped.items():
        if s:
            exchange(os.path.join(tree, n), os.path.join(tree, '.swap-' + n))
print(swaps)
`;

function prepareOutside(): void {
  for (const name of SWAPPED) {
    const twin = path.join(outside, name);
    fs.mkdirSync(twin);
    for (let f = 0; f < FILES; f++) fs.writeFileSync(path.join(twin, `f${String(f).padStart(3, '0')}`), 'sentinel\n');
    fs.symlinkSync(twin, path.join(dir, 'big', `.swap-${name}`));
  }
  sh('chown -R 4242:4343 . && find . -type f -exec chmod 0600 {} + && chmod 0711 d* && setfacl -R -m u:4444:r .', outside);
  sh(`for d in d*; do setcap cap_chown=ep "$d/f000"; setcap cap_kill=ep "$d/f150"; done`, outside);
}

async function raceOnce(snap: string, mode: 'exchange' | 'dance', fallbacks: string[], run: number): Promise<{ swaps: number; stderr: string }> {
  sh('chmod -R 777 big', dir);
  const stop = path.join(dir, `stop-${run}`);
  const swapper = spawn('python3', ['-c', SWAPPER, path.join(dir, 'big'), stop, '60', mode, ...SWAPPED], { stdio: ['ignore', 'pipe', 'pipe'] });
  const swapperDone = finished(swapper, 90_000);
  await new Promise((r) => setTimeout(r, 50)); // let the swapping start
  const child = spawnRestore([snap, '--root', dir, '--undo', path.join(dir, `undo-${run}.facl`), ...fallbacks], '/');
  const result = await finished(child, 60_000);
  fs.writeFileSync(stop, '');
  const swapResult = await swapperDone;
  expect(swapResult.stderr).toBe('');
  expect(swapResult.status).toBe(0);
  expect(result.signal, 'the restore was killed: it did not end in time').toBeNull();
  expect([0, 1], result.stderr).toContain(result.status);
  expect(result.stderr).not.toMatch(/^\s+at .+[:(]/m);
  return { swaps: Number(swapResult.stdout.trim()), stderr: result.stderr };
}

describe.skipIf(!restoreReady)(`attack: a directory <-> symlink swap race during restore (${SKIP_REASON})`, () => {
  for (const fallbacks of [[], ['--force-fallbacks']]) {
    for (const mode of ['exchange', 'dance'] as const) {
      const how = `${mode === 'exchange' ? 'renameat2 RENAME_EXCHANGE' : 'rename, symlink, unlink, rename'}${fallbacks.length ? ', with --force-fallbacks' : ''}`;
      it(`changes nothing outside the root however the swaps fall (${how}, ${RUNS} runs)`, async () => {
        buildBigTree(dir, 'big', DIRS, FILES);
        const s = permsnap(['snapshot', '--quiet', '-o', path.join(dir, 'big.facl'), 'big'], { cwd: dir });
        expect(s.status, s.stderr).toBe(0);
        const snap = path.join(dir, 'big.facl');
        const healthy = faclTree(dir, 'big');
        prepareOutside();
        const before = observe(path.dirname(outside), path.basename(outside));

        let swaps = 0;
        for (let run = 0; run < RUNS; run++) {
          const r = await raceOnce(snap, mode, fallbacks, run);
          swaps += r.swaps;
          if (process.env.RACE_DEBUG) console.log(r.swaps, r.stderr.split('\n').filter((l) => /problem|symlink/.test(l)).slice(-2).join(' / '));
          expect(observe(path.dirname(outside), path.basename(outside)), `run ${run}: the outside changed\n${r.stderr.slice(0, 2000)}`).toEqual(before);
          // An exchange leaves every name in place at every instant: a directory caught as a
          // symlink is refused (a problem), never taken for missing with its whole subtree.
          if (mode === 'exchange') expect(r.stderr, `run ${run}`).toMatch(/, 0 missing \(skipped\)/);
        }
        expect(swaps).toBeGreaterThan(100);

        // Without the attacker, the restore converges.
        const last = restore([snap, '--root', dir, '--no-undo', ...fallbacks], { cwd: '/' });
        expect(last.status, last.stderr).toBe(0);
        const now = faclTree(dir, 'big');
        expect(now).toEqual(healthy);
      });
    }
  }
});
