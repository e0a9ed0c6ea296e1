import { execFileSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAPABILITY_NAMES,
  decodeCapability,
  encodeCapability,
  formatCapability,
  parseCapabilityText,
  type FileCapability,
} from '../../src/model/capability.js';

const bit = (n: number): bigint => 1n << BigInt(n);
const bits = (...ns: number[]): bigint => ns.reduce((acc, n) => acc | bit(n), 0n);
const KNOWN = (1n << 41n) - 1n;
const CAP_NET_RAW = 13;

function cap(permitted: bigint, inheritable = 0n, effective = false, rootid?: number): FileCapability {
  const c: FileCapability = { permitted, inheritable, effective };
  if (rootid !== undefined) c.rootid = rootid;
  return c;
}

describe('capability xattr codec', () => {
  it('decodes the revision 2 value setcap writes for cap_net_raw=ep', () => {
    const raw = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    expect(decodeCapability(raw)).toEqual(cap(bit(CAP_NET_RAW), 0n, true));
  });

  it('decodes a revision 3 value with its rootid and a revision 1 value with one word', () => {
    const v3 = Buffer.from('0100000300200000000000000000000000000000e8030000', 'hex');
    expect(decodeCapability(v3)).toEqual(cap(bit(CAP_NET_RAW), 0n, true, 1000));
    const v1 = Buffer.from('000000010010000000200000', 'hex');
    expect(decodeCapability(v1)).toEqual(cap(bit(12), bit(CAP_NET_RAW), false));
  });

  it('refuses values of the wrong length or an unknown revision', () => {
    expect(() => decodeCapability(Buffer.alloc(2))).toThrow(/too short/);
    expect(() => decodeCapability(Buffer.from('01000002000000000000000000000000', 'hex'))).toThrow(/revision 2 must be 20 bytes, got 16/);
    expect(() => decodeCapability(Buffer.from('0100000400000000000000000000000000000000', 'hex'))).toThrow(/revision 0x04000000 is unsupported/);
    expect(() => decodeCapability(Buffer.alloc(20))).toThrow(/revision 0x00000000/);
  });

  it('encodes revision 2 without a rootid and revision 3 with one, byte for byte inverse to decoding', () => {
    const samples = [
      '0100000200200000000000000000000000000000',
      '00000002ffffffff00000000ff01000000000000',
      '0100000200000000ffffffff00000000ff010000',
      '0100000300200000000000000000000000000000e8030000',
      '0000000300000000000000000000000000000000fdffffff',
    ];
    for (const hex of samples) expect(encodeCapability(decodeCapability(Buffer.from(hex, 'hex'))).toString('hex')).toBe(hex);
    expect(encodeCapability(cap(bit(63), bit(0), true)).length).toBe(20);
    expect(encodeCapability(cap(0n, 0n, false, 0)).length).toBe(24);
  });

  it('refuses to encode sets wider than 64 bits or a rootid that is not a uid', () => {
    expect(() => encodeCapability(cap(bit(64)))).toThrow(/64 bits/);
    expect(() => encodeCapability(cap(-1n))).toThrow(/permitted/);
    expect(() => encodeCapability(cap(0n, 0n, false, -1))).toThrow(/rootid/);
  });
});

