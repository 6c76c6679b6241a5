/**
 * Rebuilding a guest from its image (`rebuild:` raised, or a disk pointed at
 * another image): each of its overlay disks is made anew on its base while
 * the guest is off. A new overlay costs the same whatever the image's size,
 * so a rebuild takes the time of one graceful restart. The guest stays the
 * same guest: its other disks, UUID, MACs, NVRAM and TPM state are untouched.
 *
 * Its snapshots are deleted first: an internal snapshot lives inside every
 * disk it covers, the rebuilt ones included, so none could be reverted to
 * afterwards (external ones are merged back into the disks, so the disks
 * that stay keep what was written since). The preview says which.
 */
import type { DomainRef, LibvirtClient } from "../../libvirt";
import { DomainSnapshotListFlags } from "../../libvirt";
import { sameVolume } from "../../xml/domain";
import { buildVolumeXml, parseVolumeXml } from "../../xml/volume";
import { dropNvram } from "../../snapshots/nvramCopy";
import { doing, ignoreNotFound } from "../kind";
import { noteOverlay } from "./backingUsers";
import { shutDownGracefully } from "../../guests/lifecycle";

export interface DiskWithBase {
  pool: string;
  volume: string;
  base?: string;
}

/** A disk to make anew, on `base` (a volume of its pool). */
export interface DiskToRebuild {
  pool: string;
  volume: string;
  base: string;
}

/**
 * The overlay disks `news` rebuilds: all of them when `rebuild` was raised,
 * else those whose base changed. A disk new to the guest is made by its
 * Volume, not rebuilt.
 */
export function disksToRebuild(
  olds: { rebuild?: number; disks?: readonly DiskWithBase[] },
  news: { rebuild: number; disks: readonly DiskWithBase[] },
): DiskToRebuild[] {
  const raised = news.rebuild > (olds.rebuild ?? 0);
  return news.disks.flatMap(({ pool, volume, base }) => {
    const before = (olds.disks ?? []).find(sameVolume({ pool, volume }));
    if (base === undefined || before === undefined) return [];
    const newBase = before.base !== undefined && before.base !== base;
    return raised || newBase ? [{ pool, volume, base }] : [];
  });
}

/** A disk to rebuild in the preview's and the policies' words: `pool/volume from base`. */
export function rebuildWords(d: DiskToRebuild): string {
  return `${d.pool}/${d.volume} from ${d.base}`;
}

/** The preview's words for a rebuild. */
export function rebuildNote(
  name: string,
  disks: readonly DiskToRebuild[],
  snapshots: readonly string[],
  restarts: boolean,
): string {
  const what = disks.map(rebuildWords).join(", ");
  const restart = restarts ? "; the guest restarts gracefully" : "";
  const lost =
    snapshots.length > 0
      ? `; its snapshots ${snapshots.join(", ")} are deleted (they hold the old disks)`
      : "";
  return `rebuild ${name}: ${what} made anew (its other disks, UUID, MACs, NVRAM and TPM state kept${restart}${lost})`;
}

/** Rebuilds `disks` of the guest (see the header); it is left shut off. */
export async function rebuildDisks(
  conn: LibvirtClient,
  dom: DomainRef,
  disks: readonly DiskToRebuild[],
  guest: { shutdownTimeout: number; guestAgent: boolean },
): Promise<void> {
  // Everything that can refuse is asked before anything is changed.
  const plans = [];
  for (const disk of disks) {
    const pool = await conn.storagePoolLookupByName(disk.pool);
    const base = await conn.storageVolLookupByName(pool, disk.base).catch(ignoreNotFound);
    if (!base) throw new Error(`its base ${disk.pool}/${disk.base} is not on the host`);
    const baseXml = parseVolumeXml(await conn.storageVolGetXmlDesc(base, 0));
    const old = await conn.storageVolLookupByName(pool, disk.volume).catch(ignoreNotFound);
    const oldCapacity = old ? Number((await conn.storageVolGetInfo(old)).capacity) : 0;
    plans.push({ disk, pool, old, baseXml, capacity: Math.max(oldCapacity, baseXml.capacity) });
  }
  await shutDownGracefully(conn, dom, guest.shutdownTimeout, guest.guestAgent);
  const snapshots = await conn.domainListAllSnapshots(dom, 0);
  // External ones first, through libvirt: what the guest wrote since, on the disks that stay,
  // is merged back into them.
  await mergeExternalSnapshots(conn, dom);
  await dropNvram(
    conn,
    dom,
    snapshots.map((s) => s.name),
  );
  for (const snap of snapshots) await conn.domainSnapshotDelete(snap, 0).catch(ignoreNotFound);
  for (const { disk, pool, old, baseXml, capacity } of plans) {
    await doing(`disk ${disk.pool}/${disk.volume}`, async () => {
      if (old) {
        await conn.storageVolDelete(old, 0);
        await noteOverlay(conn, pool, disk.volume, undefined, false);
      }
      const xml = buildVolumeXml({
        name: disk.volume,
        format: "qcow2",
        capacity,
        backingPath: baseXml.path,
        backingFormat: baseXml.format,
      });
      await conn.storageVolCreateXml(pool, xml, 0);
      await noteOverlay(conn, pool, disk.volume, baseXml.path, true);
    });
  }
}

/**
 * Deletes the guest's external snapshots, newest first, through libvirt, which
 * merges each overlay back into the file below: its volumes then hold
 * everything written (a kept data volume included) and no overlay file is
 * left in a pool. Internal snapshots live inside the volumes and need nothing.
 */
export async function mergeExternalSnapshots(conn: LibvirtClient, dom: DomainRef): Promise<void> {
  const leaves = DomainSnapshotListFlags.External | DomainSnapshotListFlags.Leaves;
  for (let round = 0; round < 1000; round++) {
    const found = await conn.domainListAllSnapshots(dom, leaves);
    if (found.length === 0) return;
    for (const snap of found) await conn.domainSnapshotDelete(snap, 0);
  }
}
