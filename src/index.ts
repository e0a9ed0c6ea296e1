// permsnap's library API: what the CLI uses, for programs that want the same.

export { snapshot, type SnapshotOptions, type SnapshotResult } from './snapshot/snapshot.js';
export { atomicFileSink, stdoutSink, type ByteSink } from './output/byte-sink.js';
export { printBlock, printAcl, GETFACL_DEFAULTS, type PrintOptions } from './format/getfacl-printer.js';
export { toJsonEntry, type JsonEntry } from './format/json-printer.js';
export { quote, unquote } from './format/quote.js';
export { decodeAclXattr, encodeAclXattr } from './model/acl-xattr.js';
export * from './model/acl.js';
export type { Entry, QualifiedAclEntry, FileType } from './model/entry.js';
export { PermsnapError } from './errors.js';
