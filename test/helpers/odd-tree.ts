// Builds the tree the snapshot tests compare against getfacl: odd names, every special
// bit, ids without names, named and numeric ACL entries, masks that mask, default ACLs,
// FIFOs, sockets, device nodes, hard links, symlinks of every kind, a file capability.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hasCapTools, isRoot } from './tree.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Names that getfacl must quote or copy raw; invalid UTF-8 included. */
export const ODD_NAMES: Buffer[] = [
  b('new\nline'),
  b('carriage\rreturn'),
  b('tab\there'),
  b('back\\slash'),
  b(' leading space'),
  b('trailing space '),
  b('#hash'),
  b('co:lon'),
  b('com,ma'),
  Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]), // not UTF-8
  Buffer.from([0xc3, 0x28]), // a broken UTF-8 sequence
  Buffer.from('ünïcödé', 'utf8'),
  b('x'.repeat(255)),
];

function setfacl(args: string[]): void {
  execFileSync('setfacl', args);
}

export interface OddTreeOptions {
  /** Add device nodes, foreign owners and capabilities (root only). */
  privileged?: boolean;
}

/** Creates DIR/name and its contents; returns the tree's root path. */
export function buildOddTree(parent: string, name = 'tree', options: OddTreeOptions = {}): string {
  const root = path.join(parent, name);
  const privileged = options.privileged ?? isRoot;
  fs.mkdirSync(root);
  const odd = path.join(root, 'odd');
  fs.mkdirSync(odd);
  for (const n of ODD_NAMES) fs.writeFileSync(Buffer.concat([b(odd + '/'), n]), 'x');
  fs.mkdirSync(Buffer.concat([b(odd + '/'), b('dir\nwith newline')]));
  fs.writeFileSync(Buffer.concat([b(odd + '/'), b('dir\nwith newline/inner')]), '');

  const special = path.join(root, 'special');
  fs.mkdirSync(special);
  const modes: Array<[string, number]> = [['setuid', 0o4755], ['setgid', 0o2755], ['sticky-file', 0o1644], ['all-three', 0o7777], ['none', 0o000], ['only-flags', 0o7000]];
  for (const [n, mode] of modes) {
    const p = path.join(special, n);
    fs.writeFileSync(p, '');
    fs.chmodSync(p, mode);
  }
  for (const [n, mode] of [['sticky-dir', 0o1777], ['setgid-dir', 0o2775]] as const) {
    fs.mkdirSync(path.join(special, n));
    fs.chmodSync(path.join(special, n), mode);
  }

  const acls = path.join(root, 'acls');
  fs.mkdirSync(acls);
  const named = path.join(acls, 'named');
  fs.writeFileSync(named, '');
  setfacl(['-m', 'u:bin:rwx,u:4444:r,g:daemon:rw,g:5555:x,m::r', named]);
  const unmasked = path.join(acls, 'unmasked');
  fs.writeFileSync(unmasked, '');
  setfacl(['-m', 'u:daemon:rw,g:adm:r', unmasked]);
  const withDefault = path.join(acls, 'with-default');
  fs.mkdirSync(withDefault);
  setfacl(['-m', 'd:u:bin:rwx,d:g:4545:rx,d:m::rx,u:sys:rx', withDefault]);
  fs.writeFileSync(path.join(withDefault, 'inherited'), '');
  fs.mkdirSync(path.join(withDefault, 'inherited-dir'));
  const minimalDefault = path.join(acls, 'minimal-default');
  fs.mkdirSync(minimalDefault);
  setfacl(['-d', '-m', 'u::rwx,g::r-x,o::---', minimalDefault]);
  const specialAcl = path.join(acls, 'setuid-with-acl');
  fs.writeFileSync(specialAcl, '');
  fs.chmodSync(specialAcl, 0o4750);
  setfacl(['-m', 'u:nobody:rwx', specialAcl]);

  const kinds = path.join(root, 'kinds');
  fs.mkdirSync(kinds);
  execFileSync('mkfifo', [path.join(kinds, 'fifo')]);
  spawnSync('python3', ['-c', 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])', path.join(kinds, 'socket')]);
  fs.writeFileSync(path.join(kinds, 'file'), 'data');
  fs.linkSync(path.join(kinds, 'file'), path.join(kinds, 'hardlink'));
  fs.symlinkSync('file', path.join(kinds, 'link-to-file'));
  fs.symlinkSync('../acls', path.join(kinds, 'link-to-dir'));
  fs.symlinkSync('nowhere', path.join(kinds, 'dangling'));
  fs.symlinkSync('loop-b', path.join(kinds, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(kinds, 'loop-b'));
  fs.symlinkSync('..', path.join(kinds, 'link-to-parent'));

  let deep = path.join(root, 'deep');
  for (let i = 0; i < 40; i++) {
    deep = path.join(deep, `level${i}`);
  }
  fs.mkdirSync(deep, { recursive: true });
  fs.writeFileSync(path.join(deep, 'bottom'), '');

  if (privileged) {
    execFileSync('mknod', [path.join(kinds, 'char-device'), 'c', '1', '3']);
    execFileSync('mknod', [path.join(kinds, 'block-device'), 'b', '7', '200']);
    const owners = path.join(root, 'owners');
    fs.mkdirSync(owners);
    const ids: Array<[string, number, number]> = [['no-names', 4242, 4343], ['max-id', 4294967294, 4294967294], ['daemon', 1, 1], ['mixed', 0, 4343]];
    for (const [n, uid, gid] of ids) {
      fs.writeFileSync(path.join(owners, n), '');
      fs.chownSync(path.join(owners, n), uid, gid);
    }
    if (hasCapTools) {
      const cap = path.join(kinds, 'with-capability');
      fs.writeFileSync(cap, '');
      execFileSync('setcap', ['cap_net_raw,cap_net_admin=ep', cap]);
    }
  }
  return root;
}
