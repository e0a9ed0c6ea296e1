// The truncation markers of contracts.md: `# permsnap: begin` in the first block's header,
// `# permsnap: end, N entries` in the last one's, N the number of blocks; both header
// comments placed after `# group:`/`# flags:`/`# capability:` and before the ACL entries;
// none with --compat or -c. Checked on small trees and on one big enough to be split into
// jobs (scheduler.ts: FIRST_JOB_BUDGET, JOB_BUDGET), with one thread and with workers.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aclReady, blockFile, filePaths, latin1, MARKER_LINE, splitBlocks, stripMarkers } from '../helpers/facl-text.js';
import { buildOddTree } from '../helpers/odd-tree.js';
import { getfacl, hasCapTools, isRoot, makeTempDir, permsnap, removeTree } from '../helpers/tree.js';
import { FIRST_JOB_BUDGET, JOB_BUDGET } from '../../src/snapshot/scheduler.js';

const BEGIN = '# permsnap: begin';
const END = /^# permsnap: end, (\d+) entries$/;

let dir = '';
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeTree(dir));

function snapshotText(args: string[]): string {
  const r = permsnap(['snapshot', '--quiet', ...args], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return latin1(r.stdout);
}

/**
 * Checks the whole marker contract on a default-format text: the header lines of every block
 * come in getfacl's order, markers only in the first and last headers, right after the other
 * header lines, and N is the number of blocks.
 */
function checkMarkers(text: string): void {
  const blocks = splitBlocks(text);
  expect(blocks.length).toBeGreaterThan(0);
  const fileCount = filePaths(text).length;
  expect(blocks.length).toBe(fileCount);
  blocks.forEach((block, i) => {
    const lines = block.split('\n');
    const markerLines = lines.filter((l) => MARKER_LINE.test(l));
    const expected: string[] = [];
    if (i === 0) expected.push(BEGIN);
    if (i === blocks.length - 1) expected.push(`# permsnap: end, ${fileCount} entries`);
    expect(markerLines, `markers of block ${i} (${blockFile(block)})`).toEqual(expected);
    // Header order: file, owner, group, [flags], [capability], markers..., then entries.
    let at = 0;
    expect(lines[at++]).toMatch(/^# file: /);
    expect(lines[at++]).toMatch(/^# owner: /);
    expect(lines[at++]).toMatch(/^# group: /);
    if (lines[at]?.startsWith('# flags: ')) at++;
    if (lines[at]?.startsWith('# capability: ')) at++;
    for (const marker of expected) expect(lines[at++]).toBe(marker);
    const rest = lines.slice(at);
    expect(rest.length).toBeGreaterThan(0);
    for (const line of rest) expect(line, `entry line in ${blockFile(block)}`).toMatch(/^(default:)?(user|group|mask|other):/);
  });
}

describe.skipIf(!aclReady)('permsnap truncation markers (needs getfacl and ACLs on the temp filesystem)', () => {
  it('puts begin in the first header and "end, N entries" in the last, N being the number of # file: blocks', () => {
    buildOddTree(dir);
    const text = snapshotText(['tree']);
    checkMarkers(text);
    // Without the markers it is getfacl's output.
    const plain = getfacl(['-R', 'tree'], { cwd: dir });
    expect(stripMarkers(text).split('\n').filter((l) => !l.startsWith('# capability: ')).join('\n')).toBe(latin1(plain.stdout));
  });

  it('puts both markers, begin first, into the header of a single-entry snapshot', () => {
    fs.writeFileSync(path.join(dir, 'only'), '');
    const text = snapshotText(['only']);
    const lines = latin1(getfacl(['only'], { cwd: dir }).stdout).split('\n');
    lines.splice(3, 0, BEGIN, '# permsnap: end, 1 entries');
    expect(text).toBe(lines.join('\n'));
    checkMarkers(text);
  });

  it('places the markers after # flags: and # capability: and before the ACL entries', () => {
    fs.writeFileSync(path.join(dir, 'first'), '');
    fs.chmodSync(path.join(dir, 'first'), 0o4755);
    fs.mkdirSync(path.join(dir, 'middle'));
    fs.writeFileSync(path.join(dir, 'last'), '');
    fs.chmodSync(path.join(dir, 'last'), 0o2750);
    execFileSync('setfacl', ['-m', 'u:bin:rw,m::r', path.join(dir, 'last')]);
    const withCaps = isRoot && hasCapTools;
    if (withCaps) {
      execFileSync('setcap', ['cap_net_raw=ep', path.join(dir, 'first')]);
      fs.chmodSync(path.join(dir, 'first'), 0o4755); // setcap keeps it, but be sure
      execFileSync('setcap', ['cap_chown,cap_kill=ep', path.join(dir, 'last')]);
      fs.chmodSync(path.join(dir, 'last'), 0o2750);
    }
    const text = snapshotText(['first', 'middle', 'last']);
    checkMarkers(text);
    const [first, , last] = splitBlocks(text);
    expect(first).toContain(`# flags: s--\n${withCaps ? '# capability: cap_net_raw=ep\n' : ''}${BEGIN}\nuser::`);
    expect(last).toContain(`# flags: -s-\n${withCaps ? '# capability: cap_chown,cap_kill=ep\n' : ''}# permsnap: end, 3 entries\nuser::`);
  });

  it('marks the first and last printed blocks when the first and last arguments are missing', () => {
    fs.mkdirSync(path.join(dir, 'present'));
    fs.writeFileSync(path.join(dir, 'present', 'file'), '');
    const r = permsnap(['snapshot', '--quiet', 'missing-1', 'present', 'missing-2'], { cwd: dir });
    expect(r.status).toBe(1);
    const text = latin1(r.stdout);
    checkMarkers(text);
    expect(filePaths(text)).toEqual(['present', 'present/file']);
  });

  it('marks the last printed block when -s leaves out the last walked entries', () => {
    fs.mkdirSync(path.join(dir, 'd'));
    for (const name of ['a1', 'a2']) {
      fs.writeFileSync(path.join(dir, 'd', name), '');
      execFileSync('setfacl', ['-m', 'u:bin:r', path.join(dir, 'd', name)]);
    }
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(dir, 'd', `plain${i}`), '');
    const text = snapshotText(['-s', '--sort', 'd']);
    expect(filePaths(text)).toEqual(['d/a1', 'd/a2']);
    checkMarkers(text);
  });

  it('prints no markers with --compat or with -c', () => {
    buildOddTree(dir);
    const compat = snapshotText(['--compat', 'tree']);
    expect(compat).not.toMatch(/^# permsnap:/m);
    expect(compat).toBe(latin1(getfacl(['-R', 'tree'], { cwd: dir }).stdout));
    const omitHeader = snapshotText(['-c', 'tree']);
    expect(omitHeader).not.toContain('permsnap');
    expect(omitHeader).toBe(latin1(getfacl(['-R', '-c', 'tree'], { cwd: dir }).stdout));
    const omitHeaderLong = snapshotText(['--omit-header', 'tree']);
    expect(omitHeaderLong).toBe(omitHeader);
  });

  it(`marks correctly with --jobs 1 and --jobs 3 on a tree of about 20k files (budgets ${FIRST_JOB_BUDGET}/${JOB_BUDGET} split the work)`, () => {
    const big = path.join(dir, 'big');
    fs.mkdirSync(big);
    let files = 1;
    for (let i = 0; i < 40; i++) {
      const sub = path.join(big, `d${i}`);
      fs.mkdirSync(sub);
      files++;
      for (let j = 0; j < 450; j++) fs.writeFileSync(path.join(sub, `f${j}`), '');
      files += 450;
      const inner = path.join(sub, 'inner');
      fs.mkdirSync(inner);
      files++;
      for (let j = 0; j < 50; j++) fs.writeFileSync(path.join(inner, `g${j}`), '');
      files += 50;
    }
    expect(files).toBeGreaterThan(4 * JOB_BUDGET);
    const oracle = latin1(getfacl(['-R', 'big'], { cwd: dir }).stdout);
    for (const jobs of ['1', '3']) {
      const text = snapshotText(['--jobs', jobs, 'big']);
      checkMarkers(text);
      expect(text).toMatch(new RegExp(`^# permsnap: end, ${files} entries$`, 'm'));
      expect(stripMarkers(text)).toBe(oracle);
    }
  });
});
