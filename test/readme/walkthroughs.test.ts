// The README's walkthroughs, run as written (walkthrough-kit.ts says how a scratch directory
// stands for `/`): recovery from a healthy twin (diff, dry run, restore, undo), from a
// rescue system (--root /mnt), drift since a periodic baseline, the CI drift check of an
// image tarball with its GitHub Actions step, the NRPE check and the Ansible playbook.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capTree, faclTree, restoreReady, SKIP_REASON } from '../helpers/restore-kit.js';
import { hasCommand, makeTempDir, REPO, removeTree, run, sh } from '../helpers/tree.js';
import { blockSteps, inScratch, permsnapBin, readmeBlock, runBlock, scratchPlaybook, workflowStep, type Step } from './walkthrough-kit.js';

let dir = '';
let env: NodeJS.ProcessEnv = {};
beforeEach(() => {
  dir = makeTempDir('permsnap-readme-');
  env = { ...process.env, PATH: `${permsnapBin(dir)}:${process.env.PATH}`, WALKTHROUGH_TWIN: path.join(dir, 'twin'), NO_COLOR: '1' };
});
afterEach(() => removeTree(dir));

/** A small system: set-uid and capability binaries, a private shadow, a sticky /tmp, a home. */
function buildHost(root: string): void {
  fs.mkdirSync(root, { recursive: true });
  sh(
    [
      'mkdir -p etc/permsnap usr/bin usr/share/doc/app var/log var/tmp tmp home/alice root',
      'cp /etc/passwd /etc/group etc/ && echo secret > etc/shadow && chmod 640 etc/shadow && chgrp 42 etc/shadow',
      `cp ${path.join(REPO, 'contrib/permsnap.excludes')} etc/permsnap/excludes`,
      'echo x > usr/bin/passwd && chmod 4755 usr/bin/passwd && echo x > usr/bin/ping && setcap cap_net_raw=ep usr/bin/ping',
      'echo doc > usr/share/doc/app/README && chmod 1777 tmp var/tmp && chmod 700 root',
      'chown 1000:1000 home/alice && chmod 750 home/alice && setfacl -m u:2:rx -d -m g:4:r usr/share/doc/app',
      'echo log > var/log/syslog && chown 0:4 var/log/syslog && chmod 640 var/log/syslog',
    ].join(' && '),
    root,
  );
}

/** The bad day: `chmod -R a+rwx /` and a `chown -R` of /usr. */
function damage(root: string): void {
  sh('chmod -R a+rwx . && chown -R 1000:1000 usr', root);
}

/** getfacl -R and getcap -r of a scratch root, leaving out what the walkthrough leaves alone. */
function state(root: string): { facl: Map<string, string>; caps: string[] } {
  const facl = faclTree(root, '.');
  // The walkthrough's own files, and what its snapshot leaves out (--exclude /home /tmp /var/tmp).
  for (const p of [...facl.keys()]) if (/^(\.\/)?(root\/|var\/lib($|\/)|home($|\/)|tmp($|\/)|var\/tmp($|\/))/.test(p)) facl.delete(p);
  return { facl, caps: capTree(root, '.') };
}

function expectOk(step: Step, status = 0): void {
  expect(step.status, `${step.command}\n${step.stderr}`).toBe(status);
}

