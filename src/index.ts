// permsnap's library API: what the CLI uses, for programs that want the same.

export { snapshot, type SnapshotOptions, type SnapshotResult } from './snapshot/snapshot.js';
export type { SymlinkPolicy } from './walk/walk-tree.js';
export { atomicFileSink, stdoutSink, type ByteSink } from './output/byte-sink.js';
export { printBlock, printAcl, GETFACL_DEFAULTS, type PrintOptions } from './format/getfacl-printer.js';
export { toJsonEntry, type JsonEntry } from './format/json-printer.js';
export { quote, unquote } from './format/quote.js';
export { decodeAclXattr, encodeAclXattr } from './model/acl-xattr.js';
export * from './model/acl.js';
export type { Entry, QualifiedAclEntry, FileType } from './model/entry.js';
export { PermsnapError, type ErrorCode } from './errors.js';
export type { PermissionField } from './model/field.js';
export { diff, type DiffOptions, type DiffResult, type DiffFormat } from './diff/diff.js';
export { restore, type RestoreOptions, type RestoreSummary } from './restore/restore.js';
export type { RestoreEntries } from './restore/look-all.js';
export type { Change } from './restore/reconcile.js';
export { chooseResolver, nssResolver, rootFilesResolver, type IdResolver } from './restore/id-resolver.js';
export { UndoJournal, journalTimestamp } from './restore/undo-journal.js';
export { defaultJournalDir } from './restore/journal-place.js';
export { GetfaclParser, parseGetfacl, type ParsedEntry } from './format/getfacl-parser.js';
export { readSnapshot, readSnapshotAll, readSnapshotBatches, type ReadSnapshotOptions, type SnapshotInfo, type SnapshotText } from './format/read-snapshot.js';
export { readOperand, readOperandBatches, readSnapshotText } from './archive/read-operand.js';
export { toByteString, displayString } from './platform/byte-path.js';
