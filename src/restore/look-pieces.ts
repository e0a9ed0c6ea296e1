// restore's first pass over a snapshot held in memory, in parallel: the text is cut at
// empty lines into pieces of whole blocks, each parsed and looked at on a restore worker
// (piece-look.ts). Measured on a 132k-path snapshot of a healthy /usr copy, 2 cores, 7
// runs alternating: with the pass on the main thread (parse, then batches of looks sent to
// the workers) the restore took 0.98 s (median); in pieces, 0.84 s. What needs the whole
// file is checked here: the markers, and repeated paths (by hash). Anything unusual (a
// piece that does not parse, a repeated path) gives null, and the caller parses the file
// on its own thread, which reports exactly what and where; nothing has changed yet in
// either case.

import { setImmediate as nextTurn } from 'node:timers/promises';
import pLimit from 'p-limit';
import { GetfaclParser } from '../format/getfacl-parser.js';
import { fileStamp, isSnapshotFile, journalFirstLine, PARSE_CHUNK, type SnapshotFile, type SnapshotText } from '../format/read-snapshot.js';
import { addTally, emptyTally, type FirstPassResult, type LookRules } from './look.js';
import type { PieceAnswer, PieceRequest } from './piece-look.js';
import { KeySet } from './key-set.js';
import { listPiece, WorkList, type ListedPiece } from './work-list.js';
import { PostOrder, sortForRestore } from './restore-order.js';
import { readAt } from '../platform/read-at.js';

/** A piece parsed and looked at. */
type Looked = Extract<PieceAnswer, { ok: true }>;

export interface PieceExecutor {
  readonly jobs: number;
  lookPiece(request: PieceRequest): Promise<PieceAnswer>;
}

/** Below this, one thread parses the file as fast as pieces would. */
export const MIN_PIECED = 1 << 20;
/**
 * Pieces shrink as the pass goes on (guided scheduling): each round gives every worker one
 * piece, half the size of the round before, so the worker that ends first waits at most for
 * a last, small piece. Equal pieces left one worker idle while the other finished its last
 * one: 260 ms of a 1.7 s healthy restore of the /usr copy (170k paths, 2 workers). Five
 * rounds rather than four (last pieces of 1/62 of the file, not 1/30): 40 ms less of a
 * 1.35 s healthy restore (paired runs, 11 of 12 and 10 of 12 faster); a damaged one took as
 * long (+13 ms, 3 of 8 faster).
 */
const ROUNDS = 5;

/** The first pass in pieces; null when the file must be parsed on this thread instead. */
export async function lookInPieces(
  text: SnapshotText | SnapshotFile, rules: LookRules, executor: PieceExecutor, onProgress?: (count: number, shownPath: string) => void, sampling = true,
): Promise<FirstPassResult | null> {
  const ids = rules.ids.spec;
  const source = piecedSource(text);
  if (ids === undefined || source === null || source.size < MIN_PIECED) return null;
  // A journal ends by its own rules (the parser knows them from its first line). Gzip bytes
  // (readSnapshotText gives them inflated) need no test: their first line does not parse.
  if (journalFirstLine(source.head) !== null) return null;
  const cuts = cutAtEmptyLines(source, shrinkingShares(executor.jobs, ROUNDS));
  if (cuts.length < 3) return null;
  const head = headFacts(source.head, text.fileName);
  if (head === null) return null;
  const base = { ...rules, fileName: text.fileName, exclude: [...rules.exclude], only: [...rules.only], ignore: [...rules.ignore], ids, capabilitiesKnown: head.hasMarkers };
  const limit = pLimit(executor.jobs);
  let looked = 0;
  // Each piece's keys are looked for among the others' as it comes, while the workers go on
  // with theirs: at the end, 170k keys sorted kept both workers waiting 22-27 ms.
  const keys = new KeySet();
  const listed: ListedPiece[] = [];
  // The paths with work, listed and in restore order, each piece's added once those before it are in.
  const order = new PiecesInOrder();
  const look = (start: number, end: number): Promise<PieceAnswer> =>
    limit(() => executor.lookPiece({ ...source.piece(start, end), rules: base, sampling }));
  // How many paths the file holds, guessed from the pieces looked at: the table of keys is made that big at once.
  let keysSeen = 0;
  let bytesSeen = 0;
  const answers = await Promise.all(cuts.slice(1).map(async (end, i) => {
    const answer = await look(cuts[i] as number, end);
    // After a turn of the event loop: the worker's next piece is sent first, so that it
    // does not wait for this one's keys and paths.
    await nextTurn();
    if (answer.ok) {
      keysSeen += answer.keys.length;
      bytesSeen += end - (cuts[i] as number);
      keys.expect(Math.ceil((keysSeen * source.size) / bytesSeen));
      keys.addAll(answer.keys);
      listed[i] = listPiece(answer.work);
      order.ready(listed);
      onProgress?.((looked += answer.tally.looks), answer.tally.latest);
    }
    return answer;
  }));
  // Written to while the workers read it: the pass on one thread reads it again, whole.
  if (!source.unchanged()) return null;
  return wholeFileChecks(answers, head, keys) ? mergedTally(answers, order) : null;
}

