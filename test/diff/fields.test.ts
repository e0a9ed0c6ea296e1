// Each field diff compares (owner, group, mode, acl, default-acl, capability) reported with
// the right before and after values, taken independently from getfacl, stat and getcap of the
// tree before and after the damage; --ignore; what counts as the same ACL and capability.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { makeTempDir, removeTree, sh } from '../helpers/tree.js';
import {
  accessEntries, compareSorted, defaultEntries, diffCli, header, parseDiffJson, snapshotFile, toolView, type JsonChange, type JsonField, type ToolView,
} from './diff-kit.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-diff-fields-');
});
afterEach(() => {
  removeTree(dir);
});

/** tree/ with one path per field, each in a state the damage below changes. */
const SETUP = [
  'mkdir tree',
  'touch tree/owner tree/group tree/mode tree/acl tree/group-entry tree/mask tree/capability tree/untouched',
  'mkdir tree/default-acl',
  'chmod 4755 tree/mode',
  'chmod 0640 tree/acl',
  'setfacl -m u:bin:rwx,g::r--,m::rwx tree/group-entry',
  'setfacl -m u:daemon:rw,g:adm:rw tree/mask',
  'setcap cap_net_raw=ep tree/capability',
  'setfacl -m u:bin:r tree/untouched',
].join(' && ');

const DAMAGE = [
  'chown daemon tree/owner',
  'chgrp adm tree/group',
  'chmod 0777 tree/mode',
  'setfacl -m u:bin:r tree/acl', // the mask becomes r--, the group bits stay r--: only the ACL changes
  'setfacl -d -m u:bin:rx tree/default-acl',
  'setfacl -m g::rwx tree/group-entry', // the mode's group bits are the mask's: only group:: changes
  'chmod g-w tree/mask', // chmod of an ACL's group bits changes the mask: mode and ACL
  'setcap cap_net_admin=ep tree/capability',
].join(' && ');

const modeOf = (p: string): string => (fs.statSync(path.join(dir, p)).mode & 0o7777).toString(8).padStart(4, '0');

/** The acl field as contracts.md defines it, from a getfacl block: the entries the mode does not say. */
function aclField(block: string): string {
  const entries = accessEntries(block).filter((e) => !/^(user|other)::/.test(e));
  return entries.length <= 1 ? 'none' : entries.join(','); // group:: alone is in the mode
}

function defaultAclField(block: string): string {
  const entries = defaultEntries(block);
  return entries.length === 0 ? 'none' : entries.join(',');
}

interface Observed {
  view: ToolView;
  modes: Map<string, string>;
}

function observe(): Observed {
  const view = toolView(dir);
  return { view, modes: new Map([...view.facl.keys()].map((p) => [p, modeOf(p)])) };
}

/** The fields whose values differ between two observations of one path, each from the tools. */
function oracleFields(p: string, before: Observed, after: Observed): JsonField[] {
  const b = before.view.facl.get(p) as string;
  const a = after.view.facl.get(p) as string;
  const candidates: JsonField[] = [
    { field: 'owner', before: header(b, 'owner'), after: header(a, 'owner') },
    { field: 'group', before: header(b, 'group'), after: header(a, 'group') },
    { field: 'mode', before: before.modes.get(p) as string, after: after.modes.get(p) as string },
    { field: 'acl', before: aclField(b), after: aclField(a) },
    { field: 'default-acl', before: defaultAclField(b), after: defaultAclField(a) },
    { field: 'capability', before: before.view.caps.get(p) ?? 'none', after: after.view.caps.get(p) ?? 'none' },
  ];
  return candidates.filter((f) => f.before !== f.after);
}

function oracleChanges(before: Observed, after: Observed, ignore: string[] = []): JsonChange[] {
  const changes: JsonChange[] = [];
  for (const p of before.view.facl.keys()) {
    const fields = oracleFields(p, before, after).filter((f) => !ignore.includes(f.field));
    if (fields.length > 0) changes.push({ kind: 'modified', path: p, fields });
  }
  return changes.sort((x, y) => compareSorted(x.path, y.path));
}

function damaged(): { before: Observed; after: Observed } {
  sh(SETUP, dir);
  snapshotFile(dir, ['tree'], 'healthy.facl');
  const before = observe();
  sh(DAMAGE, dir);
  return { before, after: observe() };
}

