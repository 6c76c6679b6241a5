/**
 * Reads of a net.Socket (unix, tcp) into slabs of our own, through the
 * socket's `onread` option, so that a download's packets reach the stream
 * without a copy.
 *
 * Why: Node's own reads are at most 64 KiB, each into fresh memory, while
 * the daemon sends stream data in packets of 262,172 bytes. Nearly every
 * packet straddled five reads, and FrameDecoder (framing.ts) copied each
 * into one buffer: a copy of the whole download, about 100–130 ms per GiB,
 * the most of what kept downloads above 1.2× libvirt's C client.
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
 * Decision, measured (bench:libvirt, 1 GiB, libvirt 9.0, 2-core VM shared
 * with other work, medians of 3 runs of 5): see libvirt/README.md
 * ("Downloads and reads"), where the figures are kept.
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
