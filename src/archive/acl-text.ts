// The ACL text tar archives carry in `SCHILY.acl.access` / `SCHILY.acl.default`, in both
// dialects: GNU tar's (libacl's acl_to_text: one entry a line, names only, a number where the
// id had no name) and star's / bsdtar's (entries separated by commas, the numeric id appended
// to named entries: `user:bin:rwx:2`).

import { ACL_GROUP, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER, ACL_UNDEFINED_ID, ACL_USER, ACL_USER_OBJ, type AclTag } from '../model/acl.js';
import { MAX_FILE_ID, UNKNOWN_ID, type QualifiedAclEntry } from '../model/entry.js';
import { escapeAbove377, unquote } from '../format/quote.js';

const TAGS: Record<string, [AclTag, AclTag | null]> = {
  // [tag without qualifier, tag with one]
  user: [ACL_USER_OBJ, ACL_USER],
  u: [ACL_USER_OBJ, ACL_USER],
  group: [ACL_GROUP_OBJ, ACL_GROUP],
  g: [ACL_GROUP_OBJ, ACL_GROUP],
  mask: [ACL_MASK, null],
  m: [ACL_MASK, null],
  other: [ACL_OTHER, null],
  o: [ACL_OTHER, null],
};

const DECIMAL = /^[0-9]{1,10}$/;

/**
 * Entries in the text's order. A named entry's `id` is the appended number (star form) or
 * the qualifier itself when it is a number; otherwise UNKNOWN_ID and only `name` is known.
 * Throws with the entry's number and text when the text is not an ACL.
 */
export function parseAclText(text: string): QualifiedAclEntry[] {
  const entries: QualifiedAclEntry[] = [];
  const parts = text.split(/[\n,]/);
  for (const [i, raw] of parts.entries()) {
    // libacl may add `#effective:` comments and padding; neither is part of the entry.
    const part = raw.replace(/#.*$/, '').trim();
    if (part === '') continue;
    try {
      entries.push(parseEntry(part));
    } catch (err) {
      throw new Error(`ACL entry ${i + 1} "${part}": ${(err as Error).message}`);
    }
  }
  return entries;
}

function parseEntry(part: string): QualifiedAclEntry {
  const fields = part.split(':');
  if (fields.length !== 3 && fields.length !== 4) throw new Error('expected TAG:QUALIFIER:PERMS or TAG:NAME:PERMS:ID');
  const [tagText, qualifierText, permText, idText] = fields as [string, string, string, string | undefined];
  const tags = TAGS[tagText];
  if (!tags) throw new Error(`unknown tag "${tagText}", expected user, group, mask or other`);
  if (!/^[r-][w-][x-]$/.test(permText)) throw new Error(`permissions "${permText}", expected [r-][w-][x-]`);
  const perm = (permText[0] === 'r' ? 4 : 0) | (permText[1] === 'w' ? 2 : 0) | (permText[2] === 'x' ? 1 : 0);
  if (qualifierText === '') {
    if (idText !== undefined) throw new Error('an id after an entry without a qualifier');
    return { tag: tags[0], perm, id: ACL_UNDEFINED_ID };
  }
  if (tags[1] === null) throw new Error(`a qualifier on a ${tagText} entry`);
  const above = escapeAbove377(qualifierText);
  if (above !== undefined) throw new Error(`qualifier "${qualifierText}" has the escape \\${above}, above \\377, expected escapes from \\001 to \\377`);
  const qualifier = unquote(qualifierText);
  // A C string ends at a NUL: `daemon\000x` would name daemon to NSS.
  if (qualifier.includes('\0')) throw new Error(`qualifier "${qualifierText}" contains a NUL byte, expected a name without \\000`);
  if (DECIMAL.test(qualifier) && idText === undefined) return { tag: tags[1], perm, id: checkedId(qualifier) };
  if (idText !== undefined && !DECIMAL.test(idText)) throw new Error(`id "${idText}", expected a decimal number`);
  const entry: QualifiedAclEntry = { tag: tags[1], perm, id: idText === undefined ? UNKNOWN_ID : checkedId(idText), name: qualifier };
  return entry;
}

function checkedId(text: string): number {
  const id = Number(text);
  if (id > MAX_FILE_ID) throw new Error(`id ${text} is larger than ${MAX_FILE_ID}`);
  return id;
}