/** The text to cut into pieces, wherever it is. */
interface PiecedSource {
  size: number;
  /** Its first PARSE_CHUNK bytes (all of a smaller text). */
  head: Buffer;
  /** Where the first empty line at or after `from` starts ("\n\n"), -1 when there is none. */
  blankFrom(from: number): number;
  /** Where a worker finds the piece [start, end). */
  piece(start: number, end: number): Pick<PieceRequest, 'text' | 'fd' | 'start' | 'end'>;
  /** The same bytes as when the pieces were cut (a file's stamp the same: SnapshotFile). */
  unchanged(): boolean;
}

/** A text held in memory the workers can share, or a file they read; null for a text in memory of this thread alone. */
function piecedSource(text: SnapshotText | SnapshotFile): PiecedSource | null {
  if (isSnapshotFile(text)) {
    const { fd, size, head, stamp } = text;
    return { size, head, blankFrom: (from) => blankInFile(fd, size, from), piece: (start, end) => ({ fd, start, end }), unchanged: () => fileStamp(fd) === stamp };
  }
  const { bytes } = text;
  if (!(bytes.buffer instanceof SharedArrayBuffer)) return null;
  const shared = bytes.buffer;
  return {
    size: bytes.length,
    head: bytes.subarray(0, PARSE_CHUNK),
    blankFrom: (from) => bytes.indexOf('\n\n', from),
    piece: (start, end) => ({ text: shared, start: bytes.byteOffset + start, end: bytes.byteOffset + end }),
    unchanged: () => true,
  };
}

/** blankFrom() in the first `size` bytes of a file: read a window at a time, each one byte into the next (a "\n\n" across two is found). */
export function blankInFile(fd: number, size: number, from: number): number {
  const window = Buffer.allocUnsafe(PARSE_CHUNK + 1);
  for (let at = from; at + 1 < size; at += PARSE_CHUNK) {
    const want = Math.min(window.length, size - at);
    const got = readAt(fd, window.subarray(0, want), at);
    const blank = got.indexOf('\n\n');
    if (blank >= 0) return at + blank;
    if (got.length < want) break;
  }
  return -1;
}

/** Each piece's share of the file, in order: `rounds` rounds of `jobs` pieces, each round half the size of the one before. */
export function shrinkingShares(jobs: number, rounds: number): number[] {
  const shares: number[] = [];
  for (let r = 0; r < rounds; r++) for (let j = 0; j < jobs; j++) shares.push(2 ** (rounds - 1 - r));
  const total = shares.reduce((a, b) => a + b, 0);
  return shares.map((s) => s / total);
}

