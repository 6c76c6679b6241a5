/**
 * A local file as the source of an upload: its bytes in order as data
 * chunks, and (sparse) its holes and all-zero blocks as holes. Holes the
 * kernel reports (fileHoles.ts) are skipped without reading; what is read
 * is scanned for zero blocks (sparse.ts).
 *
 * Reading runs ahead of sending, bounded by the data waiting to be sent,
 * not by file bytes: a hole costs a number in the queue, not a buffer. So
 * while the daemon is busy writing one data run, the holes up to the next
 * run are already read, scanned and their buffers reused. (Bounded by file
 * bytes instead, a 16 MiB read-ahead stalled on every 28 MiB gap of the
 * bench image, and the upload took the read time plus the send time.)
 *
 * Reading starts when the file is opened, before anything is sent, and does
 * not wait for the search for holes: an upload opens its file before its
 * stream (api/volumeStreams.ts), so the first reads overlap the daemon's
 * reply and qemu-img's 5–9 ms. A region read before its hole was known is
 * scanned like any other: its zero blocks still travel as holes.
 */
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { HoleCursor, findHoles } from "./fileHoles";
import type { HoleRange } from "./fileHoles";
import { scanChunk } from "./sparse";
import type { Segment } from "./sparse";
import type { LentData, StreamHole } from "./transfer";

/** Bytes per read, and at most per data packet: well under the 32 MiB frame limit. */
export const READ_CHUNK = 1024 * 1024;
/** Reads in flight at once, each on a libuv pool thread. */
const READS_IN_FLIGHT = 4;
/** Buffers in all: those being read plus those holding data not yet sent (32 MiB). */
const BUFFERS = 32;

interface Slot {
  buf: Buffer;
  /** Data segments still pointing into buf; it is reused at 0. */
  users: number;
}

interface ChunkRead {
  slot: Slot;
  bytes: number;
}

/** A file's known holes, or the search for them (started early, to overlap the stream's opening). */
export type KnownHoles = readonly HoleRange[] | Promise<readonly HoleRange[]>;

/** A known hole passed over instead of read, kept in file order with the reads. */
interface SkippedHole {
  hole: number;
}

interface Item {
  segment: Segment;
  slot?: Slot;
}

/**
 * Yields `length` bytes of the file from `start`. Each data chunk is valid
 * only until the next item is requested. `holes` (sparse only) are the
 * file's known holes; by default the kernel is asked for them (findHoles).
 */
export async function* readFileChunks(
  path: string,
  start: number,
  length: number,
  sparse: boolean,
  holes?: KnownHoles,
): AsyncGenerator<Segment> {
  const source = await FileSource.open(path, start, length, sparse, holes);
  try {
    for (;;) {
      const item = await source.next();
      if (item === undefined) return;
      yield item.segment;
      source.release(item);
    }
  } finally {
    await source.close();
  }
}

/**
 * A file being read ahead from the moment it is opened: an upload opens it
 * before its stream, so the first reads overlap the daemon's reply (and the
 * search for holes). Close it in every case, iterated or not.
 */
export class FileSource {
  private readonly free: Slot[];
  private readonly queue: Item[] = [];
  private readonly end: number;
  private done = false;
  private failure?: Error;
  private wake?: () => void;
  private readonly producing: Promise<void>;
  private readonly holes = { pending: 0 };
  private readonly waitingForSlot: (() => void)[] = [];
  private reads: Promise<ChunkRead | SkippedHole>[] = [];
  private readonly holeCursor: HoleCursor;

  private constructor(
    private readonly file: FileHandle,
    private readonly path: string,
    private readPos: number,
    length: number,
    private readonly sparse: boolean,
    holes: KnownHoles,
  ) {
    // Reading starts at once; known holes are skipped from when they are known (a search
    // that fails or finds none skips nothing). Zeros read meanwhile still become holes.
    this.holeCursor = new HoleCursor();
    if (holes instanceof Promise) void holes.then((h) => this.holeCursor.learn(h));
    else this.holeCursor.learn(holes);
    this.end = readPos + length;
    const size = Math.min(READ_CHUNK, Math.max(length, 1));
    const count = Math.min(BUFFERS, Math.ceil(length / size) + 1);
    this.free = Array.from({ length: count }, () => ({
      buf: Buffer.allocUnsafeSlow(size),
      users: 0,
    }));
    this.producing = this.produce().catch((err: unknown) => {
      this.failure = err instanceof Error ? err : new Error(String(err));
      this.signal();
    });
  }

