// A hard link member names its target as the archiver spelled it, which need not be the
// target member's spelling: Python's tarfile stores member "./f" and a link to "f"; GNU tar
// extracts both as one file. The link gets the target's ACL and capability (tar stores them
// once, on the target) whatever the spelling; before, "./f" and "f" were two keys, the link
// lost the ACL, and diff against tar's own extraction reported a change.

import { describe, expect, it } from 'vitest';
import { MemberConverter } from '../../src/archive/member-entry.js';
import { emptyPaxRecords } from '../../src/archive/pax-records.js';
import type { TarMember } from '../../src/archive/tar-members.js';

const ACL = 'user::rwx,user:www-data:r--,group::r-x,mask::r-x,other::---';

function member(name: string, type: string, linkname: string | null = null, records: Record<string, string> = {}): TarMember {
  const pax = emptyPaxRecords();
  Object.assign(pax, records);
  return { name, type, linkname, mode: 0o4750, uid: 0, gid: 0, uname: 'root', gname: 'root', pax };
}

const converter = (): MemberConverter => new MemberConverter({ names: true, idOfName: () => 33 });

function aclNames(c: MemberConverter, m: TarMember): string[] | 'symlink' {
  const converted = c.convert(m);
  if (converted.kind === 'symlink') return 'symlink';
  if (converted.kind !== 'entry') throw new Error(converted.message);
  return (converted.entry.acl ?? []).map((e) => e.name ?? String(e.id));
}

describe('hard links to a target spelled otherwise', () => {
  for (const [target, link] of [['./f', 'f'], ['f', './f'], ['./f', '/f'], ['/f', 'f'], ['./d//f', 'd/f']]) {
    it(`a link to "${link}" gets the ACL of member "${target}"`, () => {
      const c = converter();
      expect(aclNames(c, member(target, 'file', null, { 'SCHILY.acl.access': ACL }))).toContain('www-data');
      expect(aclNames(c, member('./h', 'link', link))).toContain('www-data');
    });
  }

  it('a link to a symlink member spelled otherwise is a symlink too', () => {
    const c = converter();
    expect(aclNames(c, member('./s', 'symlink', 'f'))).toBe('symlink');
    expect(aclNames(c, member('./t', 'link', 's'))).toBe('symlink');
  });

  it('a member appended for the path under another spelling replaces the target the link gets', () => {
    const c = converter();
    aclNames(c, member('./f', 'file', null, { 'SCHILY.acl.access': ACL }));
    aclNames(c, member('f', 'file'));
    expect(aclNames(c, member('./h', 'link', './f'))).toEqual([]);
  });
});
