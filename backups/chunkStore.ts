/**
 * A content-addressed store of chunks in a directory where the backup runs:
 * each distinct 4 MiB piece of a guest's content is kept once, under its
 * SHA-256, however many backups (of however many guests) hold it. A backup
 * after the first writes only the chunks that changed since (Proxmox Backup
 * Server's way), without libvirt checkpoints, which break deskfleet's
 * snapshot reverts (backups/README.md).
 *
 * Writes are atomic (a temporary file renamed into place), so a chunk that
 * exists is whole; reads check the hash, so a damaged chunk is found, never
 * restored.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Bytes per chunk, at fixed offsets of the content. */
export const CHUNK_SIZE = 4 * 1024 * 1024;

/** fsyncs at once in flush. */
const FLUSH_IN_FLIGHT = 16;

async function fsyncPath(path: string): Promise<void> {
  const file = await open(path, "r");
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class ChunkStore {
  constructor(readonly root: string) {}

  private path(hash: string): string {
    return join(this.root, "chunks", hash.slice(0, 2), hash);
  }

  async has(hash: string): Promise<boolean> {
    return stat(this.path(hash)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Stores `bytes` under `hash` unless it is there; whether it was written.
   * Not yet durable: `flush` the chunks a backup wrote before its manifest.
   */
  async put(hash: string, bytes: Uint8Array): Promise<boolean> {
    if (await this.has(hash)) return false;
    const path = this.path(hash);
    await mkdir(join(path, ".."), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    return true;
  }

  /**
   * Makes `hashes` durable (fsync), several at once: one fsync per chunk as it
   * was written made a full backup's 256 chunks per GiB wait on the disk one by one.
   */
  async flush(hashes: Iterable<string>): Promise<void> {
    const all = [...hashes];
    const dirs = new Set(all.map((h) => join(this.path(h), "..")));
    for (let i = 0; i < all.length; i += FLUSH_IN_FLIGHT) {
      await Promise.all(all.slice(i, i + FLUSH_IN_FLIGHT).map((h) => fsyncPath(this.path(h))));
    }
    // The renames too: a directory's entries are durable once the directory is synced.
    for (const dir of dirs) await fsyncPath(dir);
  }

  /** The chunk's bytes; throws, naming it, when it is missing or no longer matches its hash. */
  async get(hash: string): Promise<Buffer> {
    const bytes = await readFile(this.path(hash)).catch((err: unknown) => {
      throw new Error(`backup chunk ${hash} is missing from ${this.root}`, { cause: err });
    });
    if (sha256(bytes) !== hash) {
      throw new Error(
        `backup chunk ${hash} in ${this.root} is damaged (its content no longer matches its hash)`,
      );
    }
    return bytes;
  }

  /** Deletes every chunk not in `keep` (and leftover temporary files); how many and bytes. */
  async sweep(keep: ReadonlySet<string>): Promise<{ chunks: number; bytes: number }> {
    const dir = join(this.root, "chunks");
    let chunks = 0;
    let bytes = 0;
    for (const sub of await readdir(dir).catch(() => [] as string[])) {
      for (const name of await readdir(join(dir, sub))) {
        if (keep.has(name)) continue;
        const path = join(dir, sub, name);
        bytes += (await stat(path)).size;
        await rm(path, { force: true });
        if (!name.endsWith(".tmp")) chunks++;
      }
    }
    return { chunks, bytes };
  }
}
