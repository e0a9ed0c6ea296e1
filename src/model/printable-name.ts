// How a user or group name reads back from a snapshot: an all-digit owner, group or
// qualifier is a decimal id (contracts.md, "Names and ids"), for every reader here. So a
// name made of digits that are not its own id's (a user "4242" with uid 7003, as a
// directory service may have) would come back as the wrong id, silently: such a name is
// left out, and its id printed instead. setfacl reads more names as numbers: whatever
// strtol(3) in base 0 takes whole ("0x1f", "017" in octal, " 12", "+5"); those are left
// out too, unless they are the id itself in plain decimal.

const ALL_DIGITS = /^[0-9]+$/;
// What strtol(name, &end, 0) reads to its end: leading white space, a sign, hex or digits.
const SETFACL_NUMBER = /^[ \t\n\v\f\r]*[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)$/;

/** Whether an owner, group or qualifier text is read as a decimal id, not a name. */
export function readsAsId(text: string): boolean {
  return ALL_DIGITS.test(text);
}

/** `name` when it reads back as `id`; undefined when there is none or it would not. */
export function printableName(name: string | null | undefined, id: number): string | undefined {
  if (name === null || name === undefined || name === '') return undefined;
  return SETFACL_NUMBER.test(name) && name !== String(id) ? undefined : name;
}
