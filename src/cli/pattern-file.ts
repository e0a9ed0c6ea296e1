// --exclude-from / --only-from files: one glob per line; blank lines and # lines ignored.

import fs from 'node:fs';
import { PermsnapError, systemReason } from '../errors.js';

export function readPatternFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PermsnapError('IO', `${file}: cannot read pattern file: ${systemReason(err)}`, { cause: err });
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
