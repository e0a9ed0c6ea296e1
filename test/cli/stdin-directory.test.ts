// "-" with standard input redirected from a directory (`permsnap restore - < dir`): Node
// reads such a stdin as empty, which read as an empty snapshot (restore exit 1, "holds no
// path"). It is a snapshot that cannot be read: exit 2, as the same descriptor named
// /dev/stdin gives, and nothing is restored.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STACK_FRAME } from '../helpers/facl-text.js';
import { CLI, makeTempDir, removeTree } from '../helpers/tree.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-stdin-dir-');
  fs.mkdirSync(path.join(dir, 'tree'));
});
afterEach(() => removeTree(dir));

/** permsnap ARGS with its standard input open on a directory. */
function withDirectoryAsStdin(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const fd = fs.openSync(dir, 'r');
  try {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, stdio: [fd, 'pipe', 'pipe'], timeout: 60_000 });
    return { status: r.status, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') };
  } finally {
    fs.closeSync(fd);
  }
}

describe('"-" when standard input is a directory', () => {
  const cases: Array<{ args: string[]; message: RegExp }> = [
    { args: ['restore', '-', '--root', 'tree', '--no-undo'], message: /^permsnap: -: cannot read the snapshot: is a directory\n$/ },
    { args: ['restore', '-', '--root', 'tree', '--dry-run'], message: /^permsnap: -: cannot read the snapshot: is a directory\n$/ },
    { args: ['diff', '-', 'tree'], message: /^permsnap: -: cannot read the snapshot: is a directory\n$/ },
    { args: ['diff', 'tree', '-'], message: /^permsnap: -: cannot read the snapshot: is a directory\n$/ },
    { args: ['snapshot', '--from-tar', '-'], message: /^permsnap: -: .*is a directory\n$/ },
  ];
  for (const { args, message } of cases) {
    it(`${args.join(' ')}: exit 2, the snapshot cannot be read`, () => {
      const r = withDirectoryAsStdin(args);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK_FRAME);
      expect(r.stdout).toBe('');
      expect(r.status).toBe(2);
    });
  }
});
