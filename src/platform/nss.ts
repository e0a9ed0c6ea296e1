// User and group names through glibc's NSS (files, sss, ldap, systemd: whatever
// nsswitch.conf says), with getpwuid_r and friends via koffi, cached per process.
// getfacl asks NSS for every file, which is most of its cost; misses are cached too,
// because unknown ids are common in restored trees and the slowest to look up.

import { describeErrno, koffi, libc } from './libc.js';

type ByIdFn = (id: number, out: Buffer, buf: Buffer, len: number, result: [unknown]) => number;
type ByNameFn = (name: string | Buffer, out: Buffer, buf: Buffer, len: number, result: [unknown]) => number;

// The structs are read as raw bytes: only their first field, the name pointer, and the id.
// glibc LP64 layouts: struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; ... },
// struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; ... }: the id is at offset 16.
const getpwuid_r = libc.func('int getpwuid_r(uint32 uid, _Out_ uint8_t *pwd, _Out_ uint8_t *buf, size_t buflen, _Out_ void **result)') as ByIdFn;
const getgrgid_r = libc.func('int getgrgid_r(uint32 gid, _Out_ uint8_t *grp, _Out_ uint8_t *buf, size_t buflen, _Out_ void **result)') as ByIdFn;
const getpwnam_r = libc.func('int getpwnam_r(const char *name, _Out_ uint8_t *pwd, _Out_ uint8_t *buf, size_t buflen, _Out_ void **result)') as ByNameFn;
const getgrnam_r = libc.func('int getgrnam_r(const char *name, _Out_ uint8_t *grp, _Out_ uint8_t *buf, size_t buflen, _Out_ void **result)') as ByNameFn;

const strlen = libc.func('size_t strlen(void *s)') as (s: unknown) => number | bigint;

const { ERANGE, EAGAIN, ENOENT } = koffi.os.errno as Record<string, number>;
// A service that answers "try again" (NSS_STATUS_TRYAGAIN: busy, reconnecting) is asked
// again at once, up to this many times in all: one such answer must not make a name unknown
// for the whole run (the answer is kept).
const TRIES = 3;
const record = Buffer.alloc(64);
let strings = Buffer.alloc(16384); // groups with many members outgrow sysconf(_SC_GETGR_R_SIZE_MAX)

interface Found { name: string; id: number }

/** Names whose lookup failed, rather than found no such name, and why ("user NAME" -> reason). */
const failures = new Map<string, string>();

function lookup<K>(fn: (key: K, out: Buffer, buf: Buffer, len: number, result: [unknown]) => number, key: K, failureKey?: string): Found | null {
  for (let tries = 1; ; ) {
    const result: [unknown] = [null];
    const rc = fn(key, record, strings, strings.length, result);
    if (rc === ERANGE && strings.length < 1 << 24) {
      strings = Buffer.alloc(strings.length * 4);
      continue;
    }
    if (rc === EAGAIN && tries++ < TRIES) continue;
    // Any other failure reads as "no such name", as getfacl takes it. It is kept, to be said:
    // all but ENOENT, which glibc also returns for a name no service has when the last one
    // asked is not there (nsswitch.conf naming one not installed, or not running).
    if (rc !== 0 && rc !== ENOENT && failureKey !== undefined) failures.set(failureKey, describeErrno(rc));
    if (rc !== 0 || result[0] === null) return null;
    const name = readName();
    return name === null ? null : { name, id: record.readUInt32LE(16) };
  }
}

/**
 * The name's bytes, as a byte string: NSS names need not be UTF-8. Read at the pointer, not
 * in `strings`: a module may answer with a string of its own (a static one, a cached copy),
 * and what `strings` holds then is an earlier answer's leftovers.
 */
function readName(): string | null {
  const name = koffi.decode(record, 'void *') as unknown;
  if (name === null) return null;
  return Buffer.from(koffi.view(name, Number(strlen(name)))).toString('latin1');
}

function cached<K, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as V;
    const value = compute(key);
    cache.set(key, value);
    return value;
  };
}

const asCString = (byteName: string): Buffer => Buffer.from(byteName + '\0', 'latin1');

export const userName = cached((uid: number) => lookup(getpwuid_r, uid)?.name ?? null);
export const groupName = cached((gid: number) => lookup(getgrgid_r, gid)?.name ?? null);
export const uidOfName = cached((name: string) => lookup(getpwnam_r, asCString(name), `user ${name}`)?.id ?? null);
export const gidOfName = cached((name: string) => lookup(getgrnam_r, asCString(name), `group ${name}`)?.id ?? null);

/** Why NSS could not look a name up (a directory service down), when it failed rather than found none. */
export function lookupFailure(kind: 'user' | 'group', name: string): string | null {
  return failures.get(`${kind} ${name}`) ?? null;
}
