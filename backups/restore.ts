/**
 * A guest restored from a backup (manifest.ts): each disk's content
 * uploaded into a new volume (sparse; a qcow2 disk is converted from the
 * uploaded raw image by the host's libvirt), its NVRAM and TPM state written
 * back, its definition defined again.
 *
 * - As a new guest (`as`): its own name, a new UUID and new MACs (libvirt
 *   assigns them), volumes named after it, and none of deskfleet's metadata
 *   (the copy is no Pulumi resource and follows no schedule).
 * - Over itself (`force`): the guest must be shut off; its volumes and
 *   firmware state are replaced and its definition is defined again as it
 *   was, same UUID and MACs.
 * Every chunk is read back from the store against its hash before anything
 * is written to the host: a damaged backup restores nothing.
 */
import { posix } from "node:path";
import type { DomainRef, LibvirtClient } from "../libvirt";
import { DomainUndefineFlags, ignoreNotFound, uuidToString } from "../libvirt";
import { defaultNvramPath } from "../xml/nvram";
import { tpmStateDir, writeHostFolder } from "../snapshots/hostFolder";
import type { ChunkStore } from "./chunkStore";
import { contentChunks } from "./chunker";
import type { Content, Manifest } from "./manifest";
import { chunksOf } from "./manifest";

export interface RestoreOptions {
  /** Restore as a new guest of this name, beside the original. */
  as?: string;
  /** Restore over the guest itself (it must be shut off). */
  force?: boolean;
  /** A last change to the definition before it is defined (a verify's unplugged links). */
  edit?: (definition: string) => string;
  progress?: (message: string) => void;
}

/** A guest restored: shut off, and the volumes made for it. */
export interface Restored {
  dom: DomainRef;
  volumes: { pool: string; name: string }[];
}

/** Restores the backup `m` from `store` (see the header). */
export async function restoreBackup(
  conn: LibvirtClient,
  store: ChunkStore,
  m: Manifest,
  opts: RestoreOptions,
): Promise<Restored> {
  const name = opts.as ?? m.guest;
  const existing = await conn.domainLookupByName(name).catch(ignoreNotFound);
  if (existing && opts.as !== undefined) {
    throw new Error(
      `a guest named "${name}" exists already on ${conn.uri.uri}; choose another --as`,
    );
  }
  if (existing && !opts.force) {
    throw new Error(
      `guest "${name}" exists on ${conn.uri.uri}: restore it as a new guest with --as NAME, or over itself with --force (it must be shut off)`,
    );
  }
  if (existing && (await conn.domainIsActive(existing))) {
    throw new Error(`guest "${name}" is running: shut it down before restoring over it`);
  }
  opts.progress?.("checking the backup");
  for (const hash of chunksOf([m])) await store.get(hash);

  const volumes: Restored["volumes"] = [];
  try {
    return await restoreInto(conn, store, m, opts, name, volumes);
  } catch (err) {
    // A new guest half made is removed again; over itself, what was replaced is gone anyway.
    if (opts.as !== undefined) {
      const dom = await conn.domainLookupByName(name).catch(ignoreNotFound);
      await removeRestored(conn, { dom, volumes }).catch(() => undefined);
    }
    throw err;
  }
}

/** Removes a guest that was restored as a new one: its definition, firmware state and volumes. */
export async function removeRestored(
  conn: LibvirtClient,
  restored: { dom?: DomainRef; volumes: Restored["volumes"] },
): Promise<void> {
  const { dom, volumes } = restored;
  if (dom) {
    if (await conn.domainIsActive(dom)) await conn.domainDestroy(dom, 0);
    const U = DomainUndefineFlags;
    await conn.domainUndefine(
      dom,
      U.Nvram | U.Tpm | U.SnapshotsMetadata | U.ManagedSave | U.CheckpointsMetadata,
    );
  }
  for (const v of volumes) {
    const pool = await conn.storagePoolLookupByName(v.pool);
    const vol = await conn.storageVolLookupByName(pool, v.name).catch(ignoreNotFound);
    if (vol) await conn.storageVolDelete(vol, 0);
  }
}

