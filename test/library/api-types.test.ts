// The types a program needs to use the library, exported by name, and option lists it may
// keep as read-only arrays (`as const`), as the built package declares them (dist/*.d.ts,
// made first by `npm test`). `npm test` compiles this file (tsc -p
// tsconfig.test.json) before vitest runs it: a type missing from src/index.ts, or an option
// typed as a mutable array, fails that step.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diff, PermsnapError, type Change, type ErrorCode, type PermissionField, type ReadSnapshotOptions, type RestoreEntries, type SymlinkPolicy } from '../../dist/index.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';

const dir = makeTempDir('permsnap-api-types-');
afterAll(() => removeTree(dir));

const IGNORED = ['owner', 'group'] as const satisfies readonly PermissionField[];
const EXCLUDED = ['b'] as const;

describe('the library\'s types', () => {
  it('name what its signatures use, and take read-only option lists', async () => {
    const policy: SymlinkPolicy = 'physical';
    const reading: ReadSnapshotOptions = {};
    const entries: RestoreEntries = [];
    const changes: Change[] = [];
    const code: ErrorCode = 'USAGE';
    expect([policy, reading, [...entries], changes, code]).toEqual(['physical', {}, [], [], 'USAGE']);
    fs.writeFileSync(path.join(dir, 'before.facl'), '# file: a\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\nother::r--\n\n# file: b\nuser::rw-\ngroup::r--\nother::r--\n\n');
    fs.writeFileSync(path.join(dir, 'after.facl'), '# file: a\n# owner: bin\n# group: bin\nuser::rw-\ngroup::r--\nother::r--\n\n# file: b\nuser::rwx\ngroup::r--\nother::r--\n\n');
    const chunks: Buffer[] = [];
    const sink = { write: async (b: Uint8Array): Promise<void> => { chunks.push(Buffer.from(b)); }, commit: async (): Promise<void> => {}, abort: async (): Promise<void> => {} };
    // a's owner and group are ignored, b is left out: no difference.
    const files = [path.join(dir, 'before.facl'), path.join(dir, 'after.facl')] as const;
    const counts = (r: { modified: number; missing: number; extra: number }): number[] => [r.modified, r.missing, r.extra];
    expect(counts(await diff(...files, sink, { ignore: IGNORED, exclude: EXCLUDED }))).toEqual([0, 0, 0]);
    expect(counts(await diff(...files, sink))).toEqual([2, 0, 0]);
    expect(new PermsnapError('USAGE', 'x').code satisfies ErrorCode).toBe('USAGE');
    // Every path of both sides excluded: found by reading, so no usage error (whose CLI
    // message adds the synopsis) but EMPTY.
    const empty: ErrorCode = 'EMPTY';
    const refused = await diff(...files, sink, { exclude: ['a', 'b'] }).then(() => null, (e: PermsnapError) => [e.code, e.message]);
    expect(refused).toEqual([empty, 'the exclude globs left out every path of both sides: nothing was compared (is the glob right?)']);
  });
});
