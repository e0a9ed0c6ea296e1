// The corpus of malformed snapshots in fixtures/malformed/ (its README says how it is laid
// out), and the check every command that reads a snapshot must pass on each file.

import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { REPO } from './tree.js';

export const MALFORMED_DIR = path.join(REPO, 'fixtures/malformed');

export interface MalformedCase {
  /** The file's name in fixtures/malformed/. */
  file: string;
  /** What is wrong with it. */
  what: string;
  /** The line the message must name. */
  line: number;
  /** Other lines that are defensible for the fault (e.g. truncation: where the marker is missing). */
  alternatives?: number[];
  /** A pattern the message must match (a regular expression's source). */
  mentions?: string;
}

export const MALFORMED_CASES: MalformedCase[] = JSON.parse(fs.readFileSync(path.join(MALFORMED_DIR, 'cases.json'), 'utf8'));

/** The case's bytes (a .gz file as it is: the commands unpack it themselves). */
export function malformedBytes(c: MalformedCase): Buffer {
  return fs.readFileSync(path.join(MALFORMED_DIR, c.file));
}

/** stderr is exactly one `permsnap: FILE:LINE: <what is wrong>, expected <what>` line naming the case's line (and what it mentions). */
export function expectRefusedAt(stderr: string, status: number | null, file: string, c: Pick<MalformedCase, 'line' | 'alternatives' | 'mentions'>): void {
  expect(status, stderr).toBe(2);
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines, stderr).toHaveLength(1);
  const m = new RegExp(`^permsnap: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+): (.+, expected .+)$`).exec(lines[0] as string);
  expect(m, stderr).not.toBeNull();
  expect([c.line, ...(c.alternatives ?? [])], stderr).toContain(Number(m?.[1]));
  if (c.mentions) expect(m?.[2]).toMatch(new RegExp(c.mentions));
}
