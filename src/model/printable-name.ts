// A user or group name as a snapshot can carry it. Read back, an all-digit owner, group or
// qualifier is a decimal id (contracts.md, "Names and ids"), so a name made of digits that
// are not its own id's (a user "4242" with uid 7003, as a directory service may have) would
// come back as the wrong id, silently: such a name is left out, and its id printed instead.

const ALL_DIGITS = /^[0-9]+$/;

/** `name` when it reads back as `id`; undefined when there is none or it would not. */
export function printableName(name: string | null | undefined, id: number): string | undefined {
  if (name === null || name === undefined || name === '') return undefined;
  // Asked for every file a snapshot reads: most names start with a letter, which settles it.
  const first = name.charCodeAt(0);
  if (first < 0x30 || first > 0x39) return name;
  return ALL_DIGITS.test(name) && Number(name) !== id ? undefined : name;
}
