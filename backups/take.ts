/**
 * One backup of one guest into a chunk store (chunkStore.ts): its
 * definition, every disk's content, its NVRAM and its TPM state, verified,
 * then its manifest (manifest.ts).
 *
 * Verified: every chunk it wrote is read back against its hash (the chunks
 * it shares with earlier backups were, when those wrote them).
 *
 * Each disk's content is taken flattened (what the guest sees through its
 * whole backing chain) as a raw, sparse image on the host, then streamed
 * here and cut into chunks:
 * - a running guest: QEMU's push-mode backup (libvirt's backup API) writes a
 *   point-in-time copy while the guest runs on. No checkpoint is made: a
 *   checkpoint's dirty bitmap makes QEMU refuse to revert an internal
 *   snapshot (measured on libvirt 11.3 / QEMU 10.0, backups/README.md), and
 *   deskfleet reverts to them. A guest with an agent has its filesystems
 *   frozen for the moment the copy starts;
 * - a shut-off guest: a clone of each disk by the host's libvirt
 *   (`qemu-img convert`), which flattens the chain.
 * A backup that may not fit (in the store, or in a pool for a temporary
 * image) is refused before anything is made (space.ts).
 * The temporary images are removed whatever happens; a failed backup writes
 * no manifest (its chunks go at the next sweep) and leaves the guest as it
 * was. A runner killed half way leaves its images (and maybe QEMU's job):
 * the next backup into the same store clears them first (the caller holds
 * the store's lock, storeLock.ts).
 */
import { mkdir, statfs } from "node:fs/promises";
import { posix } from "node:path";
import type { DomainRef, LibvirtClient, StoragePoolRef, StorageVolRef } from "../libvirt";
import { DomainJobStatsFlags, DomainJobType, DomainXmlFlags, ignoreNotFound } from "../libvirt";
import { parseDomainXml } from "../xml/domain";
import type { ParsedDisk, ParsedDomain } from "../xml/domain";
import { defaultNvramPath } from "../xml/nvram";
import { parsePoolXml } from "../xml/pool";
import { readHostFolder, tpmStateDir } from "../snapshots/hostFolder";
import { parseVolumeXml } from "../xml/volume";
import { spaceProblem } from "./space";
import { storeId } from "./storeLock";
import type { ChunkStore } from "./chunkStore";
import { Chunker } from "./chunker";
import type { Content, DiskBackup, Manifest } from "./manifest";
import { chunksOf, writeManifest } from "./manifest";

/** How often a running backup job is asked whether it ended. */
const POLL_MS = 200;

export interface TakeOptions {
  store: ChunkStore;
  /** The store's directory (manifests go under it). */
  root: string;
  now: Date;
  /** The schedule types this backup serves (for pruning); [] for a backup by hand. */
  types: string[];
  progress?: (message: string) => void;
}

interface DiskSource {
  disk: ParsedDisk & { target: string };
  pool: StoragePoolRef;
  poolPath: string;
}

/** Takes one backup of `dom` (see the header) and returns its manifest, written. */
export async function takeBackup(
  conn: LibvirtClient,
  dom: DomainRef,
  opts: TakeOptions,
): Promise<Manifest> {
  const definition = await conn.domainGetXmlDesc(
    dom,
    DomainXmlFlags.Inactive | DomainXmlFlags.Secure,
  );
  const parsed = parseDomainXml(definition);
  const sources = await diskSources(conn, parsed);
  const running = await conn.domainIsActive(dom);
  await checkSpace(conn, parsed.name, sources, opts.root);
  const id = await storeId(opts.root);
  const temps = sources.map((s) => `deskfleet-backup-${parsed.name}-${s.disk.target}-${id}.raw`);
  await clearLeftovers(conn, dom, running, sources, temps);
  let consistency: Manifest["consistency"] = "shut off";
  let data = 0;
  let written = 0;
  const added = new Set<string>();
  const disks: DiskBackup[] = [];
  try {
    if (running) consistency = await pushBackup(conn, dom, parsed, sources, temps);
    for (const [i, source] of sources.entries()) {
      opts.progress?.(`disk ${source.disk.target}`);
      const vol = running
        ? await refreshed(conn, source.pool, temps[i])
        : await shutOffContent(conn, source, temps[i]);
      const chunker = new Chunker(opts.store);
      await conn.storageVolDownloadTo(
        vol,
        { data: (c) => chunker.add(c), hole: (n) => chunker.hole(n) },
        { sparse: true },
      );
      const content = await chunker.finish();
      data += chunker.data;
      written += chunker.written;
      for (const hash of chunker.added) added.add(hash);
      const { pool, volume, format, target } = source.disk;
      disks.push({ target, pool, volume, format, ...content });
    }
  } finally {
    for (const [i, source] of sources.entries()) {
      const vol = await conn.storageVolLookupByName(source.pool, temps[i]).catch(ignoreNotFound);
      if (vol) await conn.storageVolDelete(vol, 0).catch(() => undefined);
    }
  }
  const firmware = await firmwareState(conn, parsed, opts.store);
  data += firmware.data;
  written += firmware.written;
  for (const hash of firmware.added) added.add(hash);
  const manifest: Manifest = {
    version: 1,
    guest: parsed.name,
    uuid: parsed.uuid,
    time: opts.now.toISOString(),
    kind: written >= data ? "full" : "incremental",
    consistency,
    definition,
    disks,
    ...(firmware.nvram ? { nvram: firmware.nvram } : {}),
    tpm: firmware.tpm,
    bytes: { content: disks.reduce((n, d) => n + d.size, 0), data, written },
    verified: false,
    types: opts.types,
  };
  // What this backup wrote is read back against its hash; what it shares with earlier backups
  // was verified when they wrote it, and must still be there.
  opts.progress?.("verifying");
  for (const hash of chunksOf([manifest])) {
    if (added.has(hash)) await opts.store.get(hash);
    else if (!(await opts.store.has(hash)))
      throw new Error(`backup chunk ${hash} vanished from ${opts.root} during the backup`);
  }
  manifest.verified = true;
  await opts.store.flush(added);
  await writeManifest(opts.root, manifest);
  return manifest;
}

