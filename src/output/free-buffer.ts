// Frees a written output buffer at once. A buffer dropped on the main thread is freed only
// when its GC gets to it, and V8 lets tens of MB of such memory pile up first (allocated in
// the workers' malloc arenas, where it stays counted in RSS): on 2.2M entries that was
// about 25 MB of peak RSS, growing with the tree. A buffer transferred in a message on a
// closed port is detached and its memory released there and then (the message is dropped).

import { MessageChannel, type MessagePort } from 'node:worker_threads';

let closedPort: MessagePort | undefined;

/**
 * Releases the memory of `buffer` now; it is detached (zero length) afterwards. Only for a
 * buffer of its own: one made by Buffer.allocUnsafeSlow, never a slice of Node's shared
 * pool (Buffer.from, Buffer.allocUnsafe), whose other slices would go with it.
 */
export function freeNow(buffer: ArrayBuffer): void {
  if (closedPort === undefined) {
    const { port1 } = new MessageChannel();
    port1.close();
    closedPort = port1;
  }
  closedPort.postMessage(null, [buffer]);
}
