// Rooms for a chunk's journal text: shared memory, lent again only once given back, so that
// no chunk's text is printed over another's while the main thread may still be writing it.

import { describe, expect, it } from 'vitest';
import { JournalRooms } from '../../src/restore/journal-rooms.js';

describe('JournalRooms', () => {
  it('lends shared memory of the size asked', () => {
    const room = new JournalRooms().lend(0, 1000);
    expect(room.length).toBe(1000);
    expect(room.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('never lends one room to two chunks at once', () => {
    const rooms = new JournalRooms();
    const a = rooms.lend(0, 1000);
    const b = rooms.lend(1, 10);
    expect(b.buffer).not.toBe(a.buffer);
    rooms.giveBack(1);
    // Chunk 0's room is still lent: chunk 2 gets chunk 1's.
    expect(rooms.lend(2, 10).buffer).toBe(b.buffer);
  });

  it('lends a room given back again, when it is big enough', () => {
    const rooms = new JournalRooms();
    const a = rooms.lend(0, 1000);
    rooms.giveBack(0);
    expect(rooms.lend(1, 1200).buffer).toBe(a.buffer); // a quarter bigger than first asked
    rooms.giveBack(1);
    expect(rooms.lend(2, 5000).buffer).not.toBe(a.buffer);
    expect(rooms.lend(3, 800).buffer).toBe(a.buffer);
  });

  it('giving back a chunk that holds no room changes nothing', () => {
    const rooms = new JournalRooms();
    const a = rooms.lend(0, 100);
    rooms.giveBack(7);
    expect(rooms.lend(1, 100).buffer).not.toBe(a.buffer);
  });

  it('lends the smallest room that fits', () => {
    const rooms = new JournalRooms();
    const big = rooms.lend(0, 5000);
    const small = rooms.lend(1, 100);
    rooms.giveBack(0);
    rooms.giveBack(1);
    expect(rooms.lend(2, 50).buffer).toBe(small.buffer);
    expect(rooms.lend(3, 50).buffer).toBe(big.buffer);
  });

  it('keeps at most eight rooms, the biggest', () => {
    const rooms = new JournalRooms();
    const lent = Array.from({ length: 10 }, (_, i) => rooms.lend(i, 100 * (i + 1)));
    for (let i = 0; i < 10; i++) rooms.giveBack(i);
    // The two smallest went: a small chunk now gets the smallest room kept.
    expect(rooms.lend(10, 1).buffer).toBe(lent[2]?.buffer);
  });
});