/** Offsets 0, the cuts (each just after an empty line) and the end: a piece for each share, or fewer. */
function cutAtEmptyLines(source: PiecedSource, shares: readonly number[]): number[] {
  const cuts = [0];
  let reached = 0;
  for (const share of shares.slice(0, -1)) {
    reached += share;
    const blank = source.blankFrom(Math.max(Math.floor(source.size * reached), cuts.at(-1) as number));
    if (blank < 0 || blank + 2 >= source.size) break;
    cuts.push(blank + 2);
  }
  cuts.push(source.size);
  return cuts;
}

/**
 * What the file's first 64 KiB say of permsnap's markers, parsed here (the workers need it
 * first). The pass on one thread parses that much at a time and asks after each piece
 * whether capabilities are known: every block it finds there gets the answer these bytes
 * give. If the rest of the file would change that answer, wholeFileChecks() says so.
 */
function headFacts(head: Buffer, fileName: string): Head | null {
  const parser = new GetfaclParser(fileName, { piece: true });
  try {
    parser.push(head.subarray(0, PARSE_CHUNK));
  } catch {
    return null;
  }
  const { begin, capabilitiesUnknown } = parser.pieceFacts;
  return { hasMarkers: parser.hasMarkers, begin, capabilitiesUnknown };
}

/** What the first 64 KiB of the file say of its markers. */
export interface Head {
  /** Capabilities are known, as far as they tell. */
  hasMarkers: boolean;
  begin: boolean;
  capabilitiesUnknown: boolean;
}

/**
 * The checks the parser makes of a whole file, made of its pieces: every piece parsed, a
 * begin marker only in the first block, the end marker's count right and nothing after
 * it, no path twice (`keys`: every piece's keys, gathered as they came; else gathered
 * here); and what the head said of capabilities not changed later (a begin marker after
 * the first 64 KiB; "capabilities unknown" in any piece but the first, where the head has
 * seen it: only the first block may say it).
 */
export function wholeFileChecks(answers: PieceAnswer[], head: Omit<Head, 'hasMarkers'>, keys?: KeySet): answers is Looked[] {
  if (!answers.every((a) => a.ok)) return false;
  const ok = answers as Looked[];
  let entries = 0;
  let ended = false;
  for (const [i, { facts }] of ok.entries()) {
    // The head was parsed apart from the first piece (read apart, from a file): both must say the same.
    if ((i > 0 && facts.begin) || (i === 0 && facts.begin !== head.begin)) return false;
    // Only the first block may say it: in a later piece it is malformed (one thread says where).
    if ((i > 0 && facts.capabilitiesUnknown) || (i === 0 && facts.capabilitiesUnknown !== head.capabilitiesUnknown)) return false;
    // Cut at empty lines, only the last piece may end inside a block.
    if (i < ok.length - 1 && facts.unclosed) return false;
    if (ended && facts.entries > 0) return false;
    if (facts.end !== null) {
      if (facts.end.count !== entries + facts.end.entries) return false;
      ended = true;
    }
    entries += facts.entries;
  }
  const begun = (ok[0] as Looked).facts.begin;
  if (begun && (!ended || (ok.at(-1) as Looked).facts.unclosed)) return false;
  if (keys === undefined) {
    keys = new KeySet();
    for (const answer of ok) keys.addAll(answer.keys);
  }
  return !keys.repeated;
}

function mergedTally(answers: Looked[], inOrder: PiecesInOrder): FirstPassResult {
  const tally = emptyTally();
  for (const a of answers) addTally(tally, a.tally);
  const { work, order } = inOrder;
  return { ...tally, work, order: order.finish() ?? sortForRestore(work) };
}

/** The WorkList and PostOrder of the listed pieces, each piece added as it and those before it are in. */
class PiecesInOrder {
  readonly work = new WorkList();
  readonly order = new PostOrder(this.work);
  private next = 0;

  /** Adds the paths of the pieces now in that follow those added. */
  ready(listed: readonly (ListedPiece | undefined)[]): void {
    for (let piece = listed[this.next]; piece !== undefined; piece = listed[++this.next]) this.work.add(piece);
    this.order.addNew();
  }
}
