// restore's first pass in pieces (src/restore/look-pieces.ts): a plain snapshot file big
// enough is cut at empty lines and each piece parsed and looked at on a worker. That pass
// must find exactly what the pass on one thread finds, and anything that needs the whole
// file (the markers, a repeated path, a malformed line in a late piece) must send the file
// to the pass on one thread, which reports it with its true line number. The modules run
// from dist/ (built by `npm test`), where the worker threads' code is.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBigTree, faclTree, restore, restoreReady, SKIP_REASON, summaryOf } from '../helpers/restore-kit.js';
import { fromDist, getfacl, makeTempDir, permsnap, removeTree, sh } from '../helpers/tree.js';

import type { LookRules, LookTally } from '../../src/restore/look.js';

type Src = {
  pieces: typeof import('../../src/restore/look-pieces.js');
  all: typeof import('../../src/restore/look-all.js');
  workers: typeof import('../../src/restore/worker-executor.js');
  inline: typeof import('../../src/restore/restore-executor.js');
  packed: typeof import('../../src/restore/packed-items.js');
  ids: typeof import('../../src/restore/id-resolver.js');
  read: typeof import('../../src/format/read-snapshot.js');
  operand: typeof import('../../src/archive/read-operand.js');
  order: typeof import('../../src/restore/restore-order.js');
};

let dir = '';
/** permsnap's snapshot of the healthy tree (with markers), and getfacl's. */
let marked = '';
let plain = '';

beforeAll(() => {
  if (!restoreReady) return;
  dir = makeTempDir('permsnap-pieces-');
  // 15,000 files: a snapshot of about 1.4 MB, over the size that is cut into pieces.
  buildBigTree(dir, 'tree', 50, 300);
  sh([
    'chmod 4755 tree/d001/f001', 'chmod 2750 tree/d002', 'chown 5000:5001 tree/d003/f007',
    'setfacl -m u:5000:rw,g:5001:r tree/d004/f010 tree/d040/f299', 'setfacl -d -m u:5000:rwx tree/d005',
  ].join(' && '), dir);
  marked = permsnap(['snapshot', '--quiet', 'tree'], { cwd: dir }).stdout.toString('latin1');
  plain = getfacl(['-R', 'tree'], { cwd: dir }).stdout.toString('latin1');
  expect(Buffer.byteLength(marked, 'latin1')).toBeGreaterThan(1 << 20);
  fs.writeFileSync(path.join(dir, 'healthy.facl'), marked, 'latin1');
});
afterAll(() => dir && removeTree(dir));

/** Damage beyond what one look sees alike: modes, an owner, an ACL gone, missing files. */
function damage(): void {
  sh('chmod 777 tree/d010/f001 tree/d045/f100 && chown 7:7 tree/d020/f020 && setfacl -b tree/d004/f010 && rm tree/d030/f000 tree/d049/f299', dir);
}

function heal(): void {
  const r = restore(['--quiet', '--no-undo', 'healthy.facl'], { cwd: dir });
  if (r.status !== 0) throw new Error(r.stderr);
  sh('touch tree/d030/f000 tree/d049/f299 && chmod 640 tree/d030/f000 tree/d049/f299', dir);
}

/** The snapshot text in memory shared with workers, as the CLI reads it. */
function sharedText(text: string): { fileName: string; bytes: Buffer } {
  const bytes = Buffer.from(new SharedArrayBuffer(Buffer.byteLength(text, 'latin1')));
  bytes.write(text, 'latin1');
  return { fileName: 'snap.facl', bytes };
}

interface Passes {
  pieces: LookTally | null;
  oneThread: LookTally;
}

async function lookRules(rulesExtra: Partial<LookRules>): Promise<Omit<LookRules, 'capabilitiesKnown'>> {
  const { nssResolver } = await fromDist<Src['ids']>('restore/id-resolver.js');
  return { cwd: dir, exclude: [], only: [], ignore: [], ids: nssResolver(), ...rulesExtra };
}

/**
 * What is done to the file once it is open, as if written to while the workers read it:
 * bytes cut off its end, or its modification time changed (its bytes the same).
 */
type Change = { shrink: number } | { touch: true };

