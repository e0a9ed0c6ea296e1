// Globs from the command line: --exclude/--only values and --exclude-from files (one glob
// per line, blanks around it trimmed; blank lines and # lines ignored), as byte strings,
// checked before use.

import fs from 'node:fs';
import { PermsnapError, systemReason } from '../errors.js';
import { PATH_QUOTED, quote } from '../format/quote.js';
import { checkGlobs, globProblem } from '../library-options.js';
import { toByteString } from '../platform/byte-path.js';
import { checkNotEmpty } from './option-checks.js';

/** The globs of repeated options (text) and of pattern files, as byte strings, each checked. */
export function globsOf(option: string, given: readonly string[], files: readonly string[] = []): string[] {
  for (const file of files) checkNotEmpty(`${option}-from`, file, 'a FILE of globs');
  const globs = given.map(toByteString);
  checkGlobs(option, globs);
  return [...globs, ...files.flatMap(readPatternFile)];
}

/** A pattern file's globs as their bytes (a name that is not UTF-8 is matched as it is), each checked: a bad one is named by FILE:LINE. */
function readPatternFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file).toString('latin1');
  } catch (err) {
    throw new PermsnapError('IO', `${file}: cannot read pattern file: ${systemReason(err)}`, { cause: err });
  }
  const globs: string[] = [];
  text
    .replace(/^\xef\xbb\xbf/, '') // a UTF-8 byte-order mark
    .split(/\r?\n/)
    .forEach((line, index) => {
      // Blanks around a pattern are layout, not name; one a name has at an end is written
      // with a backslash ("\ lead", "trail\ "), which the trim leaves (as gitignore does).
      const glob = line.replace(/^[ \t]+/, '').replace(/(?<!\\)[ \t]+$/, '');
      if (glob === '' || glob.startsWith('#')) return;
      const problem = globProblem(glob);
      if (problem !== null) throw new PermsnapError('MALFORMED', `${quote(glob, PATH_QUOTED)}: ${problem}`, { file, line: index + 1 });
      globs.push(glob);
    });
  return globs;
}