  /**
   * Opens `path` and starts reading, without waiting for `holes` (sparse
   * only; by default the kernel is asked for them).
   */
  static async open(
    path: string,
    start: number,
    length: number,
    sparse: boolean,
    holes: KnownHoles | undefined,
  ): Promise<FileSource> {
    const given = sparse ? (holes ?? findHoles(path, start, start + length)) : [];
    // A search that fails finds no holes (and must not go unhandled while the file opens).
    const known = given instanceof Promise ? given.catch(() => []) : given;
    const file = await open(path, "r");
    return new FileSource(file, path, start, length, sparse, known);
  }

  /** The items in file order, the data lent: released once the socket has written it. */
  async *lend(): AsyncGenerator<LentData | StreamHole> {
    for (;;) {
      const item = await this.next();
      if (item === undefined) return;
      const { segment } = item;
      if ("hole" in segment) yield segment;
      else yield { lent: segment, release: () => this.release(item) };
    }
  }

  /** The next item in file order; undefined at the end. */
  async next(): Promise<Item | undefined> {
    for (;;) {
      const item = this.queue.shift();
      if (item !== undefined) return item;
      if (this.failure !== undefined) throw this.failure;
      if (this.done) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** The consumer is done with `item`: its buffer may be read into again. */
  release(item: Item): void {
    if (item.slot !== undefined && --item.slot.users === 0) this.recycle(item.slot);
  }

  /** Stops reading (wherever the consumer got to) and closes the file. */
  async close(): Promise<void> {
    await this.stop();
    await this.file.close();
  }

  /** Ends production early (the consumer stopped); waits for reads in flight. */
  private async stop(): Promise<void> {
    this.done = true;
    this.signal();
    for (const waiter of this.waitingForSlot.splice(0)) waiter();
    await this.producing;
    await Promise.allSettled(this.reads); // no read may outlive the file handle
  }

  private recycle(slot: Slot): void {
    this.free.push(slot);
    this.waitingForSlot.shift()?.();
  }

  /** A free buffer, waiting for the consumer to release one; undefined once stopped. */
  private async slot(): Promise<Slot | undefined> {
    for (;;) {
      if (this.done) return undefined;
      const s = this.free.pop();
      if (s !== undefined) return s;
      await new Promise<void>((resolve) => this.waitingForSlot.push(resolve));
    }
  }

  private async produce(): Promise<void> {
    while (!this.done && (this.readPos < this.end || this.reads.length > 0)) {
      while (this.readPos < this.end && this.reads.length < READS_IN_FLIGHT) {
        const hole = Math.min(this.holeCursor.holeAt(this.readPos), this.end - this.readPos);
        if (hole > 0) {
          this.readPos += hole; // a known hole: nothing to read, no buffer taken
          this.reads.push(Promise.resolve({ hole }));
        } else if (this.free.length > 0) {
          this.reads.push(this.read(this.free.pop() as Slot));
        } else break;
      }
      if (this.reads.length === 0) {
        // Every buffer holds data not yet sent: wait for the consumer to release one.
        const slot = await this.slot();
        if (slot !== undefined) this.reads.push(this.read(slot));
        continue;
      }
      const next = await this.reads[0];
      void this.reads.shift(); // the one just awaited
      if ("hole" in next) this.holes.pending += next.hole;
      else if (!this.done) this.take(next.slot, next.bytes);
    }
    if (this.holes.pending > 0) this.queue.push({ segment: { hole: this.holes.pending } });
    this.done = true;
    this.signal();
  }

  /** Reads into `slot` from readPos, stopping at the next known hole. */
  private read(slot: Slot): Promise<ChunkRead> {
    const pos = this.readPos;
    const want = Math.min(slot.buf.length, this.end - pos, this.holeCursor.nextHole(pos) - pos);
    this.readPos += want;
    const read = this.file.read(slot.buf, 0, want, pos).then(({ bytesRead }) => {
      if (bytesRead < want) {
        throw new RangeError(`${this.path} ended at byte ${pos + bytesRead}, before ${this.end}`);
      }
      return { slot, bytes: bytesRead };
    });
    read.catch(() => undefined); // awaited in order by produce(); must not go unhandled meanwhile
    return read;
  }

  /** Queues one chunk's segments; its buffer stays taken while data in it waits to be sent. */
  private take(slot: Slot, bytes: number): void {
    const chunk = slot.buf.subarray(0, bytes);
    const segments = this.sparse ? scanChunk(chunk, this.holes) : [chunk];
    for (const segment of segments) {
      if ("hole" in segment) this.queue.push({ segment });
      else {
        slot.users++;
        this.queue.push({ segment, slot });
      }
    }
    if (slot.users === 0) this.recycle(slot);
    if (this.queue.length > 0) this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