describe.skipIf(!restoreReady)(`diff reports each changed field with its before and after (${SKIP_REASON})`, () => {
  it('reports owner, group, mode, acl, default-acl and capability changes with the values getfacl, stat and getcap show', () => {
    const { before, after } = damaged();
    const expected = oracleChanges(before, after);
    // The damage reaches every field, and each path it meant to change.
    expect(new Set(expected.flatMap((c) => c.fields?.map((f) => f.field)))).toEqual(new Set(['owner', 'group', 'mode', 'acl', 'default-acl', 'capability']));
    expect(expected.map((c) => c.path)).toEqual(
      ['acl', 'capability', 'default-acl', 'group', 'group-entry', 'mask', 'mode', 'owner'].map((n) => `tree/${n}`),
    );
    expect(expected.find((c) => c.path === 'tree/mask')?.fields?.map((f) => f.field)).toEqual(['mode', 'acl']);

    const json = diffCli(['healthy.facl', 'tree', '--format', 'json'], { cwd: dir });
    expect(json.stderr).toBe('');
    expect(json.status).toBe(1);
    const doc = parseDiffJson(json.stdout);
    expect(doc.changes).toEqual(expected);
    expect(doc.summary).toEqual({ modified: expected.length, missing: 0, extra: 0 });

    // The text form says the same: a summary line, then one line per path.
    const text = diffCli(['healthy.facl', 'tree'], { cwd: dir });
    expect(text.status).toBe(1);
    const lines = expected.map((c) => `modified  ${c.path}  ${(c.fields ?? []).map((f) => `${f.field} ${f.before} -> ${f.after}`).join(', ')}`);
    expect(text.stdout.toString('latin1')).toBe([`${expected.length} modified, 0 missing, 0 extra`, ...lines, ''].join('\n'));
  });

  it('compares the live tree as BEFORE too: the same fields with before and after swapped', () => {
    const { before, after } = damaged();
    const r = diffCli(['tree', 'healthy.facl', '--format', 'json'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(parseDiffJson(r.stdout).changes).toEqual(oracleChanges(after, before));
  });

  it('leaves out the fields named by --ignore, and paths whose every change is ignored', () => {
    const { before, after } = damaged();
    for (const ignore of [['owner', 'group'], ['mode'], ['acl', 'capability'], ['default-acl']]) {
      const r = diffCli(['healthy.facl', 'tree', '--format', 'json', '--ignore', ignore.join(',')], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(1);
      const expected = oracleChanges(before, after, ignore);
      expect(parseDiffJson(r.stdout).changes, ignore.join(',')).toEqual(expected);
      expect(expected.length).toBeLessThan(oracleChanges(before, after).length);
    }
    const all = diffCli(['healthy.facl', 'tree', '--ignore', ' owner, group,mode ,acl,default-acl,capability'], { cwd: dir });
    expect(all.stderr).toBe('');
    expect([all.status, all.stdout.toString('latin1')]).toEqual([0, '0 modified, 0 missing, 0 extra\n']);
  });

  it('compares capabilities only when both sides know them (permsnap with markers, or a live tree)', () => {
    const { before, after } = damaged();
    snapshotFile(dir, ['tree'], 'damaged.facl');
    snapshotFile(dir, ['--compat', 'tree'], 'damaged-compat.facl');
    fs.writeFileSync(path.join(dir, 'damaged.getfacl'), after.view.text, 'latin1');
    const withCapability = oracleChanges(before, after);
    const without = oracleChanges(before, after, ['capability']);
    expect(without.length).toBe(withCapability.length - 1);
    for (const [operand, expected] of [['damaged.facl', withCapability], ['damaged-compat.facl', without], ['damaged.getfacl', without]] as const) {
      const r = diffCli(['healthy.facl', operand, '--format', 'json'], { cwd: dir });
      expect(r.status).toBe(1);
      expect(parseDiffJson(r.stdout).changes, operand).toEqual(expected);
    }
  });

  it('takes an ACL with its named entries in another order and a capability in another spelling as the same', () => {
    sh(`${SETUP} && setfacl -m u:daemon:r,u:bin:w,g:adm:x,g:daemon:r tree/untouched && setcap cap_net_raw,cap_net_admin=ep tree/capability`, dir);
    const text = fs.readFileSync(snapshotFile(dir, ['tree'], 'snap.facl'), 'latin1');
    // getfacl orders named entries by id (daemon 1, bin 2; adm 4, daemon 1); another host may differ.
    const block = text.split('\n\n').find((b) => b.includes('# file: tree/untouched\n')) as string;
    const named = accessEntries(block).filter((e) => /^(user|group):[^:]/.test(e));
    expect(named).toEqual(['user:daemon:r--', 'user:bin:-w-', 'group:daemon:r--', 'group:adm:--x']);
    const reordered = block
      .replace('user:daemon:r--\nuser:bin:-w-', 'user:bin:-w-\nuser:daemon:r--')
      .replace('group:daemon:r--\ngroup:adm:--x', 'group:adm:--x\ngroup:daemon:r--');
    expect(reordered).not.toBe(block);
    const respelled = text
      .replace(block, reordered)
      .replace('# capability: cap_net_admin,cap_net_raw=ep', '# capability: cap_net_raw+ep cap_net_admin+ep');
    expect(respelled).toContain('cap_net_raw+ep cap_net_admin+ep');
    fs.writeFileSync(path.join(dir, 'respelled.facl'), respelled, 'latin1');
    const same = diffCli(['respelled.facl', 'tree'], { cwd: dir });
    expect(same.stderr).toBe('');
    expect([same.status, same.stdout.toString('latin1')]).toEqual([0, '0 modified, 0 missing, 0 extra\n']);

    // A real change among the same entries is still one.
    sh('setfacl -m u:bin:rw tree/untouched', dir);
    const changed = diffCli(['respelled.facl', 'tree', '--format', 'json'], { cwd: dir });
    expect(changed.status).toBe(1);
    const fields = parseDiffJson(changed.stdout).changes.flatMap((c) => (c.fields ?? []).map((f) => [c.path, f.field]));
    expect(fields).toEqual([['tree/untouched', 'acl']]);
  });

  it("shows an ACL written in another tag order (a hand-edited snapshot) in getfacl's order, so that both sides line up", () => {
    sh('mkdir tree && touch tree/f && setfacl -m u:nobody:r,g:adm:r tree/f', dir);
    fs.writeFileSync(
      path.join(dir, 'edited.facl'),
      '# file: tree/f\n# owner: root\n# group: root\nmask::r--\ngroup:adm:rw-\nother::r--\nuser:nobody:r--\ngroup::r--\nuser::rw-\n\n',
    );
    const r = diffCli(['edited.facl', 'tree', '--format', 'json'], { cwd: dir });
    expect(r.status, r.stderr).toBe(1);
    const fields = parseDiffJson(r.stdout).changes.flatMap((c) => c.fields ?? []);
    expect(fields).toEqual([{ field: 'acl', before: 'user:nobody:r--,group::r--,group:adm:rw-,mask::r--', after: 'user:nobody:r--,group::r--,group:adm:r--,mask::r--' }]);
  });

  it('with -n compares ids, and keeps a name this host does not know as a name: two unknown names differ', () => {
    sh(SETUP, dir);
    const text = fs.readFileSync(snapshotFile(dir, ['tree'], 'snap.facl'), 'latin1');
    expect(sh('getent passwd ghost-a ghost-b || true', dir)).toBe('');
    const block = (owner: string, entry: string): string =>
      text.replace(/# file: tree\/untouched\n# owner: [^\n]*\n/, `# file: tree/untouched\n# owner: ${owner}\n`).replace('user:bin:r--', entry);
    fs.writeFileSync(path.join(dir, 'a.facl'), block('ghost-a', 'user:ghost-a:r--'), 'latin1');
    fs.writeFileSync(path.join(dir, 'b.facl'), block('ghost-b', 'user:ghost-b:r--'), 'latin1');
    const r = diffCli(['-n', 'a.facl', 'b.facl', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const b = toolView(dir).facl.get('tree/untouched') as string;
    const acl = (name: string): string => aclField(b).replace('user:bin:r--', `user:${name}:r--`);
    expect(parseDiffJson(r.stdout).changes).toEqual([
      { kind: 'modified', path: 'tree/untouched', fields: [{ field: 'owner', before: 'ghost-a', after: 'ghost-b' }, { field: 'acl', before: acl('ghost-a'), after: acl('ghost-b') }] },
    ]);
    // Against the live tree, the known names are ids and the unknown ones stay names.
    const live = diffCli(['-n', 'a.facl', 'tree', '--format', 'json'], { cwd: dir });
    expect(live.status).toBe(1);
    const uid = sh('id -u bin', dir).trim();
    const owner = sh('stat -c %u tree/untouched', dir).trim();
    expect(parseDiffJson(live.stdout).changes).toEqual([
      {
        kind: 'modified',
        path: 'tree/untouched',
        fields: [{ field: 'owner', before: 'ghost-a', after: owner }, { field: 'acl', before: acl('ghost-a'), after: acl(uid) }],
      },
    ]);
  });

  it('without -n compares ids where a side has no name (getfacl -n, an undo journal): the same tree is no drift', () => {
    sh(SETUP, dir);
    sh('chown daemon:adm tree/owner && getfacl -R -n tree > numeric.facl && getfacl -R tree > named.facl', dir);
    for (const [before, after] of [['numeric.facl', 'tree'], ['tree', 'numeric.facl'], ['numeric.facl', 'named.facl']]) {
      const r = diffCli([before, after], { cwd: dir });
      expect(r.stdout.toString(), `${before} ${after}`).toBe('0 modified, 0 missing, 0 extra\n');
      expect(r.status, `${before} ${after}`).toBe(0);
    }
    // A real change still shows, as each side says it.
    sh('chown bin tree/owner && setfacl -m u:daemon:r tree/untouched', dir);
    const r = diffCli(['numeric.facl', 'tree', '--format', 'json'], { cwd: dir });
    expect(r.status).toBe(1);
    const fields = (p: string): JsonField[] => (parseDiffJson(r.stdout).changes.find((c) => c.path === p) as JsonChange & { fields: JsonField[] }).fields;
    expect(fields('tree/owner')).toEqual([{ field: 'owner', before: sh('id -u daemon', dir).trim(), after: 'bin' }]);
    expect(fields('tree/untouched').map((f) => f.field)).toEqual(['acl']);
  });
});
