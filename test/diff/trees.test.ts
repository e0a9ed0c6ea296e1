// permsnap diff on real trees that the tests build and damage: which paths it reports as
// modified, missing and extra must be exactly the paths whose getfacl -R blocks (and, when
// both sides know capabilities, getcap -r lines) differ, for every kind of operand: permsnap's
// snapshot, the real getfacl's text, and the live tree.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOddTree } from '../helpers/odd-tree.js';
import { restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { makeTempDir, removeTree, sh } from '../helpers/tree.js';
import {
  countKinds, diffCli, kindsByPath, oracleChanges, parseDiffJson, snapshotFile, sortedEntries, toolView, type ChangeKind, type ToolView,
} from './diff-kit.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-diff-');
});
afterEach(() => {
  removeTree(dir);
});

const quietly = (cmd: string): string => `${cmd} 2>/dev/null || true`; // loops and dangling links make chmod -R complain

interface Damage {
  name: string;
  /** A shell script run in the directory holding `tree`. */
  script: string;
}

const DAMAGES: Damage[] = [
  { name: 'chmod -R a+rwx', script: quietly('chmod -R a+rwx tree') },
  // chown also drops a file's capability (the kernel does): only the sides that know capabilities see that.
  { name: 'chown -R 1000:1000', script: 'chown -R 1000:1000 tree' },
  { name: 'setfacl -R -b (every ACL removed)', script: quietly('setfacl -R -b tree') },
  { name: 'setfacl -R -k (every default ACL removed)', script: quietly('setfacl -R -k tree') },
  {
    name: 'one change of each field on a few paths',
    script: [
      'chmod 0777 tree/special/setuid',
      'chown daemon tree/owners/no-names',
      'chgrp adm tree/special/none',
      'setfacl -m g::rwx tree/acls/named', // only group:: of an extended ACL: the mode stays the mask
      'setfacl -m u:bin:r tree/acls/unmasked',
      'setfacl -d -m u:daemon:rx tree/acls/minimal-default',
      'setcap -r tree/kinds/with-capability', // a capability-only change
      'setcap cap_chown=ep tree/kinds/file', // and its hard link changes with it
    ].join(' && '),
  },
  {
    name: 'paths removed and added',
    script: [
      'rm -rf tree/acls/with-default tree/odd',
      'mkdir tree/added-dir',
      'touch tree/added-dir/inner tree/special/added',
      'setfacl -m u:4444:rw tree/special/added',
      'chmod 4711 tree/deep/level0',
    ].join(' && '),
  },
];

/** Runs diff --format json and checks it against the oracle: summary, every path and its kind. */
function expectDiff(args: string[], expected: Map<string, ChangeKind>, input?: Buffer): void {
  const r = diffCli([...args, '--format', 'json'], { cwd: dir, input });
  expect(r.stderr).toBe('');
  expect(r.status, `exit status of diff ${args.join(' ')}`).toBe(expected.size > 0 ? 1 : 0);
  const doc = parseDiffJson(r.stdout);
  expect(doc.summary).toEqual(countKinds(expected));
  expect(sortedEntries(kindsByPath(doc))).toEqual(sortedEntries(expected));
  for (const c of doc.changes) {
    if (c.kind === 'modified') expect(c.fields?.length, `fields of ${JSON.stringify(c.path)}`).toBeGreaterThan(0);
    else expect(c.fields).toBeUndefined();
  }
}

type Operand = 'healthy.facl' | 'healthy.getfacl' | 'damaged.facl' | 'damaged.getfacl' | 'tree';

/**
 * Every damage is diffed from permsnap's and from getfacl's healthy snapshot to the live tree;
 * the other pairs of operands take turns (each CLI run costs a Node start).
 */
const MORE_PAIRS: Array<[Operand, Operand]> = [
  ['healthy.facl', 'damaged.facl'],
  ['tree', 'healthy.facl'],
  ['healthy.getfacl', 'damaged.getfacl'],
  ['healthy.facl', 'damaged.getfacl'],
  ['damaged.getfacl', 'healthy.facl'],
  ['healthy.getfacl', 'damaged.facl'],
];

/** The oracle for a pair: BEFORE's and AFTER's views, capabilities when neither side is getfacl's text. */
function expectedFor(pair: [Operand, Operand], views: { before: ToolView; after: ToolView }): Map<string, ChangeKind> {
  const view = (o: Operand): ToolView => (o.startsWith('healthy') ? views.before : views.after);
  const caps = !pair.some((o) => o.endsWith('.getfacl'));
  return oracleChanges(view(pair[0]), view(pair[1]), caps);
}

describe.skipIf(!restoreReady)(`diff of a damaged odd tree against the real getfacl and getcap (${SKIP_REASON})`, () => {
  for (const [i, damage] of DAMAGES.entries()) {
    const pairs: Array<[Operand, Operand]> = [['healthy.facl', 'tree'], ['healthy.getfacl', 'tree'], MORE_PAIRS[i % MORE_PAIRS.length] as [Operand, Operand]];
    it(`reports exactly the paths getfacl -R and getcap -r see changed after ${damage.name} (${pairs.map((p) => p.join(' vs ')).join(', ')})`, () => {
      buildOddTree(dir);
      snapshotFile(dir, ['tree'], 'healthy.facl');
      const before = toolView(dir);
      fs.writeFileSync(path.join(dir, 'healthy.getfacl'), before.text, 'latin1');
      sh(damage.script, dir);
      const after = toolView(dir);
      if (pairs.flat().includes('damaged.facl')) snapshotFile(dir, ['tree'], 'damaged.facl');
      fs.writeFileSync(path.join(dir, 'damaged.getfacl'), after.text, 'latin1');
      expect(oracleChanges(before, after, true).size).toBeGreaterThan(0);
      for (const pair of pairs) expectDiff(pair, expectedFor(pair, { before, after }));
    });
  }

  it('tells capability-only changes apart by operand: seen with permsnap snapshots and live trees, not with getfacl text', () => {
    buildOddTree(dir);
    const healthy = snapshotFile(dir, ['tree'], 'healthy.facl');
    const before = toolView(dir);
    fs.writeFileSync(path.join(dir, 'healthy.getfacl'), before.text, 'latin1');
    sh('setcap -r tree/kinds/with-capability && setcap cap_kill=ep tree/special/setgid', dir);
    const after = toolView(dir);
    expect(after.text).toBe(before.text); // getfacl sees nothing
    const expected = oracleChanges(before, after, true);
    expect(sortedEntries(expected)).toEqual([['tree/kinds/with-capability', 'modified'], ['tree/special/setgid', 'modified']]);
    expectDiff([healthy, 'tree'], expected);
    expectDiff(['healthy.getfacl', 'tree'], new Map());
    expectDiff([healthy, 'healthy.getfacl'], new Map());
  });
});