/** The snapshot file left open, as the CLI opens a plain one for the workers to read their pieces of; changed once open, if asked. */
async function openText(text: string, change?: Change): Promise<import('../../src/format/read-snapshot.js').SnapshotFile> {
  const { snapshotForPieces } = await fromDist<Src['operand']>('archive/read-operand.js');
  const { isSnapshotFile } = await fromDist<Src['read']>('format/read-snapshot.js');
  const file = path.join(dir, 'pieced.facl');
  fs.writeFileSync(file, text, 'latin1');
  const opened = snapshotForPieces(file, 0);
  if (!isSnapshotFile(opened)) throw new Error('a plain snapshot file was not left open');
  if (change !== undefined && 'shrink' in change) fs.truncateSync(file, opened.size - change.shrink);
  if (change !== undefined && 'touch' in change) fs.utimesSync(file, 1_000_000, 1_000_000);
  return opened;
}

/** Where the workers find the text: in memory they share, or in the file, each reading its pieces. */
type Source = 'shared' | 'file';

/** The first pass in pieces on two workers; null: the file is left to one thread. */
async function piecesPass(text: string, rulesExtra: Partial<LookRules> = {}, source: Source = 'shared', change?: Change): Promise<Passes['pieces']> {
  const { lookInPieces } = await fromDist<Src['pieces']>('restore/look-pieces.js');
  const { WorkerExecutor } = await fromDist<Src['workers']>('restore/worker-executor.js');
  const { unpackItems } = await fromDist<Src['packed']>('restore/packed-items.js');
  const { restoreOrder } = await fromDist<Src['order']>('restore/restore-order.js');
  const workers = new WorkerExecutor(2, { root: undefined, pseudo: [], wantPlans: false, journalled: false, fallbacks: false });
  const input = source === 'shared' ? sharedText(text) : await openText(text, change);
  try {
    const pass = await lookInPieces(input, { ...(await lookRules(rulesExtra)), capabilitiesKnown: false }, workers);
    if (pass === null) return null;
    // The restore order, worked out as the pieces came in: the one of the whole list.
    expect(pass.order).toEqual(restoreOrder(pass.work));
    // Its work list as the items the pass on one thread keeps, to compare alike.
    const { order: _order, ...counts } = pass;
    return { ...counts, work: unpackItems(pass.work.packed(pass.work.relatives.map((_, i) => i))) };
  } finally {
    await workers.close();
    if ('fd' in input) fs.closeSync(input.fd);
  }
}

/** The first pass both ways over the same text, with the same rules. */
async function bothPasses(text: string, rulesExtra: Partial<LookRules> = {}, source: Source = 'shared'): Promise<Passes> {
  const { lookAtAll } = await fromDist<Src['all']>('restore/look-all.js');
  const { InlineExecutor } = await fromDist<Src['inline']>('restore/restore-executor.js');
  const { readSnapshotBatches } = await fromDist<Src['read']>('format/read-snapshot.js');
  const pieces = await piecesPass(text, rulesExtra, source);
  const inline = new InlineExecutor({ root: undefined, pseudo: new Set(), wantPlans: false, journalled: false });
  try {
    const info = { hasMarkers: false };
    const entries = readSnapshotBatches('snap.facl', { input: [Buffer.from(text, 'latin1')], info, shareBlocks: true });
    const oneThread = await lookAtAll(entries, { ...(await lookRules(rulesExtra)), capabilitiesKnown: () => info.hasMarkers }, inline, { inFlight: 1 });
    return { pieces, oneThread };
  } finally {
    await inline.close();
  }
}

/** A tally with its work items as plain data, the progress path aside. */
function comparable(tally: LookTally | null): unknown {
  if (tally === null) return null;
  return JSON.parse(JSON.stringify({ ...tally, latest: undefined }, (_key, value) => (value instanceof Uint8Array ? [...value] : value)));
}

/** The text with the line that starts with `prefix`, the n-th from the end, replaced. */
function replaceLineFromEnd(text: string, prefix: string, n: number, replacement: string): { text: string; line: number } {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!(lines[i] as string).startsWith(prefix) || ++seen < n) continue;
    lines[i] = replacement;
    return { text: lines.join('\n'), line: i + 1 };
  }
  throw new Error(`no line starts with ${prefix}`);
}

