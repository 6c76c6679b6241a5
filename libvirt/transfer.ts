/**
 * Whole transfers over one StreamCall (stream.ts): an upload from any source
 * of chunks and holes, a download into any sink. Both abort the stream on
 * any failure — the source throws, the sink throws, the daemon reports an
 * error — and rethrow it; the connection stays usable for other calls.
 */
import type { Connection, Encoder } from "./connection";
import { ProtocolError } from "./errors";
import { StreamCall } from "./stream";
import type { StreamChunk } from "./stream";

/** A run of zeros a sparse upload skips instead of sending. */
export interface StreamHole {
  hole: bigint | number;
}

export interface TransferOptions {
  /** Called after each chunk or hole, with the bytes covered so far (holes included). */
  onProgress?: (done: number) => void;
}

/**
 * Runs a whole upload: opens the stream, sends every item of `source`, and
 * finishes. Holes are only allowed with `sparse` (the call must carry the
 * SPARSE_STREAM flag; a hole in a dense stream makes the daemon drop the
 * connection, so it is refused here first).
 */
export async function uploadStream(
  conn: Connection,
  procedure: number,
  args: Encoder,
  source: AsyncIterable<Uint8Array | StreamHole> | Iterable<Uint8Array | StreamHole>,
  opts: TransferOptions & { sparse?: boolean } = {},
): Promise<void> {
  const call = await StreamCall.open(conn, procedure, args);
  let done = 0;
  try {
    for await (const item of source) {
      if (item instanceof Uint8Array) {
        if (item.length === 0) continue; // an empty CONTINUE would mean "end of data"
        await call.sendData(item);
        done += item.length;
      } else {
        const length = BigInt(item.hole);
        if (length === 0n) continue;
        if (opts.sparse !== true) {
          throw new ProtocolError("UNEXPECTED_PACKET", "a hole in an upload without SPARSE_STREAM");
        }
        await call.sendHole(length);
        done += Number(length);
      }
      opts.onProgress?.(done);
    }
    await call.finish();
  } catch (err) {
    call.abort();
    throw err;
  }
}

/** Where a download goes: called in order, one at a time; may be async. */
export interface DownloadSink {
  data(chunk: Buffer): Promise<void> | void;
  /** Only in sparse downloads. */
  hole(length: bigint): Promise<void> | void;
}

/**
 * Runs a whole download: opens the stream (`args` carrying SPARSE_STREAM for
 * holes), hands every chunk to `sink` in order, and finishes once the daemon
 * marks the end of the data. Resolves with the bytes covered.
 */
export async function downloadStream(
  conn: Connection,
  procedure: number,
  args: Encoder,
  sink: DownloadSink,
  opts: TransferOptions = {},
): Promise<number> {
  const call = await StreamCall.open(conn, procedure, args, true);
  let done = 0;
  try {
    for (;;) {
      const chunk: StreamChunk | null = await call.receive();
      if (chunk === null) break;
      if ("data" in chunk) {
        await sink.data(chunk.data);
        done += chunk.data.length;
      } else {
        await sink.hole(chunk.hole);
        done += Number(chunk.hole);
      }
      opts.onProgress?.(done);
    }
    await call.finish();
    return done;
  } catch (err) {
    call.abort();
    throw err;
  }
}
