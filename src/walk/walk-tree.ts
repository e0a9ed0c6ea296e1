// Walks a tree the way getfacl -R does (acl 2.3.1, libmisc/walk_tree.c): pre-order, the
// kernel's readdir order (or byte order with `sorted`), getfacl's symlink rules, loops
// broken against the chain of open ancestors. It reports what it finds to a visitor and
// knows nothing of ACLs or output. Synchronous on purpose: it is the hot path
// (design.md: sync calls beat async ones here by a wide margin).

import fs from 'node:fs';
import { fsPath } from '../platform/byte-path.js';

/** toplevel: follow symlinks named as arguments (getfacl's default); logical: follow all (-L); physical: none (-P). */
export type SymlinkPolicy = 'toplevel' | 'logical' | 'physical';

export interface WalkOptions {
  symlinks: SymlinkPolicy;
  /** Skip entries on another device than the argument (--one-file-system). */
  oneFileSystem: boolean;
  /** Siblings in byte order instead of readdir order. */
  sorted: boolean;
  /** Record directories on these devices but do not enter them (pseudo filesystems). */
  doNotEnter: ReadonlySet<number>;
  /** Paths (as walked) to leave out, with everything beneath them. */
  isExcluded?: (path: string) => boolean;
}

export interface DirectoryTask {
  /** The directory whose contents are to be walked, already visited. */
  path: string;
  depth: number;
  /** dev/ino pairs of the directory and its ancestors, for loop detection. */
  ancestors: Array<[number, number]>;
  rootDev: number;
}

export interface WalkVisitor {
  visit(path: string, st: fs.Stats, followed: boolean): void;
  error(path: string, err: NodeJS.ErrnoException): void;
  /** Return true to leave a directory's contents to another walk (parallelism). */
  deferDirectory?(task: DirectoryTask): boolean;
}

// getfacl builds paths in a FILENAME_MAX (4096) buffer and refuses longer ones, naming the parent.
const FILENAME_MAX = 4096;

/** Walks one command-line argument. */
export function walkArgument(path: string, options: WalkOptions, visitor: WalkVisitor): void {
  walkNode(path, 0, [], -1, options, visitor);
}

/** Walks the contents of a directory found by an earlier walk (see deferDirectory). */
export function walkDirectoryTask(task: DirectoryTask, options: WalkOptions, visitor: WalkVisitor): void {
  walkContents(task, options, visitor);
}

function walkNode(
  path: string,
  depth: number,
  ancestors: Array<[number, number]>,
  rootDev: number,
  options: WalkOptions,
  visitor: WalkVisitor,
): void {
  if (options.isExcluded?.(path)) return;
  let st: fs.Stats;
  let followed = false;
  try {
    st = fs.lstatSync(fsPath(path));
    if (st.isSymbolicLink()) {
      const follow = options.symlinks === 'logical' || (depth === 0 && options.symlinks === 'toplevel');
      if (!follow) return; // getfacl skips symlinks it does not follow, silently
      st = fs.statSync(fsPath(path));
      followed = true;
    }
  } catch (err) {
    visitor.error(path, err as NodeJS.ErrnoException);
    return;
  }
  const dev = depth === 0 ? st.dev : rootDev;
  if (options.oneFileSystem && st.dev !== dev) return;
  visitor.visit(path, st, followed);

  // A symlink named as an argument is printed but entered only in a logical walk.
  if (!st.isDirectory() || (followed && options.symlinks !== 'logical')) return;
  if (ancestors.some(([d, i]) => d === st.dev && i === st.ino)) return;
  if (options.doNotEnter.has(st.dev)) return;
  const task: DirectoryTask = { path, depth, ancestors: [...ancestors, [st.dev, st.ino]], rootDev: dev };
  if (depth > 0 && visitor.deferDirectory?.(task)) return;
  walkContents(task, options, visitor);
}

function walkContents(task: DirectoryTask, options: WalkOptions, visitor: WalkVisitor): void {
  let names: string[];
  try {
    names = readNames(task.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTDIR' && code !== 'ENOENT') visitor.error(task.path, err as NodeJS.ErrnoException);
    return;
  }
  if (options.sorted) names.sort();
  for (const name of names) {
    if (task.path.length + name.length + 1 >= FILENAME_MAX) {
      visitor.error(task.path, nameTooLong(task.path));
      continue;
    }
    walkNode(`${task.path}/${name}`, task.depth + 1, task.ancestors, task.rootDev, options, visitor);
  }
}

/** Names in the kernel's readdir order (fs.readdir sorts; opendir does not), as byte strings. */
function readNames(path: string): string[] {
  // Node's typings omit 'buffer' here, but opendir honours it and yields names as Buffers.
  const dir = fs.opendirSync(fsPath(path), { encoding: 'buffer' as BufferEncoding, bufferSize: 128 });
  const names: string[] = [];
  try {
    for (let d = dir.readSync(); d !== null; d = dir.readSync()) {
      names.push((d.name as unknown as Buffer).toString('latin1'));
    }
  } finally {
    dir.closeSync();
  }
  return names;
}

function nameTooLong(path: string): NodeJS.ErrnoException {
  const err = new Error(`ENAMETOOLONG: name too long, '${path}'`) as NodeJS.ErrnoException;
  err.code = 'ENAMETOOLONG';
  err.errno = -36;
  return err;
}