describe('cutting a snapshot file into pieces', () => {
  it('finds the first empty line at or after a place wherever it falls, across the windows it reads', async () => {
    const { blankInFile } = await fromDist<Src['pieces']>('restore/look-pieces.js');
    const { PARSE_CHUNK } = await fromDist<Src['read']>('format/read-snapshot.js');
    const scratch = makeTempDir('permsnap-blank-');
    try {
      const size = 3 * PARSE_CHUNK + 5;
      for (const blank of [0, 1, PARSE_CHUNK - 2, PARSE_CHUNK - 1, PARSE_CHUNK, 2 * PARSE_CHUNK - 1, 3 * PARSE_CHUNK, size - 2]) {
        const bytes = Buffer.alloc(size, 'x');
        bytes.write('\n\n', blank, 'latin1');
        // A lone newline just before each window's end, which must not pass for one.
        for (let w = PARSE_CHUNK - 1; w < size; w += PARSE_CHUNK) if (Math.abs(w - blank) > 1) bytes[w] = 10;
        const file = path.join(scratch, 'f');
        fs.writeFileSync(file, bytes);
        const fd = fs.openSync(file, 'r');
        try {
          for (const from of [0, 1, blank - 1, blank, blank + 1]) {
            if (from < 0) continue;
            const want = from <= blank ? blank : -1;
            expect(blankInFile(fd, size, from), `blank at ${blank}, from ${from}`).toBe(want);
            expect(blankInFile(fd, size, from), 'as bytes.indexOf finds it').toBe(bytes.indexOf('\n\n', from));
          }
          // Within the size given only (a file longer than when it was opened).
          expect(blankInFile(fd, blank + 1, 0)).toBe(-1);
        } finally {
          fs.closeSync(fd);
        }
      }
    } finally {
      removeTree(scratch);
    }
  });
});

