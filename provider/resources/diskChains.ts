/**
 * Which declared volume each of a guest's disks writes through. External
 * snapshots (snapshots/mode.ts) put overlay files above a guest's pool
 * volumes, so its definition names a file where deskfleet wrote a volume. A
 * file whose backing chain reaches the declared volume is that volume (no
 * phantom diff, and a redefinition keeps the overlay, never the data written
 * since the snapshot); a file that does not is drift, shown as a change.
 *
 * libvirt shows a running guest's whole chain; a shut-off guest's definition
 * may show none (after a revert), so the chain is then walked through the
 * pool's own view of each file's backing file.
 */
import type { LibvirtClient } from "../../libvirt";
import { ListAllStoragePoolsFlags } from "../../libvirt";
import type { DiskModel, ParsedDisk } from "../../xml/domain";
import { parseVolumeXml } from "../../xml/volume";
import { ignoreNotFound } from "../kind";

/** Longer chains than this are not deskfleet's (a schedule keeps far fewer snapshots). */
const MAX_CHAIN = 256;

export async function resolveDisks(
  conn: LibvirtClient,
  disks: readonly ParsedDisk[],
  declared: readonly Pick<DiskModel, "pool" | "volume">[],
): Promise<DiskModel[]> {
  const resolved: DiskModel[] = [];
  for (const [i, disk] of disks.entries()) {
    const { pool, format, overlay, backingFiles, slot } = disk;
    const at = slot !== undefined ? { slot } : {};
    if (overlay === undefined || pool !== "") {
      const { volume } = disk;
      resolved.push({ pool, volume, format, ...(overlay !== undefined ? { overlay } : {}), ...at });
      continue;
    }
    // Nothing declared (Pulumi's import): a file that is a pool's volume is that volume.
    const itself =
      declared[i] !== undefined
        ? undefined
        : await conn.storageVolLookupByPath(overlay).catch(ignoreNotFound);
    if (itself && !backingFiles?.length) {
      resolved.push({ pool: itself.pool, volume: itself.name, format, ...at });
      continue;
    }
    // The declared disk at the same place first, then any other: the file may sit anywhere.
    const candidates = [declared[i], ...declared.filter((_, j) => j !== i)].filter(
      (d) => d !== undefined,
    );
    let found: DiskModel | undefined;
    for (const want of candidates) {
      const path = await volumePath(conn, want);
      if (path === undefined) continue;
      if (overlay === path) {
        // The volume itself, named by its path (after every snapshot above it was merged back).
        found = { pool: want.pool, volume: want.volume, format, ...at };
      } else if (backingFiles?.includes(path) || (await chainReaches(conn, overlay, path))) {
        found = { pool: want.pool, volume: want.volume, format, overlay, ...at };
      }
      if (found) break;
    }
    resolved.push(found ?? { pool: "", volume: overlay, format, ...at });
  }
  return resolved;
}

async function volumePath(
  conn: LibvirtClient,
  d: Pick<DiskModel, "pool" | "volume">,
): Promise<string | undefined> {
  const pool = await conn.storagePoolLookupByName(d.pool).catch(ignoreNotFound);
  if (!pool) return undefined;
  const vol = await conn.storageVolLookupByName(pool, d.volume).catch(ignoreNotFound);
  return vol ? conn.storageVolGetPath(vol) : undefined;
}

/** Whether `path` is down the backing chain of `file`, as the host's pools see the files. */
async function chainReaches(conn: LibvirtClient, file: string, path: string): Promise<boolean> {
  let refreshed = false;
  let current = file;
  for (let step = 0; step < MAX_CHAIN; step++) {
    let vol = await conn.storageVolLookupByPath(current).catch(ignoreNotFound);
    if (!vol && !refreshed) {
      // libvirt made the overlay behind its pool's back: a refresh lists it.
      refreshed = true;
      for (const pool of await conn.listAllStoragePools(ListAllStoragePoolsFlags.Active)) {
        await conn.storagePoolRefresh(pool, 0).catch(() => undefined);
      }
      vol = await conn.storageVolLookupByPath(current).catch(ignoreNotFound);
    }
    if (!vol) return false;
    const backing = parseVolumeXml(await conn.storageVolGetXmlDesc(vol, 0)).backingPath;
    if (backing === undefined) return false;
    if (backing === path) return true;
    current = backing;
  }
  return false;
}
