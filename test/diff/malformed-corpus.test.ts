// diff refuses every snapshot of the malformed corpus (fixtures/malformed/) as restore does:
// exit 2, one `permsnap: FILE:LINE: <what is wrong>, expected <what>` line naming the right
// line, and no report on stdout, whichever side the file is on.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latin1 } from '../helpers/facl-text.js';
import { expectRefusedAt, MALFORMED_CASES, MALFORMED_DIR } from '../helpers/malformed-corpus.js';
import { makeTempDir, removeTree } from '../helpers/tree.js';
import { diffCli } from './diff-kit.js';

let dir = '';
beforeEach(() => {
  dir = makeTempDir('permsnap-diff-malformed-');
});
afterEach(() => removeTree(dir));

describe('diff refuses the malformed corpus', () => {
  for (const [i, c] of MALFORMED_CASES.entries()) {
    it(`refuses ${c.what} (${c.file}) with exit 2 and the right line`, () => {
      const good = path.join(dir, 'good.facl');
      fs.writeFileSync(good, '# file: a\n# owner: root\n# group: root\nuser::rw-\ngroup::r--\nother::r--\n\n');
      // A CLI run costs a Node start: the fixture as BEFORE always, as AFTER for every other case.
      const orders = i % 2 === 0 ? [[c.file, good], [good, c.file]] : [[c.file, good]];
      for (const operands of orders) {
        const r = diffCli(operands, { cwd: MALFORMED_DIR });
        expectRefusedAt(r.stderr, r.status, c.file, c);
        expect(latin1(r.stdout)).toBe('');
      }
    });
  }
});
