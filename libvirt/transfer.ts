/**
 * Whole transfers over one StreamCall (stream.ts): an upload from any source
 * of chunks and holes, a download into any sink. Both abort the stream on
 * any failure — the source throws, the sink throws, the daemon reports an
 * error — and rethrow it; the connection stays usable for other calls.
 */
import type { Connection, Encoder } from "./connection";
import { ProtocolError } from "./errors";
import { piecesLength } from "./pieces";
import { StreamCall } from "./stream";
import type { StreamChunk } from "./stream";

/**
 * Data bytes per STREAM packet of an upload: what libvirt's own client
 * sends (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX, python's streamBufSize), and
 * what the daemon handles best. Measured here (libvirt 9.0, 1 GiB to a dir
 * pool), the daemon's CPU time per GiB was 0.64–0.82 s with packets of
 * 262,120 bytes, as for the C client, but 1.2–1.7 s with 262,144 and
 * 1.0–1.8 s with 131,072, and the upload took up to twice as long; packets
 * of 1 MiB took 2–3× as long, of 4 MiB 4×, though the daemon accepts
 * packets up to 32 MiB.
 */
export const DATA_PACKET = 262_120;

/** A run of zeros a sparse upload skips instead of sending. */
export interface StreamHole {
  hole: bigint | number;
}

/**
 * Data a source lends instead of handing over: sent without a copy, and
 * `release()` is called once the transport no longer needs it (the source
 * may then reuse the memory). A plain Uint8Array is copied into its packet
 * at once instead, so its source may reuse it as soon as it is asked for
 * the next item.
 */
export interface LentData {
  lent: Uint8Array;
  release(): void;
}

/** What an upload's source yields. */
export type UploadItem = Uint8Array | StreamHole | LentData;

export interface TransferOptions {
  /**
   * Called after each chunk or hole (a download: after each batch of data a
   * sink took at once), with the bytes covered so far (holes included).
   */
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
  source: AsyncIterable<UploadItem> | Iterable<UploadItem>,
  opts: TransferOptions & { sparse?: boolean } = {},
): Promise<void> {
  const call = await StreamCall.open(conn, procedure, args);
  const packer = new Packer(call);
  let done = 0;
  try {
    for await (const item of source) {
      if (item instanceof Uint8Array) {
        if (item.length === 0) continue; // an empty CONTINUE would mean "end of data"
        await packer.flush();
        for (let at = 0; at < item.length; at += DATA_PACKET) {
          await call.sendData(item.subarray(at, Math.min(at + DATA_PACKET, item.length)));
        }
        done += item.length;
      } else if ("lent" in item) {
        await packer.add(item);
        done += item.lent.length;
      } else {
        const length = BigInt(item.hole);
        if (length === 0n) continue;
        if (opts.sparse !== true) {
          throw new ProtocolError("UNEXPECTED_PACKET", "a hole in an upload without SPARSE_STREAM");
        }
        await packer.flush();
        await call.sendHole(length);
        done += Number(length);
      }
      opts.onProgress?.(done);
    }
    await packer.flush();
    await call.finish();
  } catch (err) {
    packer.drop();
    call.abort();
    throw err;
  }
}

/**
 * Cuts consecutive lent data into packets of exactly DATA_PACKET bytes
 * whatever the sizes of the pieces lent (a packet may span two of them);
 * only the last packet before a hole, a plain chunk or the end is shorter.
 * All packets completed by one piece go out in one writev, without copies;
 * each piece is released once the packet holding its last byte is written.
 */
class Packer {
  private pieces: Uint8Array[] = [];
  private bytes = 0;
  /** Releases of the lent data that is in `pieces`, in full or as its tail. */
  private releases: (() => void)[] = [];

  constructor(private readonly call: StreamCall) {}

  async add(item: LentData): Promise<void> {
    const data = item.lent;
    const packets: Uint8Array[][] = [];
    for (let at = 0; at < data.length;) {
      const take = Math.min(DATA_PACKET - this.bytes, data.length - at);
      this.pieces.push(data.subarray(at, at + take));
      this.bytes += take;
      at += take;
      if (this.bytes === DATA_PACKET) {
        packets.push(this.pieces);
        this.pieces = [];
        this.bytes = 0;
      }
    }
    this.releases.push(() => item.release());
    // A tail left in the packet begun keeps this piece (not the earlier ones) unreleased.
    const pending = this.bytes > 0 ? 1 : 0;
    if (packets.length === 0 && pending === 1) return;
    await this.send(packets, this.takeReleases(this.releases.length - pending));
  }

  /** Sends the packet begun, if any. */
  async flush(): Promise<void> {
    if (this.bytes === 0) return;
    const packet = this.pieces;
    this.pieces = [];
    this.bytes = 0;
    await this.send([packet], this.takeReleases(this.releases.length));
  }

  /** The upload failed: what was not sent is released unsent. */
  drop(): void {
    this.pieces = [];
    this.bytes = 0;
    for (const release of this.takeReleases(this.releases.length)) release();
  }

  private takeReleases(n: number): (() => void)[] {
    return this.releases.splice(0, n);
  }

  private async send(packets: Uint8Array[][], releases: (() => void)[]): Promise<void> {
    if (packets.length === 0) {
      for (const release of releases) release();
      return;
    }
    await this.call.sendPackets(packets, () => {
      for (const release of releases) release();
    });
  }
}

/**
 * At most this many bytes of queued data go to a sink's dataMany() at once.
 * Measured (1 GiB dense download, fileSink, libvirt 9.0, the shared 2-core VM
 * at load 5–6, medians of 9 alternating runs): one FileHandle.write per
 * packet took 1207 ms of our CPU (sys 912) and 2206 ms; one writev of all
 * the packets queued, up to 4 MiB, 1021 ms (sys 747) and 1856 ms. Each
 * write was a trip to the libuv pool and back; the data waiting while one
 * write runs goes in the next. (fileSink now writes on the calling thread
 * while its writes are quick, where the batch is whatever came in meanwhile;
 * this bounds how long one write holds the event loop.)
 */
export const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Where a download goes: called in order, one at a time; may be async. Data
 * comes as it was read from the socket (pieces of any size, not packets);
 * the bytes are never overwritten, so a sink may keep them.
 */
export interface DownloadSink {
  data(chunk: Buffer): Promise<void> | void;
  /**
   * Consecutive data in several pieces, for a sink that can take them at
   * once (one writev); without it, data() gets each piece in turn.
   */
  dataMany?(pieces: readonly Buffer[]): Promise<void> | void;
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
        if (sink.dataMany !== undefined) {
          // What else is queued already goes along, up to BATCH_BYTES.
          const pieces = [...chunk.data, ...call.takeQueuedData(BATCH_BYTES - chunk.bytes)];
          await sink.dataMany(pieces);
          done += piecesLength(pieces);
        } else {
          for (const piece of chunk.data) await sink.data(piece);
          done += chunk.bytes;
        }
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
