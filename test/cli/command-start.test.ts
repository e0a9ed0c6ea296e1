// bin/permsnap.js run as a command (npx, PATH) is a sh script first, which starts node
// itself. It starts it without NODE_EXTRA_CA_CERTS: node would read and parse every
// certificate of that file before running any code (58-72 ms of each start with Debian's
// bundle), and permsnap makes no connection. A file node cannot read shows whether node saw
// the variable: it warns that it ignores the file. For restore, the script also asks glibc's
// malloc for transparent huge pages (GLIBC_TUNABLES): a stand-in node on the PATH shows what
// the script hands it.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, makeTempDir, REPO, removeTree, run } from '../helpers/tree.js';

const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
/** This environment, with `dir` first on the PATH: the script runs the `node` it finds there. */
const withFirstOnPath = (dir: string): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` });
// The node running the tests.
const env = { ...withFirstOnPath(path.dirname(process.execPath)), NODE_EXTRA_CA_CERTS: '/nonexistent/permsnap-test-certs.pem' };

describe('permsnap run as a command', () => {
  it('node, started by the script, never sees NODE_EXTRA_CA_CERTS (no warning about the missing file)', () => {
    const r = run(CLI, ['--version'], { env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString().trim()).toBe(version);
    expect(r.stderr).toBe('');
  });

  it('nor does restore, which the script starts with a V8 flag of its own', () => {
    const r = run(CLI, ['restore', '--help'], { env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toContain('restore');
    expect(r.stderr).toBe('');
  });

  it('run by node itself, the same file sees it (the check above can fail)', () => {
    const r = run(process.execPath, [CLI, '--version'], { env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('extra certs');
  });
});

describe('the tunables the script gives node', () => {
  const bin = makeTempDir();
  afterAll(() => removeTree(bin));
  // Says what it was started with, in place of node.
  fs.writeFileSync(path.join(bin, 'node'), '#!/bin/sh\nprintf "%s\\n" "${GLIBC_TUNABLES-(unset)}" "$@"\n', { mode: 0o755 });
  const started = (args: string[], tunables?: string): string[] => {
    const stand = withFirstOnPath(bin);
    if (tunables === undefined) delete stand.GLIBC_TUNABLES;
    else stand.GLIBC_TUNABLES = tunables;
    const r = run(CLI, args, { env: stand });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.toString().trimEnd().split('\n');
  };

  it('restore: malloc asks for huge pages and keeps what it frees, with the V8 flags', () => {
    expect(started(['restore', 'x.facl'])).toEqual(['glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432', '--single-threaded', '--max-inlined-bytecode-size-cumulative=150', CLI, 'restore', 'x.facl']);
  });

  it("restore: the user's own tunables come after, so that theirs win", () => {
    expect(started(['restore', 'x.facl'], 'glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2')[0]).toBe('glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432:glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2');
  });

  it('other commands: node starts as the user set it', () => {
    expect(started(['snapshot', '.'])).toEqual(['(unset)', CLI, 'snapshot', '.']);
    expect(started(['snapshot', '.'], 'glibc.malloc.arena_max=2')[0]).toBe('glibc.malloc.arena_max=2');
  });
});
