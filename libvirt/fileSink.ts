/**
 * A download into a local file (storageVolDownload; virsh vol-download's
 * job): data written where it belongs, holes skipped so they stay holes.
 *
 * Where the writes run. A download's data lands in the page cache, a memory
 * copy the kernel makes in write(). Made at once, on the thread that has
 * just read the bytes from the socket, it is cheap: the bytes are still in
 * the CPU's cache, and nothing has to wake another thread. Made on the libuv
 * pool (FileHandle.writev), every write costs two thread wake-ups, and the
 * copy reads bytes that have gone cold. Measured (1 GiB dense download,
 * libvirt 9.0, the shared 2-core VM, December 2026): on the pool, 7,600–7,900
 * writes per GiB (the data queued while the last one ran, 138 KiB on average)
 * and 35,000 context switches per GiB against the C client's 9,000, and
 * 1.1–1.4 s of our CPU in the kernel against its 0.7–0.8; waiting for 1 or 4 MiB
 * before each write cut the switches but made the copy dearer still (sys
 * 1.4–4.0 s). On the calling thread: 9,000 context switches per GiB, and
 * bench:libvirt's dense download ours/C, medians of alternating runs, 1.01
 * against 1.09 on the pool when the host was slow, 1.21 against 1.29 when
 * it was fast. The C client also writes on its one thread.
 *
 * The cost is that a write holds the event loop while the kernel copies:
 * measured, a median of 0.08 ms, p99 0.21–0.26 ms, at most 3.6–5.5 ms in
 * 65,000 writes. Longer when the kernel holds writes back (dirty-page
 * throttling, a slow disk or network filesystem), so a write that takes
 * SLOW_WRITE_MS or more moves the rest of that download to the pool: the
 * event loop is held that long at most once per download.
 */
import { writevSync } from "node:fs";
import { open } from "node:fs/promises";
import { withoutFirst } from "./pieces";
import type { DownloadSink } from "./transfer";

/**
 * A page-cache write this slow means the kernel is holding writes back.
 * Far above the 0.05–0.5 ms of a normal write, and above the 3–8 ms a write
 * now and then takes when this VM's thread is descheduled (a few in 8,000).
 */
export const SLOW_WRITE_MS = 10;

export interface FileSinkOptions {
  /** For tests; SLOW_WRITE_MS by default. */
  slowWriteMs?: number;
  /** For tests: the clock that times each write (milliseconds). */
  now?: () => number;
}

export interface FileSink extends DownloadSink {
  /** Sets the file's final size (a trailing hole) and closes it; idempotent. */
  close(): Promise<void>;
  /** True once a slow write has moved the writes to the libuv pool. */
  writesOnPool(): boolean;
}

/**
 * A download sink writing to `path` (created or truncated). Holes are
 * skipped over, never written, so they stay holes in the local file; close()
 * sets the final size, which makes a trailing hole too. Data queued together
 * goes in one writev (dataMany), as the pieces it was read in, uncopied.
 */
export async function fileSink(path: string, opts: FileSinkOptions = {}): Promise<FileSink> {
  const slowWriteMs = opts.slowWriteMs ?? SLOW_WRITE_MS;
  const now = opts.now ?? (() => performance.now());
  const file = await open(path, "w");
  let pos = 0;
  let closed = false;
  let onPool = false;

  const writeHere = (pieces: readonly Buffer[]): number => {
    const started = now();
    const written = writevSync(file.fd, pieces, pos);
    if (now() - started >= slowWriteMs) onPool = true;
    return written;
  };
  const write = async (pieces: readonly Buffer[]): Promise<void> => {
    // Empty pieces would make a writev of nothing, forever.
    for (let rest = pieces.filter((p) => p.length > 0); rest.length > 0;) {
      const written = onPool ? (await file.writev(rest, pos)).bytesWritten : writeHere(rest);
      pos += written;
      rest = withoutFirst(rest, written);
    }
  };
  return {
    data: (chunk) => write([chunk]),
    dataMany: write,
    hole(length: bigint): void {
      pos += Number(length);
    },
    writesOnPool: () => onPool,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await file.truncate(pos);
      } finally {
        await file.close();
      }
    },
  };
}