describe('getcap text', () => {
  const formatted: Array<[string, FileCapability, string]> = [
    ['one cap', cap(bit(CAP_NET_RAW), 0n, true), 'cap_net_raw=ep'],
    ['two caps in number order', cap(bits(12, 10), 0n, true), 'cap_net_bind_service,cap_net_admin=ep'],
    ['all known caps', cap(KNOWN, 0n, true), '=ep'],
    ['all 64 bits', cap(bit(64) - 1n, bit(64) - 1n, true), '=eip 41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63+eip'],
    ['permitted only', cap(bit(12)), 'cap_net_admin=p'],
    ['inheritable and effective', cap(0n, bit(CAP_NET_RAW), true), 'cap_net_raw=ei'],
    ['an effective flag with nothing to raise', cap(0n, 0n, true), '='],
    ['mixed states in e/i/p group order', cap(bits(0, 7), bits(5, 7)), 'cap_setuid=ip cap_kill+i cap_chown+p'],
    ['most caps raised', cap(KNOWN & ~bit(CAP_NET_RAW), 0n, true), '=ep cap_net_raw-ep'],
    ['most caps inheritable', cap(bit(0), KNOWN), '=i cap_chown+p'],
    ['the newest caps', cap(bits(38, 39, 40), bits(38, 39, 40), true), 'cap_perfmon,cap_bpf,cap_checkpoint_restore=eip'],
    ['only unknown bits', cap(bit(41)), '= 41+p'],
    ['named and unknown bits', cap(bit(45), bits(32, 33, 34, 35, 36, 37, 38, 39), true), 'cap_mac_override,cap_mac_admin,cap_syslog,cap_wake_alarm,cap_block_suspend,cap_audit_read,cap_perfmon,cap_bpf=ei 45+ep'],
    ['a rootid', cap(bit(CAP_NET_RAW), 0n, true, 1000), 'cap_net_raw=ep [rootid=1000]'],
    ['a rootid above 2^31, printed signed', cap(bit(CAP_NET_RAW), 0n, true, 0xfffffffd), 'cap_net_raw=ep [rootid=-3]'],
    ['rootid 0, which getcap hides', cap(bit(CAP_NET_RAW), 0n, true, 0), 'cap_net_raw=ep'],
  ];

  it.each(formatted)('formats %s as getcap -n does', (_what, c, text) => {
    expect(formatCapability(c)).toBe(text);
  });

  it('prints the same caps differently depending on how many caps the kernel knows', () => {
    const first38 = cap((1n << 38n) - 1n, 0n, true);
    expect(formatCapability(first38, 38)).toBe('=ep');
    expect(formatCapability(first38)).toBe('=ep cap_perfmon,cap_bpf,cap_checkpoint_restore-ep');
    expect(formatCapability(cap(bit(40), 0n, true), 40)).toBe('= cap_checkpoint_restore+ep');
    expect(formatCapability(cap(bit(41), 0n, true), 42)).toBe('41=ep');
    expect(() => formatCapability(cap(0n), 65)).toThrow(/known capability count/);
  });

  it.each(formatted)('parses back what it formats for %s', (_what, c, text) => {
    const parsed = parseCapabilityText(text);
    expect(formatCapability(parsed)).toBe(text);
    // The effective flag with empty sets prints "=", which cannot carry the flag back.
    if (c.permitted !== 0n || c.inheritable !== 0n) expect(parsed.effective).toBe(c.effective);
  });

  it('parses the forms people give setcap', () => {
    expect(parseCapabilityText('cap_net_raw+ep')).toEqual(cap(bit(CAP_NET_RAW), 0n, true));
    expect(parseCapabilityText('CAP_NET_ADMIN,cap_net_raw=eip')).toEqual(cap(bits(12, 13), bits(12, 13), true));
    expect(parseCapabilityText('=ep')).toEqual(cap(KNOWN, 0n, true));
    expect(parseCapabilityText('all=ep')).toEqual(cap(KNOWN, 0n, true));
    expect(parseCapabilityText('all=ep', 38)).toEqual(cap((1n << 38n) - 1n, 0n, true));
    expect(parseCapabilityText('all=p cap_chown-p cap_kill+i')).toEqual(cap(KNOWN & ~bit(0), bit(5)));
    expect(parseCapabilityText('cap_setuid=p+i-p')).toEqual(cap(0n, bit(7)));
    expect(parseCapabilityText('cap_kill=ep cap_kill=+i')).toEqual(cap(0n, bit(5)));
    expect(parseCapabilityText('13,0x0c,010+p')).toEqual(cap(bits(8, 12, 13)));
    expect(parseCapabilityText('0X29,00+i')).toEqual(cap(0n, bits(0, 41)));
    expect(() => parseCapabilityText('08+i')).toThrow(/expected "=", "\+" or "-" at offset 1/);
    expect(parseCapabilityText('  cap_chown=p  [rootid=-3] ')).toEqual(cap(bit(0), 0n, false, 0xfffffffd));
    expect(parseCapabilityText('')).toEqual(cap(0n));
  });

  it('takes "all" in a list as libcap does: it replaces the capabilities listed before it', () => {
    expect(parseCapabilityText('63,all=p')).toEqual(cap(KNOWN));
    expect(parseCapabilityText('all,63=p')).toEqual(cap(KNOWN | bit(63)));
    expect(parseCapabilityText('0x29,ALL=e CAP_SYS_ADMIN,all,cap_chown=i')).toEqual(cap(0n, KNOWN));
  });

  it('reads [rootid=0] as no namespace, as the kernel stores and reads it (revision 2)', () => {
    expect(parseCapabilityText('cap_net_raw=ep [rootid=0]')).toEqual(cap(bit(CAP_NET_RAW), 0n, true));
    expect(encodeCapability(parseCapabilityText('cap_net_raw=ep [rootid=0]'))).toEqual(encodeCapability(parseCapabilityText('cap_net_raw=ep')));
  });

  it('names what it expected when the text is malformed', () => {
    expect(() => parseCapabilityText('cap_nope+ep')).toThrow(/expected a capability name such as cap_net_raw/);
    expect(() => parseCapabilityText('cap_net_raw')).toThrow(/expected "=", "\+" or "-" at offset 11/);
    expect(() => parseCapabilityText('cap_net_raw+x')).toThrow(/expected a flag letter "e", "i" or "p"/);
    expect(() => parseCapabilityText('cap_net_raw+')).toThrow(/expected a flag letter after "\+"/);
    expect(() => parseCapabilityText('+ep')).toThrow(/expected a capability list before "\+"/);
    expect(() => parseCapabilityText('=+ep')).toThrow(/capability list before "=\+"/);
    expect(() => parseCapabilityText('64+p')).toThrow(/capability number below 64/);
    expect(() => parseCapabilityText('cap_chown,+p')).toThrow(/capability name after ","/);
    expect(() => parseCapabilityText('cap_chown=p [rootid=x]')).toThrow(/rootid=N/);
    expect(() => parseCapabilityText('cap_chown=p [rootid=4294967296]')).toThrow(/rootid 4294967296 is not a uid, expected 0 to 4294967294/);
    // (uid_t)-1 is no uid: the kernel would refuse it only once the restore had begun.
    expect(() => parseCapabilityText('cap_chown=p [rootid=-1]')).toThrow(/rootid -1 is not a uid/);
    expect(() => parseCapabilityText('cap_chown=p [rootid=4294967295]')).toThrow(/rootid 4294967295 is not a uid/);
    expect(() => parseCapabilityText('cap_chown=ep cap_kill+p')).toThrow(/effective set must be empty or include every/);
  });

  it('round-trips pseudo-random capability sets through text', () => {
    let seed = 0x2545f491n;
    const next = (): bigint => {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      return seed;
    };
    for (let k = 0; k < 300; k++) {
      const density = next() & next();
      const c = cap(next() & density, next() & density & (k % 3 === 0 ? KNOWN : bit(64) - 1n), k % 2 === 0);
      if (c.permitted === 0n && c.inheritable === 0n) continue;
      expect(parseCapabilityText(formatCapability(c))).toEqual(c);
    }
  });

  it('has a name for every capability up to CAP_CHECKPOINT_RESTORE', () => {
    expect(CAPABILITY_NAMES).toHaveLength(41);
    expect(CAPABILITY_NAMES[40]).toBe('cap_checkpoint_restore');
    expect(new Set(CAPABILITY_NAMES).size).toBe(41);
  });
});

