// packItems/unpackItems: the WorkItems that cross to restore workers come back exactly as
// they went, after a structured clone or a MessageChannel as between threads: undefined
// (leave alone) kept apart from null (wanted none), ids up to 2^32-2, special mode bits,
// named and default ACLs, capabilities as Buffers, several roots, the root itself, odd names.
// A WorkList made of pieces packed apart gives any of its paths, in any order, packed again
// as they were.

import { MessageChannel } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACL_GROUP, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER, ACL_UNDEFINED_ID, ACL_USER, ACL_USER_OBJ, type Acl } from '../../src/model/acl.js';
import { ItemPacker, packItems, transferablesOf, unpackItems, type PackedPiece } from '../../src/restore/packed-items.js';
import type { WantedState } from '../../src/restore/path-state.js';
import type { WorkItem } from '../../src/restore/work-item.js';
import { listPiece, WorkList, type ListedPiece } from '../../src/restore/work-list.js';
import { seededRandom, shuffled } from '../helpers/random-paths.js';

const NAMED_ACL: Acl = [
  { tag: ACL_USER_OBJ, perm: 7, id: ACL_UNDEFINED_ID },
  { tag: ACL_USER, perm: 5, id: 33 },
  { tag: ACL_USER, perm: 4, id: 4294967294 },
  { tag: ACL_GROUP_OBJ, perm: 5, id: ACL_UNDEFINED_ID },
  { tag: ACL_GROUP, perm: 1, id: 0 },
  { tag: ACL_MASK, perm: 7, id: ACL_UNDEFINED_ID },
  { tag: ACL_OTHER, perm: 0, id: ACL_UNDEFINED_ID },
];
const DEFAULT_ACL: Acl = [
  { tag: ACL_USER_OBJ, perm: 7, id: ACL_UNDEFINED_ID },
  { tag: ACL_GROUP_OBJ, perm: 5, id: ACL_UNDEFINED_ID },
  { tag: ACL_GROUP, perm: 6, id: 4545 },
  { tag: ACL_MASK, perm: 7, id: ACL_UNDEFINED_ID },
  { tag: ACL_OTHER, perm: 5, id: ACL_UNDEFINED_ID },
];
// cap_net_raw=ep as security.capability (VFS_CAP_REVISION_2).
const CAP_NET_RAW = Buffer.from('0000000201200000000000000000000000000000', 'hex');
// A byte buffer that is a view into a bigger ArrayBuffer (as Buffer.from pools them).
const POOLED_CAP = Buffer.from('00000003002000000000000000000000000000000000000007000000', 'hex');

const LEAVE_ALONE: WantedState = { uid: null, gid: null, mode: null, acl: undefined, defaultAcl: undefined, capability: undefined };

function item(root: string, relative: string, wanted: Partial<WantedState>, extra: Partial<WorkItem> = {}): WorkItem {
  return { target: { root, relative }, wantsDefaultAcl: false, probed: false, wanted: { ...LEAVE_ALONE, ...wanted }, ...extra };
}