async function restoreInto(
  conn: LibvirtClient,
  store: ChunkStore,
  m: Manifest,
  opts: RestoreOptions,
  name: string,
  volumes: Restored["volumes"],
): Promise<Restored> {
  const volumeName = (volume: string) =>
    opts.as === undefined
      ? volume
      : volume.startsWith(`${m.guest}-`)
        ? `${opts.as}-${volume.slice(m.guest.length + 1)}`
        : `${opts.as}-${volume}`;
  for (const disk of m.disks) {
    opts.progress?.(`disk ${disk.target}`);
    volumes.push({ pool: disk.pool, name: volumeName(disk.volume) });
    await restoreVolume(conn, store, disk.pool, volumeName(disk.volume), disk.format, disk);
  }
  let definition = m.definition;
  if (opts.as !== undefined) definition = asNewGuest(definition, m, opts.as, volumeName);
  if (opts.edit) definition = opts.edit(definition);
  const dom = await conn.domainDefineXml(definition, 0);
  const nvramPath =
    m.nvram !== undefined
      ? (nvramOf(definition) ?? defaultNvramPath(conn.uri.path, name))
      : undefined;
  if (m.nvram !== undefined && nvramPath !== undefined) {
    await writeHostFolder(conn, posix.dirname(nvramPath), [
      { name: posix.basename(nvramPath), bytes: await bytesOf(store, m.nvram) },
    ]);
  }
  const tpm = Object.entries(m.tpm);
  if (tpm.length > 0) {
    const files = await Promise.all(
      tpm.map(async ([file, c]) => ({ name: file, bytes: await bytesOf(store, c) })),
    );
    await writeHostFolder(conn, tpmStateDir(uuidToString(dom.uuid)), files);
  }
  return { dom, volumes };
}

async function bytesOf(store: ChunkStore, c: Content): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of contentChunks(store, c)) parts.push("hole" in p ? Buffer.alloc(p.hole) : p);
  return Buffer.concat(parts);
}

/** The disk's content as volume `name` in `poolName` (replacing one of that name). */
async function restoreVolume(
  conn: LibvirtClient,
  store: ChunkStore,
  poolName: string,
  name: string,
  format: "qcow2" | "raw",
  content: Content,
): Promise<void> {
  const pool = await conn.storagePoolLookupByName(poolName);
  const old = await conn.storageVolLookupByName(pool, name).catch(ignoreNotFound);
  if (old) await conn.storageVolDelete(old, 0);
  const rawName = format === "raw" ? name : `${name}.restoring.raw`;
  const raw = await conn.storageVolCreateXml(
    pool,
    `<volume><name>${rawName}</name><capacity unit='bytes'>${content.size}</capacity>` +
      "<allocation>0</allocation><target><format type='raw'/></target></volume>",
    0,
  );
  try {
    await conn.storageVolUploadFrom(raw, contentChunks(store, content), content.size, {
      sparse: true,
    });
    if (format === "qcow2") {
      await conn.storageVolCreateXmlFrom(
        pool,
        `<volume><name>${name}</name><capacity unit='bytes'>${content.size}</capacity>` +
          "<target><format type='qcow2'/></target></volume>",
        raw,
        0,
      );
    }
  } finally {
    if (format === "qcow2") await conn.storageVolDelete(raw, 0).catch(() => undefined);
  }
}

/** The NVRAM file a definition names, if it names one. */
function nvramOf(definition: string): string | undefined {
  return /<nvram[^>]*>([^<]+)<\/nvram>/.exec(definition)?.[1];
}

/**
 * The definition as a new guest's: its name, no UUID and no MACs (libvirt
 * gives new ones), its disks' volumes renamed, its own NVRAM file, and none
 * of deskfleet's metadata.
 */
export function asNewGuest(
  definition: string,
  m: Pick<Manifest, "guest">,
  as: string,
  volumeName: (volume: string) => string,
): string {
  return definition
    .replace(/<name>[^<]*<\/name>/, `<name>${as}</name>`)
    .replace(/\s*<uuid>[^<]*<\/uuid>/, "")
    .replace(/\s*<mac address=['"][^'"]*['"]\s*\/>/g, "")
    .replace(
      /(<source pool=['"][^'"]*['"] volume=['"])([^'"]*)(['"])/g,
      (_all, a: string, v: string, b: string) => `${a}${volumeName(v)}${b}`,
    )
    .replace(
      /(<nvram[^>]*>)([^<]*)(<\/nvram>)/,
      (_all, a, path: string, b) => `${a}${posix.join(posix.dirname(path), `${as}_VARS.fd`)}${b}`,
    )
    .replace(/\s*<(deskfleet[\w-]*):([\w-]+)\b(?:[^>]*\/>|[\s\S]*?<\/\1:\2>)/g, "")
    .replace(new RegExp(`(/var/log/libvirt/qemu/)${m.guest}(-console\\.log)`, "g"), `$1${as}$2`);
}