// ---- Oracle: the real setcap/getcap (libcap) and the kernel's xattr ----

function findTool(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const GETCAP = findTool('getcap');
const SETCAP = findTool('setcap');
const PYTHON = findTool('python3');
const noOracle = process.getuid?.() !== 0 || GETCAP === undefined || SETCAP === undefined || PYTHON === undefined;

const READ_XATTR = 'import os,sys;sys.stdout.buffer.write(os.getxattr(sys.argv[1],"security.capability"))';
const WRITE_XATTR = 'import os,sys;os.setxattr(sys.argv[1],"security.capability",bytes.fromhex(sys.argv[2]))';

/** The text after "FILE " in `getcap -n FILE` (-n so a rootid is shown). */
function getcapText(file: string): string {
  const out = execFileSync(GETCAP!, ['-n', file], { encoding: 'utf8' }).replace(/\n$/, '');
  expect(out.startsWith(`${file} `)).toBe(true);
  return out.slice(file.length + 1);
}

const readXattr = (file: string): Buffer => execFileSync(PYTHON!, ['-c', READ_XATTR, file]);
const writeXattr = (file: string, value: Buffer): void => {
  execFileSync(PYTHON!, ['-c', WRITE_XATTR, file, value.toString('hex')]);
};

describe('capability text against setcap and getcap', () => {
  let dir = '';
  let template = '';
  let count = 0;
  const freshFile = (): string => {
    const file = join(dir, `file-${count++}`);
    copyFileSync(template, file);
    return file;
  };

  beforeAll(() => {
    if (noOracle) return;
    dir = mkdtempSync(join(tmpdir(), 'permsnap-cap-'));
    template = join(dir, 'template');
    writeFileSync(template, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const setcapArgs: string[][] = [
    ['cap_net_raw=ep'],
    ['cap_net_bind_service,cap_net_admin=ep'],
    ['=ep'],
    ['all=eip'],
    ['cap_net_admin+p'],
    ['cap_net_raw+i'],
    ['cap_net_raw+ei'],
    ['cap_sys_admin,cap_dac_override=eip'],
    ['cap_chown+p cap_kill+i cap_setuid+pi'],
    ['all=ep cap_net_raw-ep'],
    ['all=i cap_chown+p'],
    ['all=p cap_sys_module,cap_sys_rawio-p cap_setfcap+i'],
    ['cap_checkpoint_restore=ep'],
    ['38,39,40=eip'],
    ['cap_net_raw+e'],
    ['-n', '1000', 'cap_net_raw=ep'],
    ['-n', '4294967293', 'cap_net_admin,cap_net_raw+p'],
  ];

  const setcapCases = setcapArgs.map((args) => ({ args, shown: args.join(' ') }));

  it.skipIf(noOracle).each(setcapCases)(
    'formats the raw xattr of setcap $shown exactly as getcap does, and restoring its parsed text reproduces it (skipped unless root with getcap, setcap and python3)',
    ({ args }) => {
      const file = freshFile();
      execFileSync(SETCAP!, [...args, file]);
      const expected = getcapText(file);
      expect(formatCapability(decodeCapability(readXattr(file)))).toBe(expected);

      const restored = freshFile();
      writeXattr(restored, encodeCapability(parseCapabilityText(expected)));
      expect(getcapText(restored)).toBe(expected);
    },
  );

  // Texts whose parse must give the bytes setcap writes for them (libcap's cap_from_text).
  const setcapTexts = ['63,all=p', 'all,63=p', '0x29,ALL=e CAP_SYS_ADMIN,all,cap_chown=i', 'cap_kill,all,cap_chown=eip'];

  it.skipIf(noOracle).each(setcapTexts)(
    'parses %s into the very bytes setcap writes for it (skipped unless root with getcap, setcap and python3)',
    (text) => {
      const file = freshFile();
      execFileSync(SETCAP!, [text, file]);
      expect(encodeCapability(parseCapabilityText(text)).toString('hex')).toBe(readXattr(file).toString('hex'));
    },
  );

  const rawValues: string[] = [
    '01000002000000000000000000200000ff000000',
    '00000002002000000000000000000000ff020000',
    '010000020000000000000000ffffffffffffffff',
    '010000020000000000000000ffffff01ffffffff',
    '00000002ffffffff00000000ffffffff00000000',
    '0100000200000000000000000000000000000000',
  ];

  it.skipIf(noOracle).each(rawValues)(
    'formats the hand-written xattr %s, including bits the kernel does not know, exactly as getcap does (skipped unless root with getcap, setcap and python3)',
    (hex) => {
      const file = freshFile();
      writeXattr(file, Buffer.from(hex, 'hex'));
      const raw = readXattr(file);
      expect(raw.toString('hex')).toBe(hex);
      expect(formatCapability(decodeCapability(raw))).toBe(getcapText(file));
    },
  );

  it.skipIf(noOracle)('sees the kernel report a revision 3 value with rootid 0 as revision 2, which prints the same (skipped unless root with getcap, setcap and python3)', () => {
    const file = freshFile();
    writeXattr(file, encodeCapability(cap(bit(CAP_NET_RAW), 0n, true, 0)));
    const raw = readXattr(file);
    expect(raw.length).toBe(20);
    expect(formatCapability(decodeCapability(raw))).toBe(getcapText(file));
    expect(getcapText(file)).toBe('cap_net_raw=ep');
  });
});
