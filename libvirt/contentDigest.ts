/**
 * A digest of a volume's content that does not depend on how a stream cut
 * it: holes count as the zeros they read as, and zeros sent as data count
 * the same as holes. So a copy can be verified by comparing the digest of
 * what was read from the source with the digest of what the target gives
 * back, though the target may store (and return) holes where the source had
 * written zeros, and packets of other sizes.
 *
 * The content is taken in BLOCK-sized pieces at fixed offsets; each piece
 * that is not all zeros goes into SHA-256 with its offset, and the length
 * ends it.
 */
import { createHash } from "node:crypto";
import type { Hash } from "node:crypto";

const BLOCK = 64 * 1024;
const ZEROS = Buffer.alloc(BLOCK);

export class ContentDigest {
  private readonly hash: Hash = createHash("sha256");
  /** Bytes of content taken so far. */
  private length = 0;
  /** The piece being filled: its first `fill` bytes are content from offset `length - fill`. */
  private readonly piece = Buffer.alloc(BLOCK);
  private fill = 0;

  /** Bytes taken so far (holes included). */
  get bytes(): number {
    return this.length;
  }

  data(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.fill === 0 && chunk.length - at >= BLOCK) {
        this.take(chunk.subarray(at, at + BLOCK), this.length);
        at += BLOCK;
        this.length += BLOCK;
        continue;
      }
      const n = Math.min(BLOCK - this.fill, chunk.length - at);
      this.piece.set(chunk.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
      this.length += n;
      if (this.fill === BLOCK) this.flush();
    }
  }

  hole(length: number | bigint): void {
    let left = Number(length);
    if (this.fill > 0) {
      const n = Math.min(BLOCK - this.fill, left);
      this.piece.fill(0, this.fill, this.fill + n);
      this.fill += n;
      this.length += n;
      left -= n;
      if (this.fill === BLOCK) this.flush();
    }
    // Whole pieces of zeros add nothing; the rest starts the next piece.
    const whole = left - (left % BLOCK);
    this.length += whole;
    left -= whole;
    if (left > 0) {
      this.piece.fill(0, 0, left);
      this.fill = left;
      this.length += left;
    }
  }

  /** The digest, hex; the object is finished after it. */
  digest(): string {
    if (this.fill > 0) {
      this.take(this.piece.subarray(0, this.fill), this.length - this.fill);
      this.fill = 0;
    }
    const end = Buffer.alloc(8);
    end.writeBigUInt64BE(BigInt(this.length));
    return this.hash.update(end).digest("hex");
  }

  private flush(): void {
    this.take(this.piece, this.length - BLOCK);
    this.fill = 0;
  }

  private take(bytes: Uint8Array, offset: number): void {
    if (
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(
        ZEROS.subarray(0, bytes.length),
      )
    )
      return;
    const at = Buffer.alloc(8);
    at.writeBigUInt64BE(BigInt(offset));
    this.hash.update(at);
    this.hash.update(bytes);
  }
}
