// PAX extended header records decoded byte for byte: binary values (GNU tar's raw xattrs)
// and non-UTF-8 paths survive; malformed records are errors, not silently dropped.

import { describe, expect, it } from 'vitest';
import { decodePaxRecords } from '../../src/archive/pax-records.js';

/** Encodes records the way tar does: "<length> <key>=<value>\n", the length counting itself. */
function encode(records: Array<[string, Buffer]>): Buffer {
  return Buffer.concat(records.map(([key, value]) => {
    const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
    let length = body.length + 1;
    while (String(length).length + body.length !== length) length++;
    return Buffer.concat([Buffer.from(String(length)), body]);
  }));
}

describe('decodePaxRecords', () => {
  it('keeps binary values and non-UTF-8 paths byte for byte (one char per byte)', () => {
    const capability = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    const rawAcl = Buffer.from([2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, 0x0a, 0x3d, 0x20]);
    const records = decodePaxRecords(encode([
      ['path', Buffer.from([0x66, 0xff, 0xfe, 0x0a, 0x62])],
      ['SCHILY.xattr.security.capability', capability],
      ['SCHILY.xattr.system.posix_acl_access', rawAcl],
    ]));
    expect(Buffer.from(records.path!, 'latin1')).toEqual(Buffer.from([0x66, 0xff, 0xfe, 0x0a, 0x62]));
    expect(Buffer.from(records['SCHILY.xattr.security.capability']!, 'latin1')).toEqual(capability);
    expect(Buffer.from(records['SCHILY.xattr.system.posix_acl_access']!, 'latin1')).toEqual(rawAcl);
  });

  it('lets a later record win and stops at the NUL padding of the header\'s last block', () => {
    const bytes = Buffer.concat([encode([['uname', Buffer.from('a')], ['uname', Buffer.from('b')]]), Buffer.alloc(100)]);
    expect({ ...decodePaxRecords(bytes) }).toEqual({ uname: 'b' });
  });

  it('keeps keys such as __proto__ as plain data', () => {
    const records = decodePaxRecords(encode([['__proto__', Buffer.from('x')]]));
    expect(Object.getPrototypeOf(records)).toBe(null);
    expect(records.__proto__).toBe('x');
  });

  it('refuses a record whose length is wrong or that has no "="', () => {
    expect(() => decodePaxRecords(Buffer.from('30 path=a\n'))).toThrow('malformed PAX record at byte 0');
    expect(() => decodePaxRecords(Buffer.from('11 path=ab\n8 pathx\n'))).toThrow('malformed PAX record at byte 11 of an extended header: no "=" after its key');
    expect(() => decodePaxRecords(Buffer.from('x path=a\n'))).toThrow('expected "<length> <key>=<value>\\n"');
  });
});
