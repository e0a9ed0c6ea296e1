// A word as a POSIX shell reads it back unchanged, for the commands permsnap prints for
// people to paste (the undo command): a root with a space or a newline in it too.

/** The text itself when it holds only characters no shell treats specially, else single-quoted. */
export function shellWord(text: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replaceAll("'", "'\\''")}'`;
}
