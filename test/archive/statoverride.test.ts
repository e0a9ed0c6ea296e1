// dpkg-statoverride lines as dpkg's statdb reads them, and their effect on an entry.

import { describe, expect, it } from 'vitest';
import { applyStatOverride, parseStatOverrides, readStatOverrides } from '../../src/archive/statoverride.js';
import type { Entry } from '../../src/model/entry.js';

const file: Entry = { path: './usr/bin/ping', type: 'file', mode: 0o755, uid: 0, gid: 0, owner: 'root', group: 'root' };

describe('parseStatOverrides', () => {
  it('reads names, #ids, octal modes and paths with spaces; blank lines are skipped', () => {
    const overrides = parseStatOverrides('root crontab 2755 /usr/bin/crontab\n\n#1000 #0 04711 /opt/my tool//bin/\n', 'so');
    expect(overrides.map(({ owner, group, mode, key, line }) => ({ owner, group, mode, key, line }))).toEqual([
      { owner: { name: 'root' }, group: { name: 'crontab' }, mode: 0o2755, key: 'usr/bin/crontab', line: 1 },
      { owner: { id: 1000 }, group: { id: 0 }, mode: 0o4711, key: 'opt/my tool/bin', line: 3 },
    ]);
  });

  it('refuses a line it cannot read, naming file and line', () => {
    expect(() => parseStatOverrides('root root 0755 /a\nroot root 0755 relative\n', 'so')).toThrow(/malformed statoverride line "root root 0755 relative"/);
    expect(() => parseStatOverrides('root root 0755 /a\nroot root 0755 relative\n', 'so')).toThrow(expect.objectContaining({ file: 'so', line: 2 }));
    expect(() => parseStatOverrides('#x root 0755 /a\n', 'so')).toThrow('owner "#x" is not a valid #id');
    expect(() => parseStatOverrides('root root 0899 /a\n', 'so')).toThrow('mode "0899" is not an octal mode');
  });

  it('refuses two overrides for one path, however written, as dpkg refuses the file ("multiple statoverrides")', () => {
    const text = 'root root 0755 /usr/bin/x\nroot adm 0750 /b\nroot root 4755 /usr//bin/x/\n';
    expect(() => parseStatOverrides(text, 'so')).toThrow(expect.objectContaining({ code: 'MALFORMED', file: 'so', line: 3 }));
    expect(() => parseStatOverrides(text, 'so')).toThrow('a second override for "/usr//bin/x/" (the first is on line 1), expected "OWNER GROUP MODE /PATH"');
  });
});

describe('readStatOverrides', () => {
  it("refuses a file it cannot read in permsnap's words, not Node's", () => {
    expect(() => readStatOverrides('/nonexistent/statoverride')).toThrow(
      expect.objectContaining({ code: 'IO', file: '/nonexistent/statoverride', message: 'cannot read the statoverride file: no such file or directory' }),
    );
  });
});

describe('applyStatOverride', () => {
  it('replaces owner, group and mode: names stay names, #ids become ids without names', () => {
    const [byName, byId] = parseStatOverrides('root daemon 4711 /usr/bin/ping\n#4242 #4343 0700 /usr/bin/ping6\n', 'so');
    expect(applyStatOverride(file, byName!, true, 'so')).toEqual({ ...file, mode: 0o4711, uid: 0, gid: 1, owner: 'root', group: 'daemon' });
    const withIds = applyStatOverride(file, byId!, true, 'so');
    expect(withIds).toEqual({ path: './usr/bin/ping', type: 'file', mode: 0o700, uid: 4242, gid: 4343 });
  });

  it('with -n resolves names through this host, and refuses one it does not know', () => {
    const [known, unknown] = parseStatOverrides('daemon root 0755 /a\nno-such-user-here root 0755 /b\n', 'so');
    expect(applyStatOverride(file, known!, false, 'so')).toEqual({ path: './usr/bin/ping', type: 'file', mode: 0o755, uid: 1, gid: 0 });
    expect(() => applyStatOverride(file, unknown!, false, 'so')).toThrow('user "no-such-user-here" is unknown on this host, and -n needs its id');
  });
});
