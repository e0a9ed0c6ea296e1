// restore's first pass over one piece of the snapshot, on a restore worker: parses the
// piece (cut at an empty line, so it holds whole blocks), makes and looks at each path's
// Look as look-all.ts does, and answers with the tally, the paths with work (packed), a
// wide hash of each path's key (the main thread finds repeated paths with them) and what
// the piece says about the file as a whole (look-pieces.ts checks it).

import { GetfaclParser, type KnownBlocks, type ParsedEntry, type PieceFacts } from '../format/getfacl-parser.js';
import { PermsnapError, systemReason } from '../errors.js';
import { PARSE_CHUNK } from '../format/read-snapshot.js';
import { readAt } from '../platform/read-at.js';
import type { DirectoryCache } from './directory-cache.js';
import { resolverOf, type IdSpec } from './id-resolver.js';
import { emptyTally, lookMaker, settleLook, shownLook, tallyLook, type Look, type LookCounts, type LookRules } from './look.js';
import { ItemPacker, type PackedPiece } from './packed-items.js';
import { DamageSampler } from './damage-sampler.js';
import type { LinkWitness } from './linked-states.js';
import { lookAtItem, type LookResult, type WorkItem } from './work-item.js';
import { lastSlash } from './target-path.js';

/** LookRules as they cross to a worker: the resolver as its spec, capabilities known or not. */
export interface PieceRules extends Omit<LookRules, 'ids' | 'capabilitiesKnown'> {
  fileName: string;
  ids: IdSpec;
  capabilitiesKnown: boolean;
}

export interface PieceRequest {
  /**
   * Where the piece [start, end) is: in the whole snapshot, held in memory the threads
   * share; or in the snapshot file open on `fd`, read here (SnapshotFile).
   */
  text?: SharedArrayBuffer;
  fd?: number;
  start: number;
  end: number;
  rules: PieceRules;
  /**
   * Skip looks in damaged stretches (damage-sampler.ts). Off for a dry run: the paths
   * skipped depend on where the pieces are cut, so on --jobs, and they would change which
   * directories wait for the end, and so the order the dry run prints.
   */
  sampling: boolean;
}

export type PieceAnswer =
  | { ok: true; tally: LookCounts; work: PackedPiece; keys: Float64Array; facts: PieceFacts }
  /** The piece does not parse: the main thread parses the file itself, to report where. */
  | { ok: false; reason: string };

/**
 * What this worker keeps from one piece to the next of the same snapshot: the blocks
 * parsed, and so (by the parser's shapes) the wanted states worked out.
 */
let session: { rules: string; makeLook: (parsed: ParsedEntry) => Look; known: KnownBlocks } | undefined;

export function lookAtPiece(request: PieceRequest, directories: DirectoryCache, pseudo: ReadonlySet<number>, links?: LinkWitness): PieceAnswer {
  const { rules } = request;
  const key = JSON.stringify(rules);
  if (session?.rules !== key) session = { rules: key, makeLook: lookMaker({ ...rules, ids: resolverOf(rules.ids) }), known: new Map() };
  const { makeLook, known } = session;
  const tally = emptyTally();
  const sampler = request.sampling ? new DamageSampler() : null;
  const lookAtOne = (item: WorkItem): LookResult => lookAtItem(item, directories, pseudo, links);
  // A damaged piece has nearly every path as work: once past the first thousand, room for
  // them all at once (a block takes some 64 bytes or more, a path's bytes fewer than its
  // quoted text; more room is made if not).
  const pieceBytes = request.end - request.start;
  const work = new ItemPacker(1024, { items: Math.ceil(pieceBytes / 64), pathBytes: pieceBytes });
  const keys: number[] = [];
  let last: Look | undefined;
  const targetKey = targetKeyHasher();
  const lookAt = (parsed: ParsedEntry): void => {
    const look = makeLook(parsed);
    if (look.item === undefined) keys.push(wideHash(look.path, UNTARGETED_PREFIX));
    else {
      const found = sampler ? sampler.look(look.item, lookAtOne, look.problems.length > 0) : lookAtOne(look.item);
      settleLook(look, found.outcome, found.problems);
      keys.push(targetKey(look.item.target.root, look.item.target.relative));
    }
    tallyLook(tally, look, work);
    last = look;
  };
  const parser = new GetfaclParser(rules.fileName, { shareBlocks: true, piece: true, knownBlocks: known });
  try {
    for (const slice of pieceSlices(request)) parser.push(slice).forEach(lookAt);
    parser.end().forEach(lookAt);
  } catch (err) {
    if (err instanceof PermsnapError && err.code === 'MALFORMED') return { ok: false, reason: err.message };
    throw err;
  }
  // The paths with work went to the packer: the tally's own list of them stayed empty.
  const counts: LookCounts = tally;
  return { ok: true, tally: { ...counts, latest: last ? shownLook(last) : '' }, work: work.packedPiece(), keys: Float64Array.from(keys), facts: parser.pieceFacts };
}

