// Globs from the command line: --exclude/--only values and --exclude-from files (one glob
// per line, blanks around it trimmed; blank lines and # lines ignored), as byte strings,
// checked before use.

import fs from 'node:fs';
import { PermsnapError, systemReason } from '../errors.js';
import { checkGlobs } from '../library-options.js';
import { toByteString } from '../platform/byte-path.js';
import { checkNotEmpty } from './option-checks.js';

/** The globs of repeated options (text) and of pattern files, as byte strings, each checked. */
export function globsOf(option: string, given: readonly string[], files: readonly string[] = []): string[] {
  for (const file of files) checkNotEmpty(`${option}-from`, file, 'a FILE of globs');
  const globs = [...given.map(toByteString), ...files.flatMap(readPatternFile)];
  checkGlobs(option, globs);
  return globs;
}

/** A pattern file's globs as their bytes (a name that is not UTF-8 is matched as it is). */
function readPatternFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file).toString('latin1');
  } catch (err) {
    throw new PermsnapError('IO', `${file}: cannot read pattern file: ${systemReason(err)}`, { cause: err });
  }
  return text
    .replace(/^\xef\xbb\xbf/, '') // a UTF-8 byte-order mark
    .split(/\r?\n/)
    // Blanks around a pattern are layout, not name; one a name has at an end is written
    // with a backslash ("\ lead", "trail\ "), which the trim leaves (as gitignore does).
    .map((line) => line.replace(/^[ \t]+/, '').replace(/(?<!\\)[ \t]+$/, ''))
    .filter((line) => line !== '' && !line.startsWith('#'));
}

