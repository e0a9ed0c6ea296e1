import { describe, expect, it } from 'vitest';
import { GETFACL_DEFAULTS, printBlock } from '../../src/format/getfacl-printer.js';
import { ACL_GROUP, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER, ACL_UNDEFINED_ID as U, ACL_USER, ACL_USER_OBJ } from '../../src/model/acl.js';
import type { Entry } from '../../src/model/entry.js';

const masked: Entry = {
  path: 'dir/f',
  type: 'file',
  mode: 0o4640,
  uid: 0,
  gid: 4343,
  owner: 'root',
  acl: [
    { tag: ACL_USER_OBJ, perm: 6, id: U },
    { tag: ACL_USER, perm: 7, id: 2, name: 'bin' },
    { tag: ACL_GROUP_OBJ, perm: 4, id: U },
    { tag: ACL_GROUP, perm: 6, id: 9999 },
    { tag: ACL_MASK, perm: 4, id: U },
    { tag: ACL_OTHER, perm: 0, id: U },
  ],
  capability: 'cap_net_raw=ep',
};

describe('printBlock', () => {
  it('prints the header, flags, capability comment and effective rights with one tab', () => {
    expect(printBlock(masked, GETFACL_DEFAULTS).text).toBe(
      '# file: dir/f\n# owner: root\n# group: 4343\n# flags: s--\n# capability: cap_net_raw=ep\n' +
        'user::rw-\nuser:bin:rwx\t#effective:r--\ngroup::r--\ngroup:9999:rw-\t#effective:r--\nmask::r--\nother::---\n\n',
    );
  });

  it('aligns effective rights to column 32 on a terminal, with at least one tab', () => {
    const text = printBlock(masked, { ...GETFACL_DEFAULTS, smartIndent: true }).text;
    expect(text).toContain('user:bin:rwx\t\t\t#effective:r--\n');
  });

  it('prints effective rights on every masked entry with -e and on none with -E', () => {
    expect(printBlock(masked, { ...GETFACL_DEFAULTS, effective: 'all' }).text).toContain('group::r--\t#effective:r--\n');
    expect(printBlock(masked, { ...GETFACL_DEFAULTS, effective: 'none' }).text).not.toContain('#effective');
  });

  it('prints ids instead of names with -n and leaves out permsnap comments in compat mode', () => {
    const text = printBlock(masked, { ...GETFACL_DEFAULTS, names: false, capability: false }).text;
    expect(text).toContain('# owner: 0\n');
    expect(text).toContain('user:2:rwx');
    expect(text).not.toContain('capability');
  });

  it('derives the base entries from the mode when there is no ACL, and reports where the header ends', () => {
    const block = printBlock({ path: 'a b', type: 'dir', mode: 0o1750, uid: 1, gid: 1, owner: 'daemon', group: 'daemon' }, GETFACL_DEFAULTS);
    expect(block.text).toBe('# file: a b\n# owner: daemon\n# group: daemon\n# flags: --t\nuser::rwx\ngroup::r-x\nother::---\n\n');
    expect(block.text.slice(0, block.headerEnd).endsWith('# flags: --t\n')).toBe(true);
  });

  it('prints each block without ACLs from its own owner, group, mode and options, whatever block came before', () => {
    // Such blocks reuse the lines after the path of the one before when nothing they depend
    // on differs: each variant differs from the base in one thing, printed in turns.
    const base: Entry = { path: 'p', type: 'file', mode: 0o644, uid: 1, gid: 2, owner: 'one', group: 'two' };
    const names = { ...GETFACL_DEFAULTS };
    const ids = { ...GETFACL_DEFAULTS, names: false };
    // [variant, its options, the base's options]
    const variants: [Entry, typeof names, typeof names][] = [
      [{ ...base, uid: 3 }, ids, ids], [{ ...base, gid: 4 }, ids, ids], [{ ...base, owner: 'three' }, names, names],
      [{ ...base, group: 'four' }, names, names], [{ ...base, owner: undefined }, names, names], [{ ...base, mode: 0o640 }, names, names],
      [{ ...base, mode: 0o2644 }, names, names], [{ ...base, path: 'q\nr' }, names, names], [base, ids, names],
      [base, { ...GETFACL_DEFAULTS, access: false }, names],
    ];
    for (const [variant, options, baseOptions] of variants) {
      const texts = [printBlock(base, baseOptions), printBlock(variant, options), printBlock(base, baseOptions), printBlock(variant, options)].map((b) => b.text);
      expect(texts[1], JSON.stringify(variant)).not.toBe(texts[0]);
      expect(texts[3]).toBe(texts[1]);
      expect(texts[2]).toBe(texts[0]);
    }
    // An options object changed between two blocks (a library caller's) is read again.
    const changing = { ...GETFACL_DEFAULTS };
    const before = printBlock(base, changing).text;
    changing.names = false;
    expect(printBlock(base, changing).text).not.toBe(before);
    expect(printBlock({ ...base, uid: 5 }, ids).text).toBe('# file: p\n# owner: 5\n# group: 2\nuser::rw-\ngroup::r--\nother::r--\n\n');
    expect(printBlock({ ...base, mode: 0o4755 }, ids).headerEnd).toBe('# file: p\n# owner: 1\n# group: 2\n# flags: s--\n'.length);
  });

  it('prints default entries without the default: prefix when only -d is asked', () => {
    const dir: Entry = { path: 'd', type: 'dir', mode: 0o755, uid: 0, gid: 0, defaultAcl: [
      { tag: ACL_USER_OBJ, perm: 7, id: U }, { tag: ACL_GROUP_OBJ, perm: 5, id: U }, { tag: ACL_OTHER, perm: 0, id: U },
    ] };
    expect(printBlock(dir, { ...GETFACL_DEFAULTS, access: false, comments: false }).text).toBe('user::rwx\ngroup::r-x\nother::---\n\n');
    expect(printBlock(dir, GETFACL_DEFAULTS).text).toContain('default:group::r-x\n');
  });
});