/** The piece's bytes, PARSE_CHUNK at a time (a view of shared memory, or read into this thread's own buffer, reused). */
function* pieceSlices({ text, fd, start, end }: PieceRequest): Generator<Buffer> {
  if (text !== undefined) {
    for (let at = start; at < end; at += PARSE_CHUNK) yield Buffer.from(text, at, Math.min(PARSE_CHUNK, end - at));
    return;
  }
  // Never from Buffer's pool, which other code of this thread may write to; the parser
  // copies each slice into strings before the next is read.
  readRoom ??= Buffer.allocUnsafeSlow(PARSE_CHUNK);
  for (let at = start; at < end;) {
    let slice: Buffer;
    try {
      slice = readAt(fd as number, readRoom.subarray(0, Math.min(PARSE_CHUNK, end - at)), at);
    } catch (err) {
      throw new PermsnapError('MALFORMED', `cannot read the piece: ${systemReason(err)}`);
    }
    // Shorter than when it was opened: the main thread reads what is there now, and says
    // what is wrong with it, if anything.
    if (slice.length === 0) throw new PermsnapError('MALFORMED', 'the file ended before the piece did: it changed while it was read');
    yield slice;
    at += slice.length;
  }
}

let readRoom: Buffer | undefined;

/**
 * The key of a path with a target: the wide hash of "t" ROOT NUL RELATIVE (that of a path
 * without one is "s" PATH). Consecutive paths nearly always share their root and directory,
 * so the hash's state after those is kept and only the final name is hashed: hashing each
 * whole path cost restore's first pass 40-80 ms of a 170k-path snapshot, on one thread.
 */
export function targetKeyHasher(): (root: string, relative: string) => number {
  let hashedRoot: string | undefined;
  let rootState = HASH_START;
  // The directory part hashed last, its "/" included ("" for a name in the root itself).
  let directory = '';
  let directoryState = HASH_START;
  return (root, relative) => {
    if (root !== hashedRoot) {
      hashedRoot = root;
      rootState = hashPrefix(`t${root}\0`);
      directory = '';
      directoryState = rootState;
    }
    const nameStart = lastSlash(relative) + 1;
    // The same directory: as long, and the same characters (lastIndexOf from 0 compares them
    // without making a string).
    if (nameStart !== directory.length || (nameStart > 0 && relative.lastIndexOf(directory, 0) !== 0)) {
      directory = relative.slice(0, nameStart);
      directoryState = hashPrefix(directory, rootState);
    }
    return wideHash(relative, directoryState, nameStart);
  };
}

/** Where a wide hash stands after some text: two 32-bit halves. */
export interface HashState {
  a: number;
  b: number;
}

const HASH_START: HashState = { a: 0x811c9dc5, b: 0x9747b28c };

/** The state after hashing `text` (from `start` on), to go on from (hashing the same prefix once). */
export function hashPrefix(text: string, from: HashState = HASH_START, start = 0): HashState {
  let { a, b } = from;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return { a, b };
}

const UNTARGETED_PREFIX = hashPrefix('s');

/**
 * A 53-bit hash (two 32-bit ones) of `text` (from `start` on) after the prefix `from`
 * (equal to the hash of the prefix and text joined): among a million paths, two different
 * ones share it with a chance of about 1 in 20,000 (and then the file is only parsed again
 * on one thread).
 * Joining the root to every path before hashing it cost 0.8 us a path.
 */
export function wideHash(text: string, from: HashState = HASH_START, start = 0): number {
  const { a, b } = hashPrefix(text, from, start);
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
