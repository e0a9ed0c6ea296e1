// A restore worker thread (worker-executor.ts): looks at, plans and applies the chunks of
// paths it is sent, with synchronous system calls (design.md: sync koffi calls on worker
// threads beat async calls), each reply as soon as its request is done.

import { parentPort } from 'node:worker_threads';
import { forceFallbacks } from '../platform/safe-ops.js';
import { RestoreWork } from './restore-executor.js';
import { transferablesOf, unpackItems } from './packed-items.js';
import type { RestoreOrder, RestoreReply, RestoreRequest } from './restore-protocol.js';

const port = parentPort!;
let work: RestoreWork | null = null;

port.on('message', (order: RestoreOrder) => {
  if ('quit' in order) {
    work?.close();
    port.postMessage({ bye: true } satisfies RestoreReply);
    port.close();
  } else if ('setup' in order) {
    if (order.setup.fallbacks) forceFallbacks();
    // ChunkSettings' fields alone (not `fallbacks`): planning reads this object for every path.
    const { root, pseudo, wantPlans, journalled } = order.setup;
    work = new RestoreWork({ root, pseudo: new Set(pseudo), wantPlans, journalled });
  } else {
    const reply = answer(order);
    port.postMessage(reply, handedOver(reply));
  }
});
// Loaded (koffi and all): from now on the executor may end this worker at any time.
port.postMessage({ ready: true } satisfies RestoreReply);

/** The buffers a reply hands over rather than copies: a piece's packed work and keys (packed-items.ts). A plan's journal bytes are shared memory (journal-rooms.ts). */
function handedOver(reply: RestoreReply): ArrayBuffer[] {
  if ('piece' in reply && reply.piece?.ok) return [...transferablesOf(reply.piece.work), reply.piece.keys.buffer as ArrayBuffer];
  return [];
}

function answer(request: RestoreRequest): RestoreReply {
  try {
    if (work === null) throw new Error('restore worker: a request before its setup');
    switch (request.kind) {
      case 'look':
        return { id: request.id, look: work.look(unpackItems(request.items)) };
      case 'lookPiece':
        return { id: request.id, piece: work.lookPiece(request.piece) };
      case 'plan':
        return { id: request.id, plan: work.plan(request.chunk, unpackItems(request.items)) };
      case 'apply':
        return { id: request.id, applied: work.apply(request.chunk, request.spared) };
      case 'release':
        work.release(request.chunk);
        return { id: request.id };
    }
  } catch (err) {
    return { id: request.id, error: (err as Error).message };
  }
}
