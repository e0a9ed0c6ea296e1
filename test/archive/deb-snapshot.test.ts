// `snapshot --from-deb`: packages built here with the real dpkg-deb (owners as on disk), whose
// baseline must print what the real getfacl -R prints in the tree each package was made
// from; dpkg-statoverride lines applied on top; install scripts that set permissions
// reported; packages merged (a later one wins, disagreeing directories reported); a .deb
// as a diff or restore operand; corrupt packages refused without a partial output file.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latin1, STACK_FRAME, stripMarkers } from '../helpers/facl-text.js';
import { blocksByPath, getfaclText } from '../helpers/restore-kit.js';
import { hasAclTools, hasCapTools, isRoot, makeTempDir, permsnap, removeTree, run, sh, type Run } from '../helpers/tree.js';
import { sortedEntries } from '../diff/diff-kit.js';
import { buildDeb, hasDpkgDeb, makeDir, makeFile } from './archive-kit.js';

const ready = isRoot && hasDpkgDeb && hasAclTools && hasCapTools;

let dir = '';
const debs: Record<string, string> = {};

/** The package `tools`: set-id programs, a group-owned program, odd owners, a sticky dir. */
function populateTools(root: string): void {
  makeDir(path.join(root, 'usr/bin'));
  makeFile(path.join(root, 'usr/bin/passwd'), 0o4755);
  makeFile(path.join(root, 'usr/bin/crontab'), 0o2755, 0, 8);
  makeFile(path.join(root, 'usr/bin/plain'), 0o755);
  makeFile(path.join(root, 'usr/bin/shared'), 0o755);
  makeDir(path.join(root, 'var/lib/tools'), 0o750, 4242, 4343);
  makeFile(path.join(root, 'var/lib/tools/state'), 0o640, 4242, 4343);
  makeDir(path.join(root, 'var/spool/drop'), 0o1733, 0, 50);
  makeDir(path.join(root, 'usr/share/common'), 0o755);
}

/** The package `extra`: ships usr/share/common differently and usr/bin/shared again. */
function populateExtra(root: string): void {
  makeDir(path.join(root, 'usr/share/common'), 0o2775, 0, 50);
  makeFile(path.join(root, 'usr/share/common/extra.txt'));
  makeFile(path.join(root, 'usr/bin/shared'), 0o700, 1, 1);
}

const PING_POSTINST = '#!/bin/sh\nset -e\nif [ "$1" = configure ]; then\n  setcap cap_net_raw+ep /usr/bin/passwd || chmod u+s /usr/bin/passwd\nfi\n';
const QUIET_PREINST = '#!/bin/sh\n# This script does not chown or chmod anything.\necho "preparing" # not even setcap\nexit 0\n';

function fromDeb(args: string[], cwd = dir): Run {
  return permsnap(['snapshot', '--from-deb', ...args], { cwd });
}

/** Blocks by path of a successful run's stdout, without permsnap's marker lines. */
function blocksOf(r: Run): Map<string, string> {
  expect(r.status, r.stderr).toBe(0);
  return blocksByPath(stripMarkers(latin1(r.stdout)));
}

/**
 * DIR/NAME/NAME.deb made by hand (Python's tarfile and ar), with a data.tar dpkg-deb would not
 * write: `data` is Python that sets `data`, a bytearray, with tar(members) and
 * member(name, kind, mode, link) at hand.
 */
function craftedDeb(name: string, data: string[]): string {
  const work = path.join(dir, name);
  fs.mkdirSync(work);
  const script = [
    'import io, tarfile',
    'def tar(members):',
    '    b = io.BytesIO(); t = tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT)',
    '    for ti, content in members: t.addfile(ti, io.BytesIO(content) if content is not None else None)',
    '    t.close(); return bytearray(b.getvalue())',
    'def member(name, kind, mode=0o640, link="elsewhere"):',
    '    ti = tarfile.TarInfo(name); ti.type = kind; ti.mode = mode',
    '    if kind == tarfile.SYMTYPE: ti.linkname = link',
    '    return (ti, b"" if kind == tarfile.REGTYPE else None)',
    `ctl = b"Package: ${name}\\nVersion: 1\\nArchitecture: all\\nMaintainer: x <x@example.org>\\nDescription: x\\n"`,
    'c = tarfile.TarInfo("./control"); c.size = len(ctl)',
    'open("control.tar", "wb").write(tar([(c, ctl)]))',
    ...data,
    'open("data.tar", "wb").write(bytes(data)); open("debian-binary", "w").write("2.0\\n")',
  ].join('\n');
  expect(run('python3', ['-c', script], { cwd: work }).status).toBe(0);
  expect(run('ar', ['rc', `${name}.deb`, 'debian-binary', 'control.tar', 'data.tar'], { cwd: work }).status).toBe(0);
  return path.join(name, `${name}.deb`);
}