/**
 * What a runner into this store that was killed left on the host: QEMU's
 * backup job still writing its temporary images, or the images. The caller
 * holds the store's lock, and the images bear the store's id, so they are no
 * live runner's: the job is stopped and the images deleted. A backup job
 * that writes elsewhere (another store's runner) is left alone; libvirt then
 * refuses to start ours, and says so.
 */
async function clearLeftovers(
  conn: LibvirtClient,
  dom: DomainRef,
  running: boolean,
  sources: readonly DiskSource[],
  temps: readonly string[],
): Promise<void> {
  if (running && (await conn.domainGetJobInfo(dom)).type !== DomainJobType.None) {
    const job = await conn.domainBackupGetXmlDesc(dom).catch(() => "");
    if (temps.some((t) => job.includes(t))) {
      await conn.domainAbortJob(dom).catch(() => undefined);
      while ((await conn.domainGetJobInfo(dom)).type !== DomainJobType.None) {
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    }
  }
  for (const pool of new Map(sources.map((s) => [s.pool.name, s.pool])).values()) {
    await conn.storagePoolRefresh(pool);
  }
  for (const [i, source] of sources.entries()) {
    const vol = await conn.storageVolLookupByName(source.pool, temps[i]).catch(ignoreNotFound);
    if (vol) await conn.storageVolDelete(vol, 0);
  }
}

/**
 * Refuses a backup that may not fit (space.ts): in the store, or in a pool
 * that takes a disk's temporary image. Checked before anything is made.
 */
async function checkSpace(
  conn: LibvirtClient,
  guest: string,
  sources: readonly DiskSource[],
  root: string,
): Promise<void> {
  const perPool = new Map<string, { pool: StoragePoolRef; need: number }>();
  let total = 0;
  for (const { disk, pool } of sources) {
    const vol =
      disk.overlay !== undefined
        ? await conn.storageVolLookupByPath(disk.overlay)
        : await conn.storageVolLookupByName(pool, disk.volume);
    let need = Number((await conn.storageVolGetInfo(vol)).allocation);
    const backing = parseVolumeXml(await conn.storageVolGetXmlDesc(vol, 0)).backingPath;
    const base = backing && (await conn.storageVolLookupByPath(backing).catch(ignoreNotFound));
    if (base) need += Number((await conn.storageVolGetInfo(base)).allocation);
    total += need;
    const entry = perPool.get(pool.name) ?? { pool, need: 0 };
    entry.need += need;
    perPool.set(pool.name, entry);
  }
  await mkdir(root, { recursive: true });
  const fs = await statfs(root);
  const problems = [spaceProblem(`the backup store ${root}`, fs.bavail * fs.bsize, total)];
  for (const { pool, need } of perPool.values()) {
    const { available } = await conn.storagePoolGetInfo(pool);
    problems.push(spaceProblem(`pool "${pool.name}" on ${conn.uri.uri}`, Number(available), need));
  }
  const found = problems.filter((p) => p !== undefined);
  if (found.length > 0) {
    throw new Error(`not enough room for a backup of guest "${guest}": ${found.join("; ")}`);
  }
}

/** Each disk's pool and the pool's folder (where the temporary images go). */
async function diskSources(conn: LibvirtClient, dom: ParsedDomain): Promise<DiskSource[]> {
  const sources: DiskSource[] = [];
  for (const disk of dom.disks) {
    if (disk.target === undefined || disk.pool === "") {
      throw new Error(
        `disk ${disk.target ?? disk.volume} of guest "${dom.name}" is not a pool volume; deskfleet backs up pool volumes only`,
      );
    }
    const pool = await conn.storagePoolLookupByName(disk.pool);
    const poolPath = parsePoolXml(await conn.storagePoolGetXmlDesc(pool, 0)).path;
    sources.push({ disk: { ...disk, target: disk.target }, pool, poolPath });
  }
  return sources;
}

/**
 * QEMU's point-in-time copy of every disk of the running guest into
 * `temps` (raw) beside its volume, frozen through its agent when it has one;
 * returns once the job has completed.
 */
async function pushBackup(
  conn: LibvirtClient,
  dom: DomainRef,
  parsed: ParsedDomain,
  sources: readonly DiskSource[],
  temps: readonly string[],
): Promise<Manifest["consistency"]> {
  const disks = sources
    .map(
      (s, i) =>
        `<disk name='${s.disk.target}' type='file'><target file='${posix.join(s.poolPath, temps[i])}'/>` +
        "<driver type='raw'/></disk>",
    )
    .join("");
  const xml = `<domainbackup mode='push'><disks>${disks}</disks></domainbackup>`;
  const frozen =
    parsed.guestAgent &&
    (await conn.domainFsFreeze(dom).then(
      () => true,
      () => false,
    ));
  try {
    await conn.domainBackupBegin(dom, xml, null, 0);
  } finally {
    if (frozen) await conn.domainFsThaw(dom).catch(() => undefined);
  }
  try {
    for (;;) {
      const job = await conn.domainGetJobInfo(dom);
      if (job.type === DomainJobType.None) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } catch (err) {
    await conn.domainAbortJob(dom).catch(() => undefined);
    throw err;
  }
  const outcome = await conn.domainGetJobStatsType(dom, DomainJobStatsFlags.Completed);
  if (outcome !== DomainJobType.Completed) {
    throw new Error(
      `QEMU's backup job of guest "${parsed.name}" ended without completing (job type ${outcome})`,
    );
  }
  return frozen ? "running, filesystems frozen" : "running, crash-consistent";
}

/** The volume `name` of `pool`, after the pool noticed a file QEMU wrote into its folder. */
async function refreshed(
  conn: LibvirtClient,
  pool: StoragePoolRef,
  name: string,
): Promise<StorageVolRef> {
  await conn.storagePoolRefresh(pool);
  return conn.storageVolLookupByName(pool, name);
}

/**
 * What a shut-off guest's disk holds: a raw volume it writes to directly is
 * read as it is; anything else (qcow2, or under an external snapshot's
 * overlay) through a flattened raw clone.
 */
async function shutOffContent(
  conn: LibvirtClient,
  source: DiskSource,
  name: string,
): Promise<StorageVolRef> {
  const { disk, pool } = source;
  if (disk.format === "raw" && disk.overlay === undefined) {
    return conn.storageVolLookupByName(pool, disk.volume);
  }
  return flattenedClone(conn, source, name);
}

/** A flattened raw clone of a shut-off guest's disk (what it writes through: an overlay, if any). */
async function flattenedClone(
  conn: LibvirtClient,
  source: DiskSource,
  name: string,
): Promise<StorageVolRef> {
  const { disk, pool } = source;
  const from =
    disk.overlay !== undefined
      ? await conn.storageVolLookupByPath(disk.overlay)
      : await conn.storageVolLookupByName(pool, disk.volume);
  const { capacity } = await conn.storageVolGetInfo(from);
  const xml =
    `<volume><name>${name}</name><capacity unit='bytes'>${capacity}</capacity>` +
    "<allocation>0</allocation><target><format type='raw'/></target></volume>";
  return conn.storageVolCreateXmlFrom(pool, xml, from, 0);
}

/** Its NVRAM and TPM state, as chunks. */
async function firmwareState(
  conn: LibvirtClient,
  dom: ParsedDomain,
  store: ChunkStore,
): Promise<{
  nvram?: Content;
  tpm: Record<string, Content>;
  data: number;
  written: number;
  added: Set<string>;
}> {
  let data = 0;
  let written = 0;
  const added = new Set<string>();
  const keep = async (bytes: Buffer): Promise<Content> => {
    const chunker = new Chunker(store);
    await chunker.add(bytes);
    const content = await chunker.finish();
    data += chunker.data;
    written += chunker.written;
    for (const hash of chunker.added) added.add(hash);
    return content;
  };
  const nvramPath =
    dom.firmware === "uefi" ? (dom.nvram ?? defaultNvramPath(conn.uri.path, dom.name)) : undefined;
  let nvram: Content | undefined;
  if (nvramPath !== undefined) {
    const base = posix.basename(nvramPath);
    const [file] = await readHostFolder(conn, posix.dirname(nvramPath), (n) => n === base);
    if (file) nvram = await keep(file.bytes);
  }
  const tpm: Record<string, Content> = {};
  if (dom.tpm && conn.uri.path === "/system") {
    for (const file of await readHostFolder(conn, tpmStateDir(dom.uuid))) {
      tpm[file.name] = await keep(file.bytes);
    }
  }
  return { ...(nvram ? { nvram } : {}), tpm, data, written, added };
}
