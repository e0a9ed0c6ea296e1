// One change as people read it: `mode 0777 -> 4755`, `owner 1000 -> 0`,
// `acl user:1000:rwx,mask::rwx -> none`.

import { entryText } from '../format/getfacl-printer.js';
import { isBaseAcl, type Acl } from '../model/acl.js';
import { decodeCapability, formatCapability } from '../model/capability.js';
import { modeOctal } from '../model/mode.js';
import { isUnreadableCapability } from '../restore/path-state.js';
import type { Change } from '../restore/reconcile.js';

function aclText(acl: Acl | null | undefined): string {
  if (!acl || isBaseAcl(acl)) return 'none';
  return acl.map((e) => entryText(e, { names: false })).join(',');
}

function entriesText(acl: Acl | null | undefined): string {
  return acl ? acl.map((e) => entryText(e, { names: false })).join(',') : 'none';
}

function capabilityText(value: Buffer | null | undefined): string {
  if (isUnreadableCapability(value)) return 'unreadable';
  return value ? formatCapability(decodeCapability(value)) : 'none';
}

export function formatChange(c: Change): string {
  const { before, after } = c;
  switch (c.field) {
    case 'owner':
      return `owner ${before.uid} -> ${after.uid}`;
    case 'group':
      return `group ${before.gid} -> ${after.gid}`;
    case 'mode':
      return `mode ${modeOctal(before.mode)} -> ${modeOctal(after.mode ?? before.mode)}`;
    case 'acl':
      return `acl ${aclText(before.acl)} -> ${aclText(after.acl)}`;
    case 'default-acl':
      return `default-acl ${entriesText(before.defaultAcl)} -> ${entriesText(after.defaultAcl)}`;
    case 'capability':
      return `capability ${capabilityText(before.capability)} -> ${capabilityText(after.capability)}`;
  }
}