describe.skipIf(!ready)('snapshot --from-deb (needs root for the owners, dpkg-deb, getfacl, setcap)', () => {
  beforeAll(() => {
    dir = makeTempDir('permsnap-deb-');
    for (const compression of ['gzip', 'xz', 'zstd', 'none'] as const) {
      debs[compression] = buildDeb(path.join(dir, compression), 'tools', { populate: populateTools, scripts: { postinst: PING_POSTINST }, compression });
    }
    debs.extra = buildDeb(dir, 'extra', { populate: populateExtra, scripts: { preinst: QUIET_PREINST } });
  });
  afterAll(() => removeTree(dir));

  it('prints, for each compression dpkg-deb writes, the blocks getfacl -R prints in the package\'s tree, but its root', () => {
    // dpkg never sets the directory it installs into: the package's ./ is no part of the baseline.
    const expected = sortedEntries(blocksByPath(getfaclText(['-R', '.'], path.join(dir, 'xz', 'tools')))).filter(([p]) => p !== '.');
    expect(expected.length).toBe(14);
    for (const compression of ['gzip', 'xz', 'zstd', 'none']) {
      const r = fromDeb([debs[compression]!, '--compat', '--sort']);
      expect(sortedEntries(blocksOf(r)), compression).toEqual(expected);
    }
  });

  it('records set-id bits, a sticky directory and owners without names exactly, with paths rooted at /', () => {
    const blocks = blocksOf(fromDeb([debs.xz!, '-q']));
    expect(blocks.get('usr/bin/passwd')).toBe('# file: usr/bin/passwd\n# owner: root\n# group: root\n# flags: s--\nuser::rwx\ngroup::r-x\nother::r-x');
    expect(blocks.get('usr/bin/crontab')).toBe('# file: usr/bin/crontab\n# owner: root\n# group: mail\n# flags: -s-\nuser::rwx\ngroup::r-x\nother::r-x');
    expect(blocks.get('var/lib/tools')).toBe('# file: var/lib/tools\n# owner: 4242\n# group: 4343\nuser::rwx\ngroup::r-x\nother::---');
    expect(blocks.get('var/spool/drop')).toBe('# file: var/spool/drop\n# owner: root\n# group: staff\n# flags: --t\nuser::rwx\ngroup::-wx\nother::-wx');
    expect([...blocks.keys()].every((p) => !p.startsWith('.') && !p.startsWith('/'))).toBe(true);
  });

  it('applies a statoverride file (names and #ids) over the packages and reports lines for paths none ships', () => {
    const overrides = path.join(dir, 'statoverride');
    fs.writeFileSync(overrides, 'root daemon 2750 /usr/bin/plain\n#4444 #5555 0600 /var/lib/tools/state\nroot root 0755 /usr/sbin/not-shipped\n');
    const r = fromDeb([debs.xz!, '--statoverride', overrides]);
    const blocks = blocksOf(r);
    expect(blocks.get('usr/bin/plain')).toBe('# file: usr/bin/plain\n# owner: root\n# group: daemon\n# flags: -s-\nuser::rwx\ngroup::r-x\nother::---');
    expect(blocks.get('var/lib/tools/state')).toBe('# file: var/lib/tools/state\n# owner: 4444\n# group: 5555\nuser::rw-\ngroup::---\nother::---');
    // Untouched by the overrides:
    expect(blocks.get('usr/bin/passwd')).toContain('# flags: s--\n');
    expect(r.stderr).toContain(`permsnap: ${overrides}:3: /usr/sbin/not-shipped: no given package ships this path; override left out\n`);
    expect(r.stderr).toContain('2 statoverride(s) applied');
  });

  it('names the package of a member it leaves out: among many, the path alone does not tell', () => {
    // ./usr/bad with the mode "0000698", as dpkg-deb would never write it.
    const deb = craftedDeb('badpkg', [
      'd = tarfile.TarInfo("./usr"); d.type = tarfile.DIRTYPE; d.mode = 0o755',
      'data = tar([(d, None), (tarfile.TarInfo("./usr/bad"), b"")])',
      'data[612:619] = b"0000698"; data[660:668] = b" " * 8; data[660:668] = b"%06o\\0 " % sum(data[512:1024])',
    ]);
    const r = permsnap(['snapshot', '--from-deb', debs.xz as string, deb], { cwd: dir });
    expect(r.status, r.stderr.toString()).toBe(1);
    expect(r.stderr.toString()).toContain('permsnap: ./usr/bad: mode field ("0000698") is not an octal number; left out (in badpkg/badpkg.deb)\n');
  });

  it('drops a file whose last member is a symlink, as dpkg unpacks it, but keeps a directory (dpkg never replaces one)', () => {
    const deb = craftedDeb('kinds', [
      'data = tar([member("./x", tarfile.REGTYPE), member("./d", tarfile.DIRTYPE, 0o750), member("./x", tarfile.SYMTYPE), member("./d", tarfile.SYMTYPE)])',
    ]);
    const r = permsnap(['snapshot', '--from-deb', deb, '--merged-usr', 'no'], { cwd: dir });
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(latin1(r.stdout)).not.toMatch(/^# file: x$/m);
    expect(latin1(r.stdout)).toMatch(/^# file: d\n(#.*\n)*user::rwx\ngroup::r-x\nother::---\n/m);
  });

  it('never lets a compatibility symlink (lib/y -> /usr/lib/y) take the place of what usr/ ships, with merged /usr', () => {
    const deb = craftedDeb('compat', [
      'data = tar([member("./usr", tarfile.DIRTYPE, 0o755), member("./usr/lib", tarfile.DIRTYPE, 0o755), member("./usr/lib/y", tarfile.REGTYPE), member("./lib", tarfile.DIRTYPE, 0o755), member("./lib/y", tarfile.SYMTYPE, link="/usr/lib/y")])',
    ]);
    const r = permsnap(['snapshot', '--from-deb', deb, '--merged-usr', 'yes'], { cwd: dir });
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(latin1(r.stdout)).toMatch(/^# file: usr\/lib\/y\n(#.*\n)*user::rw-\ngroup::r--\nother::---\n/m);
  });

  it('refuses a malformed statoverride line, naming file and line, before printing anything', () => {
    const overrides = path.join(dir, 'bad-statoverride');
    fs.writeFileSync(overrides, 'root root 0755 /usr/bin/plain\nroot root rwxr-xr-x /usr/bin/passwd\n');
    const r = fromDeb([debs.xz!, '--statoverride', overrides]);
    expect(r.status).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toBe(`permsnap: ${overrides}:2: mode "rwxr-xr-x" is not an octal mode, expected "OWNER GROUP MODE /PATH" (names or #ids, octal mode)\n`);
  });

  it('lists the packages whose install scripts set permissions, and not a package that only mentions them in comments', () => {
    const r = fromDeb([debs.xz!, debs.extra!, '-o', path.join(dir, 'both.facl')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('permsnap: tools: postinst names setcap, chmod: permissions set by maintainer scripts are not in the baseline\n');
    expect(r.stderr).not.toMatch(/^permsnap: extra: /m);
  });

  it('lets the later package win a path both ship, and reports a directory they disagree on, naming both', () => {
    const r = fromDeb([debs.xz!, debs.extra!, '--sort']);
    const blocks = blocksOf(r);
    expect(blocks.get('usr/bin/shared')).toBe('# file: usr/bin/shared\n# owner: daemon\n# group: daemon\nuser::rwx\ngroup::---\nother::---');
    expect(blocks.get('usr/share/common')).toBe('# file: usr/share/common\n# owner: root\n# group: staff\n# flags: -s-\nuser::rwx\ngroup::rwx\nother::r-x');
    expect(blocks.has('usr/share/common/extra.txt')).toBe(true);
    expect(blocks.has('var/lib/tools/state')).toBe(true);
    const disagreements = r.stderr.split('\n').filter((l) => l.includes('packages disagree'));
    // usr/share/common only: `.`, usr, usr/bin and usr/share are the same in both packages.
    expect(disagreements).toEqual([
      'permsnap: usr/share/common: packages disagree on this directory: tools ships 0755 root:root, extra ships 2775 root:staff; the baseline has extra\'s',
    ]);
    // The other order: the other package wins.
    const reversed = blocksOf(fromDeb([debs.extra!, debs.xz!, '--sort']));
    expect(reversed.get('usr/bin/shared')).toContain('# owner: root\n# group: root\n');
    expect(reversed.get('usr/share/common')).toBe('# file: usr/share/common\n# owner: root\n# group: root\nuser::rwx\ngroup::r-x\nother::r-x');
  });

  it('has the output options of --from-tar: json, -n, --exclude, markers', () => {
    const json = fromDeb([debs.xz!, '--format', 'json', '-n', '--exclude', 'var', '-q']);
    expect(json.status).toBe(0);
    const lines = latin1(json.stdout).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.path === 'usr/bin/crontab')).toEqual({ path: 'usr/bin/crontab', uid: 0, gid: 8, mode: '2755', acl: ['user::rwx', 'group::r-x', 'other::r-x'] });
    expect(lines.some((l) => String(l.path).startsWith('var'))).toBe(false);
    const text = latin1(fromDeb([debs.xz!, '-q']).stdout);
    expect(text).toContain('# permsnap: begin\n');
    expect(text).toMatch(/# permsnap: end, 14 entries\n/); // the package's ./ left out
  });

  it('refuses --statoverride and --merged-usr without --from-deb, and --from-tar with it', () => {
    const a = permsnap(['snapshot', '--statoverride', 'x', '.'], { cwd: dir });
    expect([a.status, a.stderr.split('\n')[0]]).toEqual([2, 'permsnap: --statoverride applies to --from-deb only']);
    for (const merged of [['--merged-usr', 'yes'], ['--merged-usr=no'], ['--merged', 'auto']]) {
      const m = permsnap(['snapshot', ...merged, '.'], { cwd: dir });
      expect([m.status, m.stderr.split('\n')[0]], merged.join(' ')).toEqual([2, 'permsnap: --merged-usr applies to --from-deb only']);
    }
    const b = permsnap(['snapshot', '--from-deb', debs.xz!, '--from-tar', 'x.tar'], { cwd: dir });
    expect([b.status, b.stderr.split('\n')[0]]).toEqual([2, 'permsnap: give --from-tar or --from-deb, not both']);
  });

  it('diffs a .deb against the tree it was made from, and restores the damaged tree from it', () => {
    const tree = path.join(dir, 'xz', 'tools');
    const before = blocksByPath(getfaclText(['-R', '.'], tree));
    const clean = permsnap(['diff', debs.xz!, '.'], { cwd: tree });
    expect([clean.status, latin1(clean.stdout), clean.stderr]).toEqual([0, '0 modified, 0 missing, 0 extra\n', '']);
    sh('chmod 0755 usr/bin/passwd && chown 0:0 var/lib/tools && chmod 0777 var/spool/drop', tree);
    const damaged = permsnap(['diff', debs.xz!, '.'], { cwd: tree });
    expect(damaged.status).toBe(1);
    expect(latin1(damaged.stdout).split('\n').filter((l) => l.startsWith('modified')).map((l) => l.split(/\s+/)[1])).toEqual([
      'usr/bin/passwd',
      'var/lib/tools',
      'var/spool/drop',
    ]);
    const r = permsnap(['restore', debs.xz!, '--root', tree, '--no-undo'], { cwd: dir });
    expect(r.stderr).toMatch(/3 path\(s\) changed/);
    expect(r.status).toBe(0);
    expect(sortedEntries(blocksByPath(getfaclText(['-R', '.'], tree)))).toEqual(sortedEntries(before));
  });

  it('leaves out the package\'s ./ (dpkg never sets it): one built by a user, ./ theirs and 0775, never reaches the root', () => {
    const deb = buildDeb(path.join(dir, 'by-user'), 'byuser', {
      populate: (root) => {
        makeFile(path.join(root, 'opt/byuser/tool'), 0o755, 65534, 65534);
        fs.chownSync(root, 65534, 65534);
        fs.chmodSync(root, 0o775);
      },
    });
    expect(run('dpkg-deb', ['-c', deb]).stdout.toString()).toMatch(/^drwxrwxr-x nobody\/nogroup .* \.\/$/m);
    expect([...blocksOf(fromDeb([deb, '-q'])).keys()]).toEqual(['opt', 'opt/byuser', 'opt/byuser/tool']);
    const target = path.join(dir, 'by-user-target');
    makeFile(path.join(target, 'opt/byuser/tool'), 0o777);
    const r = permsnap(['restore', deb, '--root', target, '--no-undo'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const st = fs.statSync(target);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, 0, 0o755]);
    expect(fs.statSync(path.join(target, 'opt/byuser/tool')).uid).toBe(65534);
  });

  it('says its baseline cannot know capabilities: diff ignores one a postinst set, restore leaves it alone', () => {
    const tree = path.join(dir, 'none', 'tools');
    const getcap = (): string => run('getcap', ['usr/bin/passwd'], { cwd: tree }).stdout.toString().trim();
    sh('setcap cap_net_raw+ep usr/bin/passwd', tree);
    expect(getcap()).toBe('usr/bin/passwd cap_net_raw=ep');
    const baseline = path.join(dir, 'caps.facl');
    expect(fromDeb([debs.none!, '-q', '-o', baseline]).status).toBe(0);
    expect(fs.readFileSync(baseline, 'latin1')).toContain('# permsnap: begin\n# permsnap: capabilities unknown\n');
    for (const operand of [baseline, debs.none!]) {
      const clean = permsnap(['diff', operand, '.'], { cwd: tree });
      expect([clean.status, latin1(clean.stdout)], operand).toEqual([0, '0 modified, 0 missing, 0 extra\n']);
      sh('chmod 0755 usr/bin/passwd', tree);
      const r = permsnap(['restore', operand, '--root', tree, '--no-undo'], { cwd: dir });
      expect(r.stderr, operand).toMatch(/1 path\(s\) changed \(mode 1\)/);
      expect(fs.statSync(path.join(tree, 'usr/bin/passwd')).mode & 0o7777).toBe(0o4755);
      expect(getcap(), operand).toBe('usr/bin/passwd cap_net_raw=ep');
    }
  });

  describe('corrupt packages', () => {
    const OLD = '# an older baseline\n';
    /** --from-deb FILE -o out over an existing file: exit 2, one line, out untouched, no temp file. */
    function fails(file: string): string {
      const outDir = fs.mkdtempSync(path.join(dir, 'out-'));
      const out = path.join(outDir, 'out.facl');
      fs.writeFileSync(out, OLD);
      const r = fromDeb([debs.xz!, file, '-o', out]);
      expect(r.status).toBe(2);
      expect(fs.readFileSync(out, 'utf8')).toBe(OLD);
      expect(fs.readdirSync(outDir)).toEqual(['out.facl']);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      const errors = r.stderr.split('\n').filter((l) => l !== '' && !l.includes('maintainer scripts'));
      expect(errors).toHaveLength(1);
      return errors[0]!;
    }
    const write = (name: string, data: Buffer): string => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, data);
      return file;
    };

    it('refuses a truncated .deb, naming the member it ends in', () => {
      const bytes = fs.readFileSync(debs.gzip!);
      const file = write('cut.deb', bytes.subarray(0, bytes.length - 100));
      expect(fails(file)).toMatch(new RegExp(`^permsnap: ${file}: truncated ar archive: member "data\\.tar\\.gz" ends after \\d+ of its \\d+ bytes$`));
    });

    it('refuses a .deb whose data archive is damaged, naming the member and the compression', () => {
      const bytes = Buffer.from(fs.readFileSync(debs.gzip!));
      const at = bytes.indexOf('data.tar.gz') + 60 + 40;
      bytes[at] = (bytes[at] as number) ^ 0xff;
      const file = write('damaged.deb', bytes);
      expect(fails(file)).toMatch(new RegExp(`^permsnap: ${file}: data\\.tar\\.gz: corrupt gzip data: `));
    });

    it('refuses what is not a .deb', () => {
      const tarFile = write('not-a-deb.deb', Buffer.from('hello\n'.repeat(100)));
      expect(fails(tarFile)).toBe(`permsnap: ${tarFile}: not an ar archive (no "!<arch>" magic), expected a .deb package`);
      const ar = write('other.a', Buffer.from('!<arch>\nfoo.o/          0           0     0     644     4         `\nabcd'));
      expect(fails(ar)).toBe(`permsnap: ${ar}: not a .deb package: first member is "foo.o", expected "debian-binary"`);
    });
  });
});
