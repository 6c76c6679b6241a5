/**
 * A backup's manifest: what one backup of one guest holds, as chunk lists
 * into the store (chunkStore.ts), one JSON file per backup under
 * `<target>/guests/<guest>/`. It is written last, atomically: a backup that
 * did not finish has no manifest, so it is never listed, and its chunks go
 * at the next sweep.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/** A chunk's hash, or null for a chunk of zeros (never stored). */
export type ChunkRef = string | null;

/** Content kept as chunks: `size` bytes, CHUNK_SIZE per entry (the last may be shorter). */
export interface Content {
  size: number;
  chunks: ChunkRef[];
}

export interface DiskBackup extends Content {
  /** The disk's target in the guest (`vda`). */
  target: string;
  /** Where it was: its pool and volume, and the volume's format. */
  pool: string;
  volume: string;
  format: "qcow2" | "raw";
}

export interface Manifest {
  version: 1;
  guest: string;
  uuid: string;
  /** When it was taken, ISO 8601 UTC. */
  time: string;
  /** Full: no chunk was in the store before; incremental: only changed chunks were written. */
  kind: "full" | "incremental";
  /** Whether the guest ran (copied by QEMU at one point in time) and was frozen through its agent. */
  consistency: "shut off" | "running, filesystems frozen" | "running, crash-consistent";
  /** Its definition (with secrets: a restore defines it again). */
  definition: string;
  disks: DiskBackup[];
  /** The UEFI variables, where the guest has them. */
  nvram?: Content;
  /** swtpm's state files, by name. */
  tpm: Record<string, Content>;
  /** Bytes of content, bytes that held data, bytes written to the store by this backup. */
  bytes: { content: number; data: number; written: number };
  /** Every chunk it names was read back from the store and matched its hash. */
  verified: boolean;
  /** The schedule types it serves (daily, weekly, …), for pruning. */
  types: string[];
}

/** `2026-12-05T02:30:00.000Z` → `2026-12-05T02-30-00Z.json` (a name every filesystem takes). */
export function manifestFile(time: string): string {
  return `${time.slice(0, 19).replace(/:/g, "-")}Z.json`;
}

const guestDir = (root: string, guest: string) => join(root, "guests", guest);

export async function writeManifest(root: string, m: Manifest): Promise<string> {
  const dir = guestDir(root, m.guest);
  await mkdir(dir, { recursive: true });
  const path = join(dir, manifestFile(m.time));
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const file = await open(tmp, "w");
  try {
    await file.writeFile(`${JSON.stringify(m, null, 1)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  return path;
}

/** Every finished backup, of `guest` or of all guests, oldest first. */
export async function listManifests(root: string, guest?: string): Promise<Manifest[]> {
  const guests =
    guest !== undefined ? [guest] : await readdir(join(root, "guests")).catch(() => [] as string[]);
  const found: Manifest[] = [];
  for (const g of guests) {
    const dir = guestDir(root, g);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.endsWith(".json")) continue; // `.tmp`: a backup that did not finish
      found.push(JSON.parse(await readFile(join(dir, name), "utf8")) as Manifest);
    }
  }
  return found.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

export async function deleteManifest(root: string, m: Manifest): Promise<void> {
  await rm(join(guestDir(root, m.guest), manifestFile(m.time)), { force: true });
}

/** Every chunk the manifests name. */
export function chunksOf(manifests: readonly Manifest[]): Set<string> {
  const all = new Set<string>();
  for (const m of manifests) {
    for (const c of [...m.disks, ...(m.nvram ? [m.nvram] : []), ...Object.values(m.tpm)]) {
      for (const ref of c.chunks) if (ref !== null) all.add(ref);
    }
  }
  return all;
}