describe.skipIf(!restoreReady)(`restore's first pass in pieces (${SKIP_REASON})`, () => {
  it('finds what the pass on one thread finds: counts, problems, the work and its order', async () => {
    damage();
    try {
      for (const [text, extra] of [[marked, {}], [plain, {}], [marked, { exclude: ['tree/d01*'], only: ['tree/d0[0-3]*'] }], [plain, { root: dir }]] as const) {
        for (const source of ['shared', 'file'] as const) {
          const { pieces, oneThread } = await bothPasses(text, extra, source);
          expect(pieces, source).not.toBeNull();
          expect(comparable(pieces), source).toEqual(comparable(oneThread));
        }
      }
      const { pieces } = await bothPasses(marked);
      expect(pieces?.missing).toBe(2);
      expect(pieces?.work.map((w) => w.target.relative)).toEqual(
        expect.arrayContaining(['tree/d010/f001', 'tree/d045/f100', 'tree/d020/f020', 'tree/d004/f010']),
      );
    } finally {
      heal();
    }
  }, 120_000);

  it('takes permsnap\'s markers as one thread does when the file opens with a comment and an empty line', async () => {
    const { pieces, oneThread } = await bothPasses(`# exported by tool X\n\n${marked}`);
    expect(pieces).not.toBeNull();
    expect(comparable(pieces)).toEqual(comparable(oneThread));
    // Capabilities known (the markers count): a file without a capability line must have none.
    expect(oneThread.work.length + oneThread.correct).toBeGreaterThan(0);
  }, 120_000);

  it('reports an unknown name and a default ACL on a file in file order, as one thread does', async () => {
    let text = replaceLineFromEnd(marked, '# owner: ', 3, '# owner: no-such-user-here').text;
    text = replaceLineFromEnd(text, 'other::', 9000, 'other::---\ndefault:user::rwx\ndefault:group::r-x\ndefault:other::---').text;
    const { pieces, oneThread } = await bothPasses(text);
    expect(pieces).not.toBeNull();
    expect(pieces?.problems.length).toBe(2);
    expect(comparable(pieces)).toEqual(comparable(oneThread));
  }, 120_000);

  it('leaves to one thread a file that repeats a path, or whose markers or lines need the whole file', async () => {
    const blocks = plain.split('\n\n');
    const repeated = [...blocks.slice(0, -3), blocks.at(-5), ...blocks.slice(-3)].join('\n\n');
    const lines = marked.split('\n');
    const begin = lines.findIndex((l) => l === '# permsnap: begin');
    const beginMoved = [...lines.slice(0, begin), ...lines.slice(begin + 1)].join('\n').replace('# file: tree/d040/f000\n', '# file: tree/d040/f000\n# permsnap: begin\n');
    const cases: Record<string, string> = {
      'a repeated path': repeated,
      'a malformed line in the last piece': replaceLineFromEnd(plain, 'other::', 2, 'other:bogus').text,
      'an end marker that miscounts': marked.replace(/# permsnap: end, (\d+) entries/, (_m, n) => `# permsnap: end, ${Number(n) + 1} entries`),
      'a truncated file (no end marker)': marked.slice(0, marked.lastIndexOf('\n\n', marked.length - 1000) + 2),
      'a begin marker after the first block': beginMoved,
      'capabilities unknown said late': marked.replace('# file: tree/d030/f000\n', '# file: tree/d030/f000\n# permsnap: capabilities unknown\n'),
    };
    for (const [what, text] of Object.entries(cases)) {
      expect(await piecesPass(text), what).toBeNull();
      expect(await piecesPass(text, {}, 'file'), `${what}, read from the file`).toBeNull();
    }
    expect(await piecesPass(marked)).not.toBeNull();
    expect(await piecesPass(marked, {}, 'file')).not.toBeNull();
    // Shorter than when it was opened, by its last block (what is left is a whole snapshot
    // without markers): the last piece ends early, and one thread parses what is there now.
    const lastBlock = plain.length - (plain.lastIndexOf('\n\n', plain.length - 3) + 2);
    expect(await piecesPass(plain, {}, 'file', { shrink: lastBlock })).toBeNull();
    // Written to meanwhile (its times changed, whatever its bytes): the workers' pieces may be of two versions.
    expect(await piecesPass(plain, {}, 'file', { touch: true })).toBeNull();
  }, 180_000);

  it('reports a malformed line in a late piece with its line in the whole file, and changes nothing', () => {
    damage();
    try {
      const { text, line } = replaceLineFromEnd(plain, 'user::', 4, 'user::rwz');
      fs.writeFileSync(path.join(dir, 'bad.facl'), text, 'latin1');
      const before = faclTree(dir);
      const r = restore(['--quiet', '--no-undo', '--jobs', '2', 'bad.facl'], { cwd: dir });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`bad.facl:${line}:`);
      expect(faclTree(dir)).toEqual(before);
    } finally {
      heal();
    }
  }, 120_000);

  it('refuses "capabilities unknown" said in a late block, at its line, and changes nothing (the blocks before it were read as capabilities known)', () => {
    damage();
    try {
      const { text, line } = replaceLineFromEnd(marked, '# owner: ', 5, '# permsnap: capabilities unknown');
      // Said in the first block too, where it is allowed, and again in the block that starts
      // the second of --jobs 2's four pieces (whose own parse cannot tell it is late).
      const first = marked.replace('# permsnap: begin\n', '# permsnap: begin\n# permsnap: capabilities unknown\n');
      const cut = first.indexOf('\n\n', Math.floor(first.length / 4)) + 2;
      const fileLineEnd = first.indexOf('\n', cut) + 1;
      const twice = `${first.slice(0, fileLineEnd)}# permsnap: capabilities unknown\n${first.slice(fileLineEnd)}`;
      expect(twice.indexOf('\n\n', Math.floor(twice.length / 4)) + 2, 'the marker opens a piece').toBe(cut);
      const twiceLine = twice.slice(0, fileLineEnd).split('\n').length;
      const before = faclTree(dir);
      for (const [file, content, late] of [['late.facl', text, line], ['twice.facl', twice, twiceLine]] as const) {
        fs.writeFileSync(path.join(dir, file), content, 'latin1');
        for (const jobs of ['1', '2']) {
          const r = restore(['--quiet', '--no-undo', '--jobs', jobs, file], { cwd: dir });
          expect(r.status, r.stderr).toBe(2);
          expect(r.stderr).toContain(`${file}:${late}: "# permsnap: capabilities unknown" after the first block`);
          expect(faclTree(dir)).toEqual(before);
        }
      }
    } finally {
      heal();
    }
  }, 120_000);

  it('restores a tree damaged throughout (where the first look is mostly skipped) as --jobs 1 does, word for word', () => {
    // A file's block that wants a default ACL, deep in the damage: refused by the first pass,
    // and so reported before the immutable file's problem, which the second pass finds.
    const text = marked.replace(/(# file: tree\/d025\/f150\n(?:.+\n)*?other::---\n)/, '$1default:user::rwx\ndefault:group::r-x\ndefault:other::---\n');
    expect(text).not.toBe(marked);
    fs.writeFileSync(path.join(dir, 'damaged.facl'), text, 'latin1');
    const healthy = faclTree(dir);
    const outputs: string[] = [];
    try {
      for (const jobs of ['1', '2']) {
        sh('chmod -R a+rwx tree && chown -R 3:3 tree/d033 && rm tree/d020/f1* tree/d041/f2* && chattr +i tree/d001/f002', dir);
        const r = restore(['--no-undo', '--jobs', jobs, 'damaged.facl'], { cwd: dir });
        sh('chattr -i tree/d001/f002 && chmod 640 tree/d001/f002', dir);
        expect(r.status, r.stderr).toBe(1);
        outputs.push(r.stderr);
        sh('for d in d020 d041; do for f in $(seq 100 299); do [ -e tree/$d/f$f ] || { touch tree/$d/f$f; chmod 640 tree/$d/f$f; }; done; done', dir);
        expect(faclTree(dir)).toEqual(healthy);
      }
    } finally {
      heal();
    }
    expect(outputs[1]).toBe(outputs[0]);
    expect(summaryOf(outputs[0] as string)).toMatchObject({ missing: 200, problems: 2 });
    const refused = (outputs[0] as string).indexOf('tree/d025/f150: a default ACL for something that is not a directory: refused');
    expect(refused).toBeGreaterThan(0);
    expect((outputs[0] as string).indexOf('tree/d001/f002: immutable')).toBeGreaterThan(refused);
  }, 120_000);

  it('prints the same dry run whatever --jobs, where damaged stretches hold paths already right', () => {
    // Which paths the first look skips depends on where the pieces are cut, so on --jobs;
    // skipped paths shift the chunks' bounds, and with them which small directories wait
    // for the end. A dry run looks at every path, so its plan prints alike.
    const small = makeTempDir('permsnap-pieces-small-');
    try {
      // 200 directories of 100 files in six modes (1777 is still right after chmod a+rwx)
      // and one of 10 files.
      expect(spawnSync('python3', ['-c', `
import os
os.mkdir('tree')
for d in range(200):
    os.mkdir('tree/d%03d' % d)
    for f in range(100):
        open('tree/d%03d/f%03d' % (d, f), 'w').close()
        os.chmod('tree/d%03d/f%03d' % (d, f), [0o644, 0o600, 0o4755, 0o2750, 0o1777, 0o640][f % 6])
os.mkdir('tree/x')
for f in range(10):
    open('tree/x/z%d' % f, 'w').close()
`], { cwd: small }).status).toBe(0);
      const snapshot = permsnap(['snapshot', '--quiet', 'tree'], { cwd: small }).stdout;
      expect(snapshot.length).toBeGreaterThan(1 << 20);
      fs.writeFileSync(path.join(small, 'healthy.facl'), snapshot);
      sh('chmod -R a+rwx tree', small);
      const outputs = ['1', '2', '3'].map((jobs) => {
        const r = restore(['--dry-run', '--jobs', jobs, 'healthy.facl'], { cwd: small });
        expect(r.status, r.stderr).toBe(0);
        return r.stdout.toString('latin1');
      });
      expect(outputs[0]).toMatch(/tree\/d010  mode 0777 -> 0755\n/);
      expect(outputs[1]).toBe(outputs[0]);
      expect(outputs[2]).toBe(outputs[0]);
    } finally {
      removeTree(small);
    }
  }, 120_000);

  it('undoes a restore of the whole tree from its journal, itself over 1 MiB (a journal is never cut into pieces)', () => {
    try {
      sh('chmod -R a+rwx tree && chown -R 3:4 tree/d012', dir);
      const damaged = faclTree(dir);
      const r = restore(['--jobs', '2', '--undo', 'undo.facl', 'healthy.facl'], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(fs.statSync(path.join(dir, 'undo.facl')).size).toBeGreaterThan(1 << 20);
      const undo = restore(['--jobs', '2', '--no-undo', 'undo.facl'], { cwd: dir });
      expect(undo.status, undo.stderr).toBe(0);
      expect(faclTree(dir)).toEqual(damaged);
    } finally {
      fs.rmSync(path.join(dir, 'undo.facl'), { force: true });
      heal();
    }
  }, 120_000);

  it('reads a snapshot from a named pipe once, as it streams (a pipe is never read whole first)', () => {
    let writer: ChildProcess | undefined;
    damage();
    try {
      sh('rm -f pipe.facl && mkfifo pipe.facl', dir);
      // The writer blocks in its open until restore opens the pipe; killed below if it never does.
      writer = spawn('sh', ['-c', 'cat healthy.facl > pipe.facl'], { cwd: dir, stdio: 'ignore' });
      const r = restore(['--no-undo', '--jobs', '2', 'pipe.facl'], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      expect(summaryOf(r.stderr)).toMatchObject({ changed: 4, missing: 2, problems: 0 });
    } finally {
      writer?.kill('SIGKILL');
      fs.rmSync(path.join(dir, 'pipe.facl'), { force: true });
      heal();
    }
  }, 120_000);

  it('reads a gzip snapshot whole as well (inflated), but never a tar inside gzip, and restores from it as --jobs 1 does', async () => {
    const { readSnapshotText } = await fromDist<Src['operand']>('archive/read-operand.js');
    fs.writeFileSync(path.join(dir, 'healthy.facl.gz'), zlib.gzipSync(Buffer.from(marked, 'latin1')));
    const text = readSnapshotText(path.join(dir, 'healthy.facl.gz'), 1 << 20);
    expect(text?.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(text?.bytes.toString('latin1')).toBe(marked);
    sh('tar -czf tree.tar.gz tree/d000', dir);
    expect(readSnapshotText(path.join(dir, 'tree.tar.gz'), 0)).toBeNull();
    const outputs: string[] = [];
    try {
      for (const jobs of ['1', '2']) {
        damage();
        sh('touch tree/d030/f000 tree/d049/f299 && chmod 640 tree/d030/f000 tree/d049/f299', dir);
        const r = restore(['--no-undo', '--jobs', jobs, 'healthy.facl.gz'], { cwd: dir });
        expect(r.status, r.stderr).toBe(0);
        outputs.push(r.stderr);
      }
    } finally {
      fs.rmSync(path.join(dir, 'tree.tar.gz'), { force: true });
      heal();
    }
    expect(outputs[1]).toBe(outputs[0]);
    expect(summaryOf(outputs[0] as string)).toMatchObject({ changed: 4, problems: 0 });
  }, 120_000);

  it('restores a damaged tree as --jobs 1 does, with the same summary', () => {
    fs.writeFileSync(path.join(dir, 'healthy.facl'), marked, 'latin1');
    const healthy = faclTree(dir);
    const summaries: unknown[] = [];
    for (const jobs of ['1', '2']) {
      damage();
      sh('touch tree/d030/f000 tree/d049/f299 && chmod 640 tree/d030/f000 tree/d049/f299', dir);
      const r = restore(['--no-undo', '--jobs', jobs, 'healthy.facl'], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      summaries.push(summaryOf(r.stderr));
      expect(faclTree(dir)).toEqual(healthy);
    }
    expect(summaries[1]).toEqual(summaries[0]);
    expect(summaries[0]).toMatchObject({ changed: 4, problems: 0 });
  }, 120_000);
});
