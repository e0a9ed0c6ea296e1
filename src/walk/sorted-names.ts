// Sorts a directory's names, joined by NULs as readNames gives them, in byte order (--sort),
// without making each name a string: a million names split into an array were some 50 MB
// of one thread's heap, on top of the joined 16 MB, and sorting them took longer too.

/** Names per string when the sorted names are put back together. */
const PIECE = 4096;

export function sortedNames(names: string): string {
  if (names === '') return names;
  const end = names.length;
  let count = 1;
  for (let at = names.indexOf('\0'); at >= 0; at = names.indexOf('\0', at + 1)) count++;
  const starts = new Int32Array(count);
  for (let i = 0, at = 0; i < count; i++) {
    starts[i] = at;
    const stop = names.indexOf('\0', at);
    at = stop < 0 ? end : stop + 1;
  }
  // Byte order: the names are byte strings (one char a byte), and a name's end (its NUL,
  // or the end of them all) sorts before any byte, as a shorter name before a longer one.
  starts.sort((a, b) => {
    for (;;) {
      const x = a < end ? names.charCodeAt(a) : 0;
      const y = b < end ? names.charCodeAt(b) : 0;
      if (x !== y) return x - y;
      if (x === 0) return 0;
      a++;
      b++;
    }
  });
  const pieces: string[] = [];
  for (let i = 0; i < count; i += PIECE) {
    const piece: string[] = [];
    for (let j = i; j < Math.min(count, i + PIECE); j++) {
      const start = starts[j] as number;
      const stop = names.indexOf('\0', start);
      piece.push(names.slice(start, stop < 0 ? end : stop));
    }
    pieces.push(piece.join('\0'));
  }
  return pieces.length === 1 ? (pieces[0] as string) : pieces.join('\0');
}