describe.skipIf(!restoreReady)(`README walkthroughs, run on scratch trees (${SKIP_REASON})`, () => {
  it('recovery: snapshot on the twin, then diff, dry run, restore, check and undo on the damaged host', () => {
    const twin = path.join(dir, 'twin');
    const host = path.join(dir, 'host');
    buildHost(twin);
    buildHost(host);
    const [snap] = runBlock('recovery-twin', twin, env);
    expectOk(snap as Step);
    expect(fs.statSync(path.join(twin, 'root/healthy.facl.gz')).mode & 0o777).toBe(0o600);
    const healthy = state(twin);
    damage(host);
    const damaged = state(host);
    expect(damaged.facl).not.toEqual(healthy.facl);

    const [scp, diff, dry, restore, check] = blockSteps('recovery-host', host, env) as Array<() => Step>;
    expectOk(scp!());
    const report = diff!();
    expectOk(report, 1);
    expect(report.stdout.toString()).toMatch(/^modified {2}usr\/bin\/passwd {2}.*owner root -> \S+, group root -> \S+, mode 4755 -> 0777$/m);
    const plan = dry!();
    expectOk(plan);
    expect(plan.stdout.toString()).toMatch(/etc\/shadow {2}mode 0777 -> 0640/);
    expect(state(host)).toEqual(damaged);
    const repair = restore!();
    expectOk(repair);
    expect(repair.stderr).toMatch(/undo with: permsnap restore \S+\/var\/lib\/permsnap\/undo\/\d{8}T\d{6}Z\.facl --root /);
    expect(state(host)).toEqual(healthy);
    const after = check!();
    expectOk(after, 1); // the copied snapshot and the journal are extra; nothing is modified
    expect(after.stdout.toString()).toMatch(/^0 modified, 0 missing, \d+ extra$/m);

    const [undo] = runBlock('recovery-undo', host, env);
    expectOk(undo as Step);
    expect(state(host)).toEqual(damaged);
  });

  it('recovery from a rescue system: the damaged root at /mnt, names from /mnt/etc, the journal beneath it', () => {
    const twin = path.join(dir, 'twin');
    const rescue = path.join(dir, 'rescue');
    buildHost(twin);
    buildHost(path.join(rescue, 'mnt'));
    expectOk(runBlock('recovery-twin', twin, env)[0] as Step);
    fs.mkdirSync(path.join(rescue, 'root'));
    fs.copyFileSync(path.join(twin, 'root/healthy.facl.gz'), path.join(rescue, 'root/healthy.facl.gz'));
    damage(path.join(rescue, 'mnt'));
    const damaged = state(path.join(rescue, 'mnt'));

    const [mount, dry, restore] = blockSteps('recovery-rescue', rescue, env) as Array<() => Step>;
    expectOk(mount!());
    const plan = dry!();
    expectOk(plan);
    expect(plan.stderr).toMatch(/names from .*\/mnt\/etc\/passwd/);
    expect(state(path.join(rescue, 'mnt'))).toEqual(damaged);
    expectOk(restore!());
    expect(state(path.join(rescue, 'mnt'))).toEqual(state(twin));
    expect(fs.readdirSync(path.join(rescue, 'mnt/var/lib/permsnap/undo'))).toHaveLength(1);
  });

  it('periodic baselines: the job and its excludes file, then drift since the newest and the oldest baseline', () => {
    const host = path.join(dir, 'host');
    buildHost(host);
    const job = (): void => {
      const r = run('sh', [path.join(REPO, 'contrib/permsnap-baseline.sh')], {
        cwd: host,
        env: { ...env, PERMSNAP_TARGET: '.', PERMSNAP_DIR: './var/lib/permsnap/baselines', PERMSNAP_EXCLUDE_FROM: './etc/permsnap/excludes' },
      });
      expect(r.status, r.stderr).toBe(0);
    };
    job();
    // Make the first baseline look older, so the second run writes a new one beside it.
    const baselines = path.join(host, 'var/lib/permsnap/baselines');
    fs.renameSync(path.join(baselines, fs.readlinkSync(path.join(baselines, 'latest.facl.gz'))), path.join(baselines, '20200101T000000Z.facl.gz'));
    fs.writeFileSync(path.join(host, 'home/alice/notes'), 'expected to change: excluded');
    job();
    let [latest, oldest] = runBlock('baseline-drift', host, env);
    expectOk(latest as Step);
    expectOk(oldest as Step);
    fs.chmodSync(path.join(host, 'usr/bin/passwd'), 0o777);
    [latest, oldest] = runBlock('baseline-drift', host, env);
    expectOk(latest as Step, 1);
    expect(latest?.stdout.toString()).toMatch(/^1 modified, 0 missing, 0 extra\nmodified {2}usr\/bin\/passwd {2}mode 4755 -> 0777$/m);
    expectOk(oldest as Step, 1);
  });

  it.skipIf(!hasCommand('git'))('CI drift check: the baseline from an image tarball, then the workflow step fails on drift and keeps JSON', () => {
    const repo = path.join(dir, 'repo');
    const image = path.join(dir, 'image');
    buildHost(image);
    fs.mkdirSync(path.join(repo, 'build'), { recursive: true });
    fs.mkdirSync(path.join(repo, 'ci'));
    const build = (): void => void sh(`tar -czf ${path.join(repo, 'build/rootfs.tar.gz')} --xattrs --xattrs-include='*' -C ${image} .`, dir);
    build();
    sh('git init -q . && git config user.email ci@example.com && git config user.name ci', repo);
    const [snapshot, commit] = runBlock('ci-baseline', repo, env);
    expectOk(snapshot as Step);
    expectOk(commit as Step);
    expect(fs.readFileSync(path.join(repo, 'ci/perms.facl'), 'latin1')).toMatch(/^# file: usr\/bin\/passwd\n# owner: root\n# group: root\n# flags: s--\n/m);

    const workflow = readmeBlock('ci-workflow');
    expect(workflow).toMatch(/if: always\(\)\n\s+uses: actions\/upload-artifact@v4\n\s+with:\n\s+name: permission-drift\n\s+path: drift\.json/);
    const check = workflowStep(workflow, 'Check permissions against the baseline');
    const step = (): ReturnType<typeof run> => run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', check], { cwd: repo, env });

    let r = step();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'drift.json'), 'utf8')).summary).toEqual({ modified: 0, missing: 0, extra: 0 });

    fs.chmodSync(path.join(image, 'usr/bin/passwd'), 0o777);
    fs.rmSync(path.join(image, 'usr/share/doc/app/README'));
    build();
    r = step();
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toMatch(/^modified {2}usr\/bin\/passwd {2}mode 4755 -> 0777$/m);
    const report = JSON.parse(fs.readFileSync(path.join(repo, 'drift.json'), 'utf8'));
    expect(report.summary).toEqual({ modified: 1, missing: 1, extra: 0 });
  });

  it('NRPE check: OK on a clean host, CRITICAL on drift, UNKNOWN without a baseline; sudoers allows exactly that command', () => {
    const host = path.join(dir, 'host');
    buildHost(host);
    const [nrpe] = readmeBlock('nrpe').split('\n').filter((l) => l.startsWith('command[check_permsnap]='));
    const command = (nrpe as string).slice('command[check_permsnap]='.length);
    const sudoers = readmeBlock('sudoers');
    expect(sudoers).toContain(`nagios ALL=(root) NOPASSWD: ${command.replace(/^\/usr\/bin\/sudo /, '')}`);
    const check = (): ReturnType<typeof run> =>
      run('bash', ['--noprofile', '--norc', '-c', inScratch(command.replace(/^\/usr\/bin\/sudo \/usr\/local\/bin\/permsnap /, 'permsnap '))], { cwd: host, env });

    let r = check();
    expect(r.status).toBe(3);
    expect(r.stdout.toString()).toMatch(/^PERMSNAP UNKNOWN - /);
    const job = run('sh', [path.join(REPO, 'contrib/permsnap-baseline.sh')], {
      cwd: host,
      env: { ...env, PERMSNAP_TARGET: '.', PERMSNAP_DIR: './var/lib/permsnap/baselines', PERMSNAP_EXCLUDE_FROM: './etc/permsnap/excludes' },
    });
    expect(job.status, job.stderr).toBe(0);
    r = check();
    expect(r.stdout.toString()).toMatch(/^PERMSNAP OK - .*\| modified=0;;;0 missing=0;;;0 extra=0;;;0\n$/);
    expect(r.status).toBe(0);
    fs.chmodSync(path.join(host, 'etc/shadow'), 0o644);
    r = check();
    expect(r.stdout.toString()).toMatch(/^PERMSNAP CRITICAL - 1 modified.*etc\/shadow mode 0640 -> 0644/);
    expect(r.status).toBe(2);
  });

  // ansible-core (Debian's package; .ci/run installs it) runs the playbook against localhost.
  it.skipIf(!hasCommand('ansible-playbook'))('Ansible: the playbook collects each host\'s JSON report on the control node', () => {
    const host = path.join(dir, 'host');
    buildHost(host);
    const baseline = run('sh', [path.join(REPO, 'contrib/permsnap-baseline.sh')], {
      cwd: host,
      env: { ...env, PERMSNAP_TARGET: '.', PERMSNAP_DIR: './var/lib/permsnap/baselines', PERMSNAP_EXCLUDE_FROM: './etc/permsnap/excludes' },
    });
    expect(baseline.status, baseline.stderr).toBe(0);
    fs.chmodSync(path.join(host, 'usr/bin/passwd'), 0o777);
    const control = path.join(dir, 'control');
    fs.mkdirSync(control);
    fs.writeFileSync(path.join(control, 'permsnap-drift.yml'), scratchPlaybook('ansible', host));
    // become: as root with su (this machine has no sudo); localhost stands for the fleet.
    const r = run('ansible-playbook', ['-i', 'localhost,', '-c', 'local', '-e', 'ansible_become_method=su', 'permsnap-drift.yml'], {
      cwd: control,
      env: { ...env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: path.join(dir, 'ansible-tmp'), ANSIBLE_REMOTE_TEMP: path.join(dir, 'ansible-tmp') },
    });
    expect(r.status, `${r.stdout.toString()}${r.stderr}`).toBe(0);
    expect(r.stdout.toString()).toMatch(/"modified": 1/);
    const report = JSON.parse(fs.readFileSync(path.join(control, 'reports/localhost.json'), 'utf8'));
    expect(report.summary).toEqual({ modified: 1, missing: 0, extra: 0 });
    expect(report.changes[0]).toMatchObject({ kind: 'modified', path: 'usr/bin/passwd' });
    expect(fs.statSync(path.join(control, 'reports/localhost.json')).mode & 0o777).toBe(0o600);
  });
});