const ITEMS: WorkItem[] = [
  item('/mnt', '', { uid: 0, gid: 0, mode: 0o755, acl: null, defaultAcl: null, capability: null }),
  item('/mnt', 'left/alone', {}),
  item('/mnt', 'wanted/none', { acl: null, defaultAcl: null, capability: null }, { probed: true }),
  item('/mnt', 'ids/max', { uid: 4294967294, gid: 4294967294, mode: 0o7777 }),
  item('/mnt', 'ids/zero', { uid: 0, gid: 0, mode: 0 }),
  item('/mnt', 'special/setuid', { mode: 0o4755 }),
  item('/mnt', 'special/setgid-dir', { mode: 0o2775 }),
  item('/mnt', 'special/sticky', { mode: 0o1777 }),
  item('/mnt', 'acl/named', { uid: 1000, acl: NAMED_ACL, defaultAcl: undefined }),
  item('/mnt', 'acl/with-default', { acl: NAMED_ACL, defaultAcl: DEFAULT_ACL }, { wantsDefaultAcl: true, probed: true }),
  item('/mnt', 'acl/default-only', { acl: null, defaultAcl: DEFAULT_ACL }, { wantsDefaultAcl: true }),
  item('/mnt', 'acl/file-with-default', { defaultAcl: DEFAULT_ACL }, { wantsDefaultAcl: true }),
  item('/mnt', 'cap/ping', { mode: 0o755, capability: CAP_NET_RAW }),
  item('/mnt', 'cap/pooled', { capability: POOLED_CAP, acl: null }),
  item('/mnt', 'cap/kept', { capability: undefined, acl: NAMED_ACL }),
  item('/mnt', 'acl/ignored', { mode: 0o4770, modeWithoutAcl: 0o4750 }), // --ignore acl
  item('/mnt', 'acl/ignored-zero', { mode: 0o7070, modeWithoutAcl: 0 }),
  item('/mnt', 'acl/ignored-none-recorded', { mode: 0o640, groupBitsNarrowOnly: true }), // --ignore acl
  item('/', 'etc/passwd', { uid: 0, gid: 0, mode: 0o644 }),
  item('/home/cwd', 'relative/path', { gid: 5555 }),
  item('/', '', { mode: 0o755 }),
  item('/mnt', 'odd/new\nline', { mode: 0o600 }),
  item('/mnt', 'odd/\xff\xfe.bin', { mode: 0o640, capability: CAP_NET_RAW }),
  item('/mnt', 'odd/back\\slash and space ', { uid: 65534 }),
  item('/mnt', 'odd/\x01', { gid: 1 }),
  item('/\xe9t\xe9', 'x', { mode: 0o444 }),
  item('/mnt', 'recorded/with-slash', { mode: 0o755 }, { target: { root: '/mnt', relative: 'recorded/with-slash', directory: true } }),
];

/** A deep copy made before packing: packing must not change what it packs. */
function copyOf(items: WorkItem[]): WorkItem[] {
  return items.map((i) => ({
    ...i,
    target: { ...i.target },
    wanted: { ...i.wanted, capability: i.wanted.capability ? Buffer.from(i.wanted.capability) : i.wanted.capability },
  }));
}

function expectSameItems(got: WorkItem[], want: WorkItem[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => {
    const w = want[i] as WorkItem;
    const what = JSON.stringify(w.target);
    expect(g.target, what).toEqual(w.target);
    expect(g.wantsDefaultAcl, what).toBe(w.wantsDefaultAcl);
    expect(g.probed, what).toBe(w.probed);
    for (const field of ['uid', 'gid', 'mode', 'acl', 'defaultAcl'] as const) {
      // toBe for the plain values, so that null and undefined stay apart.
      if (w.wanted[field] === null || w.wanted[field] === undefined || typeof w.wanted[field] === 'number') expect(g.wanted[field], `${what} ${field}`).toBe(w.wanted[field]);
      else expect(g.wanted[field], `${what} ${field}`).toEqual(w.wanted[field]);
    }
    if (w.wanted.capability) {
      expect(Buffer.isBuffer(g.wanted.capability), `${what} capability is a Buffer`).toBe(true);
      expect((g.wanted.capability as Buffer).equals(w.wanted.capability), `${what} capability bytes`).toBe(true);
    } else {
      expect(g.wanted.capability, `${what} capability`).toBe(w.wanted.capability);
    }
    expect(Object.keys(g.wanted).sort(), what).toEqual(Object.keys(w.wanted).sort());
  });
}

/** Through a MessageChannel, as between threads, the `transfer` buffers handed over. */
function throughChannel<T>(sent: T, transfer: ArrayBuffer[] = []): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port2.once('message', (message: T) => {
      port1.close();
      port2.close();
      resolve(message);
    });
    port1.postMessage(sent, transfer);
  });
}

/**
 * Items packed one at a time into a piece, which is handed over through a MessageChannel,
 * as a restore worker answers a piece of its first pass; the sender's buffers must be gone
 * (handed over, not copied).
 */
