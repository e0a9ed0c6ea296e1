// `--sort` for a stream of printed blocks that arrive in archive order: an external merge
// sort. Blocks are held up to a memory budget, then sorted and spilled to a private temp
// file (a "run"); the output merges the runs. Memory stays bounded however big the archive,
// and blocks with equal keys keep their archive order (the last one wins when read back).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SortableBlock {
  key: string;
  /** The printed block, a byte string. */
  text: string;
  headerEnd: number;
}

/**
 * Bytes held before a spill: the blocks' text, their keys and index objects. Measured on a
 * 1.6 GB archive of /usr (53k members): 4 MiB keeps the peak RSS of --sort within 15 MB of
 * an unsorted run; 16 MiB added 40 MB (the index objects and the heap they make V8 keep).
 */
const DEFAULT_BUDGET = 4 * 1024 * 1024;
/** What one held block costs besides its text and key, for the budget. */
const PER_BLOCK = 64;
/** Runs merged at once; more are first merged into one (each open run holds a read buffer). */
const MAX_RUNS = 32;
const READ_BUFFER = 64 * 1024;
const RECORD_HEAD = 12;

/** A held block: its text lives in the sorter's arena, not in a string of its own. */
interface Held {
  key: string;
  at: number;
  length: number;
  headerEnd: number;
}

const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export class BlockSorter {
  private held: Held[] = [];
  // Printed blocks are built by concatenation: kept as strings, each would keep its rope of
  // small string objects alive (several times its size). One buffer holds the bytes instead.
  private arena = Buffer.allocUnsafe(1024 * 1024);
  private used = 0;
  private heldBytes = 0;
  private runs: string[] = [];
  private dir: string | null = null;
  private made = 0;

  constructor(private readonly budget = DEFAULT_BUDGET) {}

  add(block: SortableBlock): void {
    if (this.used + block.text.length > this.arena.length) this.grow(this.used + block.text.length);
    const length = this.arena.write(block.text, this.used, 'latin1');
    this.held.push({ key: block.key, at: this.used, length, headerEnd: block.headerEnd });
    this.used += length;
    this.heldBytes += length + block.key.length + PER_BLOCK;
    if (this.heldBytes >= this.budget) this.spill();
  }

  /** Every block added, in key order. */
  sorted(): Generator<SortableBlock> {
    return mergeSources([...this.runs.map((file) => readRun(file)), this.heldInOrder()]);
  }

  /** Removes the temp files. */
  dispose(): void {
    if (this.dir !== null) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.runs = [];
    this.held = [];
  }

  private *heldInOrder(): Generator<SortableBlock> {
    for (const h of this.held.sort(byKey)) {
      yield { key: h.key, text: this.arena.toString('latin1', h.at, h.at + h.length), headerEnd: h.headerEnd };
    }
  }

  private grow(need: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(need, this.arena.length * 2));
    this.arena.copy(bigger, 0, 0, this.used);
    this.arena = bigger;
  }

  private spill(): void {
    const writer = this.newRun();
    for (const h of this.held.sort(byKey)) writer.put(h.key, this.arena.subarray(h.at, h.at + h.length), h.headerEnd);
    this.runs.push(writer.close());
    this.held = [];
    this.used = 0;
    this.heldBytes = 0;
    if (this.runs.length >= MAX_RUNS) {
      const merged = this.newRun();
      for (const block of mergeSources(this.runs.map((file) => readRun(file)))) {
        merged.put(block.key, Buffer.from(block.text, 'latin1'), block.headerEnd);
      }
      for (const file of this.runs) fs.rmSync(file);
      this.runs = [merged.close()];
    }
  }

  private newRun(): RunWriter {
    this.dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'permsnap-sort-'));
    return new RunWriter(path.join(this.dir, `run-${this.made++}`));
  }
}

/**
 * Merges sorted sources. They are few (at most MAX_RUNS + 1): a scan beats a heap here.
 * Ties go to the earlier source, which holds the earlier blocks.
 */
function* mergeSources(sources: Array<Iterator<SortableBlock>>): Generator<SortableBlock> {
  try {
    const heads = sources.map((s) => s.next());
    for (;;) {
      let min = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i]!;
        if (!head.done && (min < 0 || byKey(head.value, (heads[min] as IteratorYieldResult<SortableBlock>).value) < 0)) min = i;
      }
      if (min < 0) return;
      yield (heads[min] as IteratorYieldResult<SortableBlock>).value;
      heads[min] = sources[min]!.next();
    }
  } finally {
    // Closes the run files when the reader stops early (an output error, say).
    for (const source of sources) source.return?.();
  }
}

/** Writes records (u32 key length, u32 text length, i32 headerEnd, key, text) through a buffer. */
class RunWriter {
  private readonly fd: number;
  private readonly out = Buffer.allocUnsafe(1 << 20);
  private size = 0;

  constructor(private readonly file: string) {
    this.fd = fs.openSync(file, 'wx', 0o600);
  }

  put(key: string, text: Buffer, headerEnd: number): void {
    const head = Buffer.allocUnsafe(RECORD_HEAD + key.length);
    head.writeUInt32LE(key.length, 0);
    head.writeUInt32LE(text.length, 4);
    head.writeInt32LE(headerEnd, 8);
    head.write(key, RECORD_HEAD, 'latin1');
    this.write(head);
    this.write(text);
  }

  close(): string {
    fs.writeSync(this.fd, this.out, 0, this.size);
    fs.closeSync(this.fd);
    return this.file;
  }

  private write(bytes: Buffer): void {
    if (this.size + bytes.length > this.out.length) {
      fs.writeSync(this.fd, this.out, 0, this.size);
      this.size = 0;
    }
    if (bytes.length > this.out.length) fs.writeSync(this.fd, bytes);
    else this.size += bytes.copy(this.out, this.size);
  }
}

/** The records of one run file, read through a buffer. */
function* readRun(file: string): Generator<SortableBlock> {
  const fd = fs.openSync(file, 'r');
  try {
    let buf = Buffer.alloc(READ_BUFFER);
    let start = 0;
    let end = 0;
    /** Makes `need` bytes available from `start`; false at the end of the file. */
    const fill = (need: number): boolean => {
      if (end - start >= need) return true;
      const target = need > buf.length ? Buffer.alloc(need * 2) : buf;
      buf.copy(target, 0, start, end);
      buf = target;
      end -= start;
      start = 0;
      while (end < need) {
        const n = fs.readSync(fd, buf, end, buf.length - end, null);
        if (n === 0) return false;
        end += n;
      }
      return true;
    };
    while (fill(RECORD_HEAD)) {
      const keyLength = buf.readUInt32LE(start);
      const textLength = buf.readUInt32LE(start + 4);
      const headerEnd = buf.readInt32LE(start + 8);
      if (!fill(RECORD_HEAD + keyLength + textLength)) throw new Error(`sort run ${file} ends inside a record`);
      const keyAt = start + RECORD_HEAD;
      const key = buf.toString('latin1', keyAt, keyAt + keyLength);
      const text = buf.toString('latin1', keyAt + keyLength, keyAt + keyLength + textLength);
      start = keyAt + keyLength + textLength;
      yield { key, text, headerEnd };
    }
    if (end > start) throw new Error(`sort run ${file} ends inside a record header`);
  } finally {
    fs.closeSync(fd);
  }
}
