/**
 * npm run bench:backup — one guest's backups against a plain copy, in one
 * run, on the system daemon: a shut-off guest with a 1 GiB raw disk of random
 * data (nothing to deduplicate, no holes) is backed up (full), then 64 MiB of
 * it is overwritten with new random data and it is backed up again
 * (incremental). The plain copy is `cp --sparse=always` of the same disk file
 * followed by `sync`, timed in the same run, after the same `sync`. A backup
 * includes what makes it one: the stream of the whole disk to this process
 * (a shut-off guest's raw disk is read as it is; a qcow2 disk would add the
 * host's flattening clone), hashing every chunk, the store's writes (fsynced)
 * and the read-back of what it wrote. An incremental backup still reads and
 * hashes the whole disk: the price of not using libvirt checkpoints
 * (backups/README.md). Not a test: nothing is asserted.
 * Objects: test-bench-backup*, removed afterwards.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LibvirtClient, StoragePoolBuildFlags } from "../libvirt";
import type { DomainRef, StoragePoolRef } from "../libvirt";
import { ChunkStore } from "../backups/chunkStore";
import { takeBackup } from "../backups/take";

const URI = process.env.LIBVIRT_URI ?? "qemu:///system";
const NAME = "test-bench-backup";
const MiB = 1024 ** 2;
const DISK = 1024 * MiB;
const CHANGED = 64 * MiB;

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const settle = () => execFileSync("sync");

/** Writes `length` random bytes into `path` at `offset`, in 16 MiB pieces. */
function writeRandom(path: string, offset: number, length: number): void {
  const fd = openSync(path, "r+");
  try {
    for (let done = 0; done < length; done += 16 * MiB) {
      writeSync(fd, randomBytes(Math.min(16 * MiB, length - done)), 0, undefined, offset + done);
    }
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  const lv = await LibvirtClient.connect(URI);
  const work = mkdtempSync(join(tmpdir(), NAME));
  chmodSync(work, 0o755);
  const poolDir = join(work, "pool");
  const storeDir = join(work, "store");
  let dom: DomainRef | undefined;
  let pool: StoragePoolRef | undefined;
  try {
    pool = await lv.storagePoolDefineXml(
      `<pool type='dir'><name>${NAME}</name><target><path>${poolDir}</path></target></pool>`,
    );
    await lv.storagePoolBuild(pool, StoragePoolBuildFlags.New);
    await lv.storagePoolCreate(pool);
    await lv.storageVolCreateXml(
      pool,
      `<volume><name>disk.raw</name><capacity unit='bytes'>${DISK}</capacity>` +
        "<target><format type='raw'/></target></volume>",
    );
    const disk = join(poolDir, "disk.raw");
    writeRandom(disk, 0, DISK);
    const guest = await lv.domainDefineXml(
      `<domain type='qemu'><name>${NAME}</name><memory unit='MiB'>64</memory>` +
        "<os><type arch='x86_64'>hvm</type></os><devices>" +
        `<disk type='volume' device='disk'><driver name='qemu' type='raw'/><source pool='${NAME}' volume='disk.raw'/><target dev='vda' bus='virtio'/></disk>` +
        "</devices></domain>",
    );
    dom = guest;
    const store = new ChunkStore(storeDir);
    const backup = async (at: number) => {
      settle();
      const t0 = performance.now();
      const m = await takeBackup(lv, guest, {
        store,
        root: storeDir,
        now: new Date(at),
        types: [],
      });
      return { s: seconds(t0), written: m.bytes.written };
    };

    settle();
    const t0 = performance.now();
    execFileSync("cp", ["--sparse=always", disk, join(work, "copy.raw")]);
    settle();
    const copy = seconds(t0);
    rmSync(join(work, "copy.raw"));

    const full = await backup(Date.UTC(2030, 0, 1));
    writeRandom(disk, 512 * MiB, CHANGED);
    const incremental = await backup(Date.UTC(2030, 0, 2));

    console.log(
      `plain copy ${copy.toFixed(2)} s; full backup ${full.s.toFixed(2)} s (${(full.written / MiB).toFixed(0)} MiB written); ` +
        `incremental ${incremental.s.toFixed(2)} s (${(incremental.written / MiB).toFixed(0)} MiB written)`,
    );
    console.log(
      `backup: full 1 GiB = ${full.s.toFixed(2)} s (${(full.s / copy).toFixed(2)}× a plain copy); ` +
        `incremental after 64 MiB written = ${incremental.s.toFixed(2)} s`,
    );
  } finally {
    if (dom) await lv.domainUndefine(dom).catch(() => undefined);
    if (pool) {
      for (const v of await lv.storagePoolListAllVolumes(pool).catch(() => [])) {
        await lv.storageVolDelete(v).catch(() => undefined);
      }
      await lv.storagePoolDestroy(pool).catch(() => undefined);
      await lv.storagePoolUndefine(pool).catch(() => undefined);
    }
    await lv.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