function handedOverPiece(items: readonly WorkItem[]): Promise<PackedPiece> {
  const packer = new ItemPacker(1);
  for (const i of items) packer.push(i);
  const piece = packer.packedPiece();
  const received = throughChannel(piece, transferablesOf(piece));
  expect(piece.relativeBytes.byteLength).toBe(0);
  expect(piece.numbers.byteLength).toBe(0);
  return received;
}

describe('packItems and unpackItems', () => {
  it('give back every field of every item on the same thread', () => {
    const want = copyOf(ITEMS);
    expectSameItems(unpackItems(packItems(ITEMS)), want);
    expect(unpackItems(packItems(ITEMS))).toEqual(want);
    // Packing changed nothing it was given.
    expectSameItems(ITEMS, want);
  });

  it('give back every field after a structured clone, capabilities as Buffers again', () => {
    const cloned = structuredClone(packItems(ITEMS));
    // The clone is what a worker sees: Buffers have become plain Uint8Arrays.
    expect(cloned.extras.some(([, , , capability]) => capability !== null && !Buffer.isBuffer(capability))).toBe(true);
    const got = unpackItems(cloned);
    expectSameItems(got, copyOf(ITEMS));
    expect(got).toEqual(copyOf(ITEMS));
  });

  it('give back every field after a MessageChannel round trip', async () => {
    const got = unpackItems(await throughChannel(packItems(ITEMS)));
    expectSameItems(got, copyOf(ITEMS));
  });

  it('keep a wanted-none ACL, default ACL and capability (null) apart from left-alone ones (undefined)', () => {
    const [none, alone] = unpackItems(structuredClone(packItems([item('/r', 'none', { acl: null, defaultAcl: null, capability: null }), item('/r', 'alone', {})])));
    expect(none?.wanted.acl).toBeNull();
    expect(none?.wanted.defaultAcl).toBeNull();
    expect(none?.wanted.capability).toBeNull();
    expect(alone?.wanted.acl).toBeUndefined();
    expect(alone?.wanted.defaultAcl).toBeUndefined();
    expect(alone?.wanted.capability).toBeUndefined();
    expect(alone?.wanted.uid).toBeNull();
    expect(alone?.wanted.mode).toBeNull();
  });

  it('keep ids 0 and 4294967294 and modes 0 and 07777 as numbers, not as "leave alone"', () => {
    const [low, high] = unpackItems(structuredClone(packItems([
      item('/r', 'low', { uid: 0, gid: 0, mode: 0 }),
      item('/r', 'high', { uid: 4294967294, gid: 4294967294, mode: 0o7777 }),
    ])));
    expect(low?.wanted).toMatchObject({ uid: 0, gid: 0, mode: 0 });
    expect(high?.wanted).toMatchObject({ uid: 4294967294, gid: 4294967294, mode: 0o7777 });
  });

  it('give back the root itself, alone or first, as the relative path ""', () => {
    expect(unpackItems(structuredClone(packItems([item('/r', '', { mode: 0o700 })])))).toEqual([item('/r', '', { mode: 0o700 })]);
    const got = unpackItems(structuredClone(packItems([item('/r', '', {}), item('/r', 'a', {}), item('/s', '', {})])));
    expect(got.map((i) => i.target)).toEqual([{ root: '/r', relative: '' }, { root: '/r', relative: 'a' }, { root: '/s', relative: '' }]);
  });

  it('give back no item from an empty batch', () => {
    expect(unpackItems(structuredClone(packItems([])))).toEqual([]);
  });

  it('give back a few thousand items over several roots in order', () => {
    const many: WorkItem[] = [];
    for (let i = 0; i < 3000; i++) {
      const root = ['/', '/mnt', '/home/cwd'][i % 3] as string;
      many.push(item(root, `d${i % 17}/f${i}\n\xff`, {
        uid: i % 5 === 0 ? null : i * 1_431_655 % 4294967295,
        mode: i % 7 === 0 ? null : i % 0o10000,
        acl: i % 11 === 0 ? NAMED_ACL : i % 2 === 0 ? null : undefined,
        capability: i % 13 === 0 ? CAP_NET_RAW : undefined,
      }, { probed: i % 3 === 1, wantsDefaultAcl: i % 4 === 1 }));
    }
    expectSameItems(unpackItems(structuredClone(packItems(many))), many);
    // Packed one at a time from a small start, as a worker's first pass does: it grows.
    const packer = new ItemPacker(1);
    many.forEach((w, i) => {
      packer.push(w);
      if (i === 1500) expectSameItems(unpackItems(structuredClone(packer.packed())), many.slice(0, 1501));
    });
    const packed = packer.packed();
    expect(packed.numbers.length).toBe(5 * many.length);
    expectSameItems(unpackItems(structuredClone(packed)), many);
  });
});

