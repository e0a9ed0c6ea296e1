// Text for a monitoring plugin's status line (`diff --format nagios`): one line, and no "|"
// but the one before the performance data.

/**
 * A plugin's status text: the first "|" starts the performance data, so one in a path or a
 * name (anyone may name a file "x|modified=0") would forge the counters. It is written as
 * getfacl's octal escape, \174, which quoted text cannot hold otherwise (a backslash is \\).
 * The status is one line: a line break (in a file name given on the command line, which
 * messages show as given) is written \012 or \015, as getfacl writes it in a path.
 */
export function nagiosText(text: string): string {
  return text.replaceAll('|', '\\174').replaceAll('\n', '\\012').replaceAll('\r', '\\015');
}

/** The UNKNOWN line for trouble that ended the check (a usage error, an input that does not parse). */
export function nagiosUnknownLine(message: string): string {
  return `${nagiosText(`PERMSNAP UNKNOWN - ${message}`)}\n`;
}
