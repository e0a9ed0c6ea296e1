// bin/permsnap.js run as a command (npx, PATH) is a sh script first, which starts node
// itself. It starts it without NODE_EXTRA_CA_CERTS: node would read and parse every
// certificate of that file before running any code (58-72 ms of each start with Debian's
// bundle), and permsnap makes no connection. A file node cannot read shows whether node saw
// the variable: it warns that it ignores the file.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, REPO, run } from '../helpers/tree.js';

const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
// The node running the tests is the one the script finds first on the PATH.
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`, NODE_EXTRA_CA_CERTS: '/nonexistent/permsnap-test-certs.pem' };

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