describe('WorkList', () => {
  const positions = (list: WorkList): number[] => list.relatives.map((_, i) => i);

  // Pieces packed apart and handed over, as the workers' first pass sends them: each has its
  // own roots and its own extras, indexed within it; one is empty.
  const cuts = [0, 9, 9, 17, ITEMS.length];
  let pieces: ListedPiece[] = [];
  beforeAll(async () => {
    pieces = (await Promise.all(cuts.slice(1).map((end, i) => handedOverPiece(ITEMS.slice(cuts[i], end))))).map(listPiece);
  });

  it('has each path, in the order of the pieces, where its item lands', () => {
    const list = new WorkList(pieces);
    const where = ({ root, relative, directory }: WorkItem['target']): unknown => ({ root, relative, directory });
    const targets = positions(list).map((i) => list.target(i));
    expect(targets.map(where)).toEqual(ITEMS.map((i) => where(i.target)));
    expect(targets.filter((t) => t.directory === true)).toHaveLength(1);
    // As columns: a root's number for each path, and the same number for the same root.
    expect(positions(list).map((i) => list.roots[list.rootIds[i] as number])).toEqual(ITEMS.map((i) => i.target.root));
    expect(new Set(list.roots).size).toBe(list.roots.length);
    expect(list.relatives).toEqual(ITEMS.map((i) => i.target.relative));
  });

  it('packs any of its paths, in any order, as they were: roots, ACLs, capabilities and modes', () => {
    const list = new WorkList(pieces);
    const random = seededRandom(7);
    for (let round = 0; round < 20; round++) {
      const order = shuffled(ITEMS.map((_, i) => i), random).slice(0, 1 + Math.floor(random() * ITEMS.length));
      const got = unpackItems(structuredClone(list.packed(order)));
      expectSameItems(got, copyOf(order.map((i) => ITEMS[i] as WorkItem)));
    }
  });

  it('grown a piece at a time is the list of all the pieces: paths, roots, packing', () => {
    const whole = new WorkList(pieces);
    const grown = new WorkList();
    for (const piece of pieces) {
      const rootIds = grown.add(piece);
      // The piece's own root numbers, as numbers of the list's roots.
      expect(rootIds.map((id) => grown.roots[id])).toEqual(piece.packed.roots);
    }
    expect(grown.relatives).toEqual(whole.relatives);
    expect(grown.roots).toEqual(whole.roots);
    expect(positions(grown).map((i) => grown.rootIds[i])).toEqual(positions(whole).map((i) => whole.rootIds[i]));
    expect(positions(grown).map((i) => grown.target(i))).toEqual(positions(whole).map((i) => whole.target(i)));
    const order = shuffled(positions(whole), seededRandom(3));
    expectSameItems(unpackItems(structuredClone(grown.packed(order))), copyOf(order.map((i) => ITEMS[i] as WorkItem)));
  });

  it('of items (the pass on one thread) packs them as packItems does', () => {
    const list = WorkList.ofItems(ITEMS);
    expectSameItems(unpackItems(list.packed(positions(list))), copyOf(ITEMS));
    expect(new WorkList([]).relatives).toEqual([]);
    expect(WorkList.ofItems([]).packed([])).toEqual(packItems([]));
  });
});
