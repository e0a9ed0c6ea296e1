// The ar reader on archives built here byte by byte (the layout of ar(5) as dpkg-deb writes
// it): members streamed in order, odd sizes padded, a member left unread skipped, and a cut
// or damaged archive refused with what is wrong.

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readArMembers } from '../../src/archive/ar-members.js';

function header(name: string, size: number): string {
  return `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(size).padEnd(10)}\`\n`;
}

function ar(members: Array<[string, string]>): Buffer {
  const parts = ['!<arch>\n'];
  for (const [name, data] of members) parts.push(header(name, data.length), data, data.length % 2 === 1 ? '\n' : '');
  return Buffer.from(parts.join(''), 'latin1');
}

/** The archive fed in chunks of `size` bytes, as a file or a pipe delivers it. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks);
}

async function readAll(bytes: Buffer, size: number, skip: string[] = []): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for await (const member of readArMembers(chunked(bytes, size))) {
    if (skip.includes(member.name)) {
      out.push([member.name, '(skipped)']);
      continue;
    }
    let text = '';
    for await (const chunk of member.body) text += (chunk as Buffer).toString('latin1');
    out.push([member.name, text]);
  }
  return out;
}

describe('readArMembers', () => {
  const members: Array<[string, string]> = [['debian-binary', '2.0\n'], ['control.tar.gz', 'odd'], ['data.tar.xz/', 'x'.repeat(70_001)]];

  it('yields each member with its bytes, whatever the chunk size, padding of odd sizes handled', async () => {
    for (const size of [1, 7, 61, 4096, 1 << 20]) {
      expect(await readAll(ar(members), size)).toEqual([members[0], members[1], ['data.tar.xz', members[2]![1]]]);
    }
  });

  it('skips the bytes of a member whose body is not read', async () => {
    expect(await readAll(ar(members), 13, ['control.tar.gz'])).toEqual([members[0], ['control.tar.gz', '(skipped)'], ['data.tar.xz', members[2]![1]]]);
  });

  it('refuses a member cut short, saying how much of it there is', async () => {
    const cut = ar(members).subarray(0, 8 + 60 + 4 + 60 + 2);
    await expect(readAll(cut, 5)).rejects.toThrow('truncated ar archive: member "control.tar.gz" ends after 2 of its 3 bytes');
    await expect(readAll(cut, 5, ['control.tar.gz'])).rejects.toThrow('truncated ar archive: member "control.tar.gz" ends after 2 of its 3 bytes');
  });

  it('refuses a damaged header, a cut header and what is no ar archive', async () => {
    const damaged = ar(members);
    damaged[8 + 58] = 0x41;
    await expect(readAll(damaged, 64)).rejects.toThrow('corrupt ar member header at byte 8 (after the start)');
    await expect(readAll(ar(members).subarray(0, 8 + 30), 64)).rejects.toThrow('the data ends inside the header of member 1');
    await expect(readAll(Buffer.from('#!/bin/sh\n'), 64)).rejects.toThrow('not an ar archive');
    await expect(readAll(Buffer.from('!<arch>\n'), 64)).rejects.toThrow('empty ar archive');
  });
});
