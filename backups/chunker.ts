/**
 * Content cut into chunks as it streams in (a volume download's data and
 * holes, or a small file's bytes): CHUNK_SIZE pieces at fixed offsets, so an
 * unchanged region of a disk is the same chunk in every backup. A piece of
 * zeros (a hole, or written zeros) is stored as nothing.
 */
import type { ChunkRef, Content } from "./manifest";
import type { ChunkStore } from "./chunkStore";
import { CHUNK_SIZE, sha256 } from "./chunkStore";

export class Chunker {
  private readonly piece = Buffer.alloc(CHUNK_SIZE);
  private fill = 0;
  private zeros = true;
  private size = 0;
  private readonly chunks: ChunkRef[] = [];
  /** Bytes that were data (not zeros) and bytes newly written to the store. */
  data = 0;
  written = 0;
  /** The chunks this content added to the store (what a backup reads back to verify). */
  readonly added = new Set<string>();

  constructor(private readonly store: ChunkStore) {}

  async add(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(CHUNK_SIZE - this.fill, bytes.length - at);
      const part = bytes.subarray(at, at + n);
      this.piece.set(part, this.fill);
      if (this.zeros && !isZero(part)) this.zeros = false;
      this.fill += n;
      at += n;
      if (this.fill === CHUNK_SIZE) await this.cut();
    }
  }

  async hole(length: number | bigint): Promise<void> {
    let left = Number(length);
    while (left > 0) {
      if (this.fill === 0 && left >= CHUNK_SIZE) {
        // A whole chunk of hole: nothing to read, hash or store.
        this.chunks.push(null);
        this.size += CHUNK_SIZE;
        left -= CHUNK_SIZE;
        continue;
      }
      const n = Math.min(CHUNK_SIZE - this.fill, left);
      this.piece.fill(0, this.fill, this.fill + n);
      this.fill += n;
      left -= n;
      if (this.fill === CHUNK_SIZE) await this.cut();
    }
  }

  /** The content's chunk list, once everything was added. */
  async finish(): Promise<Content> {
    if (this.fill > 0) await this.cut();
    return { size: this.size, chunks: this.chunks };
  }

  private async cut(): Promise<void> {
    const bytes = this.piece.subarray(0, this.fill);
    this.size += this.fill;
    if (this.zeros) {
      this.chunks.push(null);
    } else {
      const hash = sha256(bytes);
      this.data += bytes.length;
      if (await this.store.put(hash, bytes)) {
        this.written += bytes.length;
        this.added.add(hash);
      }
      this.chunks.push(hash);
    }
    this.fill = 0;
    this.zeros = true;
  }
}

const ZERO_BLOCK = Buffer.alloc(64 * 1024);

function isZero(b: Uint8Array): boolean {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  for (let at = 0; at < buf.length; at += ZERO_BLOCK.length) {
    const part = buf.subarray(at, Math.min(at + ZERO_BLOCK.length, buf.length));
    if (!part.equals(ZERO_BLOCK.subarray(0, part.length))) return false;
  }
  return true;
}

/** Every chunk of `content`, in order, read back (and hash-checked) from the store. */
export async function* contentChunks(
  store: ChunkStore,
  content: Content,
): AsyncGenerator<Buffer | { hole: number }> {
  let left = content.size;
  for (const ref of content.chunks) {
    const n = Math.min(CHUNK_SIZE, left);
    left -= n;
    yield ref === null ? { hole: n } : await store.get(ref);
  }
}
