/**
 * Bytes held as pieces: views of the buffers they arrived in, in order, never
 * joined. A packet that straddles several socket reads stays as the views of
 * those reads (framing.ts), and a download's data goes to disk as they are
 * (one writev: sparse.ts), so its bytes are never copied in our process.
 */

/** How many bytes `pieces` hold together. */
export function piecesLength(pieces: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of pieces) n += p.length;
  return n;
}

/** What is left of `pieces` without their first `bytes` bytes (views, no copy). */
export function withoutFirst(pieces: readonly Buffer[], bytes: number): Buffer[] {
  let skip = bytes;
  let i = 0;
  for (; i < pieces.length; i++) {
    const length = pieces[i]?.length ?? 0;
    if (skip < length) break;
    skip -= length;
  }
  const rest = pieces.slice(i);
  const first = rest[0];
  if (first !== undefined && skip > 0) rest[0] = first.subarray(skip);
  return rest;
}
