/**
 * A volume's bytes copied from one host to another through this process:
 * downloaded from the source and uploaded to the target at once, holes as
 * holes, never more than a few packets held in memory. Then verified: the
 * target's content is read back and its digest (contentDigest.ts) compared
 * with what was read from the source.
 */
import type { LibvirtClient } from "./client";
import { ContentDigest } from "./contentDigest";
import type { LentData, StreamHole } from "./transfer";
import type { StorageVolRef } from "./types";

export interface VolumeEnd {
  conn: LibvirtClient;
  vol: StorageVolRef;
}

export interface CopyResult {
  /** Bytes covered (the source file's length, holes included). */
  bytes: number;
  /** Bytes that travelled as data (the rest were holes). */
  data: number;
  /** The content digest both ends agree on. */
  digest: string;
}

/** Data bytes in flight between the download and the upload (16 packets' worth). */
const QUEUE_BYTES = 4 * 1024 * 1024;
/** Items in flight at most, whatever their bytes (a run of holes is items of none). */
const QUEUE_ITEMS = 256;

/**
 * A bounded queue between a producer (the download's sink) and a consumer
 * (the upload's source): the producer waits while it is full, so the slower
 * side sets the pace. Data goes through as the download read it, lent to
 * the upload: the pieces of the download's reads, which nothing overwrites,
 * are cut by the upload into whole packets without a copy (transfer.ts).
 */
class Pipe {
  private readonly items: (LentData | StreamHole)[] = [];
  private bytes = 0;
  private ended = false;
  private failure?: Error;
  private wakeConsumer?: () => void;
  private wakeProducer?: () => void;

  async put(item: Uint8Array | StreamHole): Promise<void> {
    while (
      (this.bytes >= QUEUE_BYTES || this.items.length >= QUEUE_ITEMS) &&
      this.failure === undefined
    ) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
    }
    if (this.failure !== undefined) throw this.failure;
    if (item instanceof Uint8Array) {
      this.bytes += item.length;
      this.items.push({ lent: item, release: () => undefined });
    } else {
      this.items.push(item);
    }
    this.wakeConsumer?.();
  }

  end(): void {
    this.ended = true;
    this.wakeConsumer?.();
  }

  /** Either side failed: the other stops at its next step. */
  fail(err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
    this.wakeConsumer?.();
    this.wakeProducer?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LentData | StreamHole> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const item = this.items.shift();
      if (item !== undefined) {
        if ("lent" in item) this.bytes -= item.lent.length;
        this.wakeProducer?.();
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
  }
}

/** The content digest of a volume as its host gives it back. */
export async function volumeDigest(end: VolumeEnd): Promise<string> {
  const digest = new ContentDigest();
  await end.conn.storageVolDownloadTo(
    end.vol,
    { data: (chunk) => digest.data(chunk), hole: (length) => digest.hole(length) },
    { sparse: true },
  );
  return digest.digest();
}

/**
 * Copies `from` over `to` (which must be at least as large) and verifies it;
 * throws, naming both volumes, when the target's content differs.
 */
export async function copyVolume(
  from: VolumeEnd,
  to: VolumeEnd,
  onProgress?: (done: number) => void,
): Promise<CopyResult> {
  const pipe = new Pipe();
  const digest = new ContentDigest();
  let data = 0;
  const download = from.conn
    .storageVolDownloadTo(
      from.vol,
      {
        data: async (chunk) => {
          digest.data(chunk);
          data += chunk.length;
          await pipe.put(chunk);
        },
        hole: async (length) => {
          digest.hole(length);
          await pipe.put({ hole: length });
        },
      },
      { sparse: true, ...(onProgress && { onProgress }) },
    )
    .then(
      (bytes) => {
        pipe.end();
        return bytes;
      },
      (err: unknown) => {
        pipe.fail(err);
        throw err;
      },
    );
  const upload = to.conn.storageVolUploadFrom(to.vol, pipe, 0, { sparse: true }).catch((err) => {
    pipe.fail(err);
    throw err;
  });
  const [bytes] = await Promise.all([download, upload]);
  const sent = digest.digest();
  const landed = await volumeDigest(to);
  if (landed !== sent) {
    throw new Error(
      `the copy of volume "${from.vol.pool}/${from.vol.name}" on ${to.conn.uri.uri} differs from the original (content digest ${landed.slice(0, 12)}… ≠ ${sent.slice(0, 12)}…)`,
    );
  }
  return { bytes, data, digest: sent };
}
