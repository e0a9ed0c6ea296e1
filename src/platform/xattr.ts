// Extended attribute reads through koffi (Node has none): getxattr/lgetxattr and
// listxattr/llistxattr. The l* forms never follow a final symlink; the others are for
// getfacl's rule that a symlink named on the command line is followed. And lsetxattr, for
// a file permsnap itself writes.

import { cPath } from './byte-path.js';
import { NO_XATTRS } from './dir-fd.js';
import { errno, lastErrno, libc, systemError } from './libc.js';

type GetFn = (path: string | Buffer, name: string, value: Buffer | null, size: number) => number | bigint;
type ListFn = (path: string | Buffer, list: Buffer | null, size: number) => number | bigint;

const getxattr = libc.func('intptr_t getxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)') as GetFn;
const lgetxattr = libc.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)') as GetFn;
const listxattr = libc.func('intptr_t listxattr(const char *path, _Out_ uint8_t *list, size_t size)') as ListFn;
const llistxattr = libc.func('intptr_t llistxattr(const char *path, _Out_ uint8_t *list, size_t size)') as ListFn;
const lsetxattr = libc.func('int lsetxattr(const char *path, const char *name, const uint8_t *value, size_t size, int flags)') as (
  path: string | Buffer, name: string, value: Buffer, size: number, flags: number,
) => number;

// One scratch buffer per thread: ACLs are 4 + 8n bytes, so 4 KiB covers 500 entries and
// ERANGE makes it grow for the rare larger value.
let scratch = Buffer.allocUnsafe(4096);

/** The attribute's value, or null when the file has none (ENODATA). */
export function getXattr(bytePath: string, name: string, follow: boolean): Buffer | null {
  const fn = follow ? getxattr : lgetxattr;
  const p = cPath(bytePath);
  for (;;) {
    const n = Number(fn(p, name, scratch, scratch.length));
    if (n >= 0) return Buffer.from(scratch.subarray(0, n));
    const e = lastErrno();
    if (e === errno.ENODATA) return null;
    if (e !== errno.ERANGE) throw systemError(follow ? 'getxattr' : 'lgetxattr', e, bytePath);
    const need = Number(fn(p, name, null, 0));
    if (need < 0) throw systemError(follow ? 'getxattr' : 'lgetxattr', lastErrno(), bytePath);
    scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
  }
}

/** Attribute names of a file; NO_XATTRS for none, and for filesystems without xattr support. */
export function listXattrs(bytePath: string, follow: boolean): readonly string[] {
  const fn = follow ? listxattr : llistxattr;
  const p = cPath(bytePath);
  for (;;) {
    const n = Number(fn(p, scratch, scratch.length));
    if (n === 0) return NO_XATTRS;
    if (n > 0) return scratch.toString('latin1', 0, n - 1).split('\0');
    const e = lastErrno();
    if (e === errno.ENOTSUP) return NO_XATTRS;
    if (e !== errno.ERANGE) throw systemError(follow ? 'listxattr' : 'llistxattr', e, bytePath);
    const need = Number(fn(p, null, 0));
    if (need < 0) throw systemError(follow ? 'listxattr' : 'llistxattr', lastErrno(), bytePath);
    scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
  }
}

/** Sets the attribute of a file (not through a final symlink). */
export function setXattr(bytePath: string, name: string, value: Buffer): void {
  if (lsetxattr(cPath(bytePath), name, value, value.length, 0) !== 0) throw systemError('lsetxattr', lastErrno(), bytePath);
}
