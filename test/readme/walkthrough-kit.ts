// Reads the README's walkthrough blocks and runs them as written on a scratch tree that
// stands for `/`: each command runs with the scratch directory as its working directory and
// every absolute path made relative to it (`/` -> `.`, `/root/x` -> `./root/x`), so
// `permsnap restore /root/healthy.facl.gz --root /` restores the scratch tree. Commands the
// machine cannot run for real (scp from another host, mount) are replaced by shell
// functions that do their part on the scratch directories, and are named in PRELUDE.

import fs from 'node:fs';
import path from 'node:path';
import { CLI, REPO, run, type Run } from '../helpers/tree.js';

const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

/** The text of the fenced block that follows `<!-- walkthrough: NAME -->` in README.md. */
export function readmeBlock(name: string): string {
  const mark = README.indexOf(`<!-- walkthrough: ${name} -->\n`);
  if (mark < 0) throw new Error(`README.md has no walkthrough block named ${name}`);
  const fence = README.slice(mark).match(/^```[^\n]*\n([\s\S]*?)^```$/m);
  if (!fence) throw new Error(`README.md: the walkthrough mark ${name} is not followed by a fenced block`);
  return fence[1] as string;
}

/** Each command line of a shell block (blank and comment-only lines dropped). */
export function commandLines(block: string): string[] {
  return block.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
}

/** Absolute paths made relative to the working directory (the scratch root). */
export function inScratch(text: string): string {
  return text.replace(/(^|[\s"'(=[])\/(?=[\s"'),\]]|$)/gm, '$1.').replace(/(^|[\s"'(=[])\/(?=[\w.])/gm, '$1./');
}

const PRELUDE = [
  // scp twin:/PATH DEST: the copy from the healthy twin, whose scratch root is $WALKTHROUGH_TWIN.
  'scp() { cp -- "$WALKTHROUGH_TWIN${1#*:}" "$2"; }',
  // mount DEVICE /mnt: the test has already put the damaged root at ./mnt.
  'mount() { :; }',
].join('\n');

/** A directory holding a `permsnap` command (this checkout's CLI), for PATH. */
export function permsnapBin(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'permsnap'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });
  return bin;
}

export interface Step extends Run {
  command: string;
}

/** The command lines of a README shell block, each a function that runs it in bash in the scratch root `cwd`. */
export function blockSteps(name: string, cwd: string, env: NodeJS.ProcessEnv): Array<() => Step> {
  return commandLines(readmeBlock(name)).map((line) => () => {
    const command = inScratch(line);
    return { command, ...run('bash', ['--noprofile', '--norc', '-c', `${PRELUDE}\n${command}`], { cwd, env }) };
  });
}

/** Runs every command line of a README shell block (see blockSteps). */
export function runBlock(name: string, cwd: string, env: NodeJS.ProcessEnv): Step[] {
  return blockSteps(name, cwd, env).map((step) => step());
}

/**
 * The README's playbook made runnable here: absolute paths relative to the scratch root, and
 * the command run in it (`chdir`, which a real host does not need: its root is `/`).
 */
export function scratchPlaybook(name: string, root: string): string {
  const playbook = inScratch(readmeBlock(name));
  const argv = /^(\s+)argv:/m;
  if (!argv.test(playbook)) throw new Error(`the playbook ${name} has no command with argv`);
  return playbook.replace(argv, (line, indent: string) => `${indent}chdir: ${JSON.stringify(root)}\n${line}`);
}

/** The `run: |` script of the step named NAME in a GitHub Actions workflow (YAML text). */
export function workflowStep(workflow: string, name: string): string {
  const lines = workflow.split('\n');
  const at = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  if (at < 0) throw new Error(`the workflow has no step named ${name}`);
  const runAt = lines.findIndex((l, i) => i > at && /^\s+run: \|$/.test(l));
  if (runAt < 0 || lines.slice(at + 1, runAt).some((l) => /^\s+- /.test(l))) throw new Error(`the step ${name} has no run: | script`);
  const indent = (lines[runAt] as string).search(/\S/);
  const body: string[] = [];
  for (const line of lines.slice(runAt + 1)) {
    if (line.trim() !== '' && line.search(/\S/) <= indent) break;
    body.push(line);
  }
  return body.join('\n');
}
