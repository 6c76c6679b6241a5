/**
 * Reads of a net.Socket (unix, tcp) into slabs of our own, through the
 * socket's `onread` option, so that a download's packets reach the stream
 * without a copy.
 *
 * Why: Node's own reads are at most 64 KiB, each into fresh memory, while
 * the daemon sends stream data in packets of 262,172 bytes. Nearly every
 * packet straddled five reads, and FrameDecoder (framing.ts) copied each
 * into one buffer: a copy of the whole download, about 100–130 ms per GiB,
 * the known cause of downloads missing 1.2× libvirt's C client.
 *
 * How: each read goes into the unused tail of a slab (SLAB_SIZE), right
 * after the bytes of the read before, and the next slab is begun only when
 * the tail is shorter than MIN_READ. Consecutive reads are thus consecutive
 * in memory, FrameDecoder joins them without a copy (it merges a chunk that
 * continues the one before in the same ArrayBuffer), and only a packet that
 * straddles two slabs is copied: about one packet per slab.
 *
 * Memory is never reused: a chunk handed on stays valid for as long as
 * anyone holds it (a download queues up to 16 MiB of packets, stream.ts),
 * and a slab is freed by the garbage collector once nothing refers to it.
 * Handing out the tail of one buffer instead would make every kept packet
 * a use-after-overwrite. The XDR decoder copies whatever it keeps of a
 * reply (strings, opaques), so only stream data refers to slabs for long.
 *
 * Decision, measured (libvirt 9.0, 1 GiB volumes, a 2-core VM that other
 * sessions' tests kept at a load average of 4–10 throughout, December 2026).
 * Our process's CPU time per download (user + sys, medians of 9, each
 * batch alternating C / before / after):
 *
 *                      C client   before (64 KiB reads)   after (slabs)
 *   download dense     707 ms     1394 ms (user 545)      1205 ms (user 268)
 *   download sparse    103 ms      183 ms (user 73)        155 ms (user 41)
 *
 * User time halves (the copy is gone, and there are fewer, larger reads:
 * up to 256 KiB each, 40–80 KiB median under that load). sys time does not
 * fall, and rose by up to ~90 ms per GiB in some runs: fresh slabs fault
 * their pages in (minor faults 5–9 k per GiB before, 7–38 k after) once the
 * allocator has returned freed slabs to the kernel. bench:libvirt's ours/C
 * wall-time ratios under that load, medians of 6 runs before / 6 after:
 * download dense 1.05 → 0.97 (runs 0.92–1.17), download sparse 1.13 →
 * 1.25 (runs 0.42–1.85 after, 0.87–1.38 before: noise; the copy saved is
 * ~15 ms of a 128 MiB-data download), calls 1.19 / 1.17, upload sparse
 * 1.69 / 1.54, upload dense 0.97 / 1.02 (uploads unchanged by this).
 * The next cost was the sink's writes, one FileHandle.write per packet on
 * the libuv pool: now batched into one writev per up to 4 MiB queued
 * (transfer.ts, BATCH_BYTES, where its figures are). writeSync instead
 * measured 899 / 130 ms of CPU but blocks the event loop for each write,
 * which the provider shares with everything else: not done.
 *
 * The ssh transport cannot use this (its bytes come from the child's stdout,
 * a pipe Node creates and reads itself) and keeps 'data' events and the
 * decoder's copy of straddling packets.
 */
import type { OnReadOpts } from "node:net";

/** Bytes per slab. 4 MiB: one straddling packet copied per 16 packets or so. */
export const SLAB_SIZE = 4 * 1024 * 1024;
/** A tail shorter than this is left unused and the next read begins a new slab. */
export const MIN_READ = 64 * 1024;

/**
 * The `onread` option for a socket whose chunks go to `deliver`. Chunks are
 * views of slabs, valid forever: keep them, never write into them.
 */
export class ReadSlab {
  private slab: Buffer;
  private used = 0;

  constructor(
    private readonly deliver: (chunk: Buffer) => void,
    private readonly slabSize = SLAB_SIZE,
    private readonly minRead = MIN_READ,
  ) {
    this.slab = Buffer.allocUnsafeSlow(slabSize);
  }

  /** For net.createConnection({ onread }). */
  get onread(): OnReadOpts {
    return {
      buffer: () => this.next(),
      callback: (bytes, buf) => {
        this.took(bytes, buf);
        return true;
      },
    };
  }

  /** The memory for the next read: the current slab's tail, or a new slab. */
  next(): Buffer {
    if (this.slabSize - this.used < this.minRead) {
      this.slab = Buffer.allocUnsafeSlow(this.slabSize);
      this.used = 0;
    }
    return this.slab.subarray(this.used);
  }

  /** A read put `bytes` into `buf` (what next() returned last). */
  took(bytes: number, buf: Uint8Array): void {
    const chunk = Buffer.from(buf.buffer, buf.byteOffset, bytes);
    if (buf.buffer === this.slab.buffer) this.used += bytes;
    this.deliver(chunk);
  }
}
