// Decides what a snapshot prints for each tar member and prints it: the member as an Entry,
// left out when excluded (with all beneath it) or skipped by -s, its path in getfacl's
// printed form, then the same printers as a live snapshot. Problems go to a callback.

import { printBlock, type PrintOptions } from '../format/getfacl-printer.js';
import { printJsonLine } from '../format/json-printer.js';
import { compileGlobsBeneath, type PathMatcher } from '../glob/path-matcher.js';
import { ACL_USER, isBaseAcl } from '../model/acl.js';
import type { Entry } from '../model/entry.js';
import { printedPath } from '../model/printed-path.js';
import { gidOfName, uidOfName } from '../platform/nss.js';
import type { SnapshotFormat } from '../snapshot/settings.js';
import { MemberConverter, symlinkEntry } from './member-entry.js';
import type { TarMember } from './tar-members.js';

export interface MemberPrinterOptions {
  format: SnapshotFormat;
  print: PrintOptions;
  exclude: readonly string[];
  stripLeadingSlash: boolean;
  skipBase: boolean;
  onProblem?: (problem: { path: string; message: string }) => void;
  onAbsolute?: () => void;
}

export interface PrintedMember {
  /** The printed path. */
  path: string;
  text: string;
  /** Where the block's header ends (permsnap's markers go there); -1 without one. */
  headerEnd: number;
}

export class MemberPrinter {
  problems = 0;
  /** Members left out by exclude (with all beneath them). */
  excluded = 0;
  /** Members left out by skipBase (getfacl -s): an archive of them is no empty archive. */
  skippedAsBase = 0;
  private readonly converter: MemberConverter;
  private readonly excludedPath: PathMatcher | undefined;
  private noticedAbsolute = false;

  constructor(private readonly options: MemberPrinterOptions) {
    this.excludedPath = compileGlobsBeneath(options.exclude);
    this.converter = new MemberConverter({
      names: options.print.names,
      idOfName: (tag, name) => (tag === ACL_USER ? uidOfName(name) : gidOfName(name)),
    });
  }

  /** The member's block, or null when nothing is printed for it (a symlink has none). */
  print(member: TarMember): PrintedMember | null {
    const entry = this.entryOf(member);
    return entry === null || entry.type === 'symlink' ? null : this.printEntry(entry);
  }

  /** The member as an Entry (of type symlink for a symlink: symlinkEntry()); null when it is a problem (reported and counted). */
  entryOf(member: TarMember): Entry | null {
    const converted = this.converter.convert(member);
    if (converted.kind === 'symlink') return symlinkEntry(converted.path);
    if (converted.kind === 'problem') {
      this.problems++;
      this.options.onProblem?.({ path: converted.path, message: converted.message });
      return null;
    }
    return converted.entry;
  }

  /** Whether --exclude leaves out the entry at `path` (as recorded). */
  isExcluded(path: string): boolean {
    return this.excludedPath !== undefined && this.excludedPath(path);
  }

  /** The entry's block (its path is changed to the printed form), or null when it is left out. */
  printEntry(entry: Entry): PrintedMember | null {
    if (this.isExcluded(entry.path)) {
      this.excluded++;
      return null;
    }
    if (this.options.skipBase && isSkippedAsBase(entry, this.options.print)) {
      this.skippedAsBase++;
      return null;
    }
    const where = printedPath(entry.path, this.options.stripLeadingSlash);
    if (where.strippedAbsolute && !this.noticedAbsolute) {
      this.noticedAbsolute = true;
      this.options.onAbsolute?.();
    }
    entry.path = where.path;
    if (this.options.format === 'json') return { path: entry.path, text: printJsonLine(entry, this.options.print.names), headerEnd: -1 };
    const block = printBlock(entry, this.options.print);
    return { path: entry.path, text: block.text, headerEnd: this.options.print.comments ? block.headerEnd : -1 };
  }
}

/** getfacl -s, as the live snapshot applies it: no extended access ACL (when printed) and no default ACL. */
function isSkippedAsBase(entry: Entry, print: PrintOptions): boolean {
  const extendedAccess = print.access && entry.acl !== undefined && !isBaseAcl(entry.acl);
  const withDefault = print.default && entry.defaultAcl !== undefined;
  return !extendedAccess && !withDefault;
}
