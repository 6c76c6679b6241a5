/**
 * `adopt: true`: what the host already has, taken over with Pulumi's import.
 * Pulumi imports by id, so before the fleet's resources are declared the
 * program looks each adopted object up on the host by name: its pools and
 * networks (UUIDs), guests (UUIDs) and their disks' volumes (keys). An
 * adopted name the host does not have is an error naming it and where the
 * fleet declares it.
 */
import { LibvirtClient, ignoreNotFound, uuidToString } from "../libvirt";
import type { Path } from "../fleet/positions";
import type { FleetSpec } from "../fleet/spec";
import { diskVolumeName } from "./plan";

export interface AdoptedIds {
  pools: Record<string, string>;
  networks: Record<string, string>;
  guests: Record<string, string>;
  /** Volume keys by "<pool>/<volume>". */
  volumes: Record<string, string>;
}

export const NOTHING_ADOPTED: AdoptedIds = { pools: {}, networks: {}, guests: {}, volumes: {} };

export class AdoptionError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot adopt what the host does not have:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "AdoptionError";
  }
}

export async function adoptedIds(
  spec: FleetSpec,
  uri: string,
  declaredAt: (path: Path) => string | undefined,
): Promise<AdoptedIds> {
  const wanted =
    spec.pools.some((p) => p.adopt) ||
    spec.networks.some((n) => n.adopt) ||
    spec.guests.some((g) => g.adopt);
  if (!wanted) return NOTHING_ADOPTED;
  // A connection of its own, closed after: an open one would keep the program from exiting.
  const conn = await LibvirtClient.connect(uri);
  try {
    return await lookUp(conn, spec, uri, declaredAt);
  } finally {
    await conn.close();
  }
}

async function lookUp(
  conn: LibvirtClient,
  spec: FleetSpec,
  uri: string,
  declaredAt: (path: Path) => string | undefined,
): Promise<AdoptedIds> {
  const ids: AdoptedIds = { pools: {}, networks: {}, guests: {}, volumes: {} };
  const problems: string[] = [];
  const missing = (path: Path, what: string) =>
    problems.push(`${declaredAt([...path, "adopt"]) ?? path.join(".")}: ${uri} has no ${what}`);
  for (const pool of spec.pools.filter((p) => p.adopt)) {
    const ref = await conn.storagePoolLookupByName(pool.name).catch(ignoreNotFound);
    if (ref) ids.pools[pool.name] = uuidToString(ref.uuid);
    else missing(["pools", pool.name], `storage pool named "${pool.name}"`);
  }
  for (const net of spec.networks.filter((n) => n.adopt)) {
    const ref = await conn.networkLookupByName(net.name).catch(ignoreNotFound);
    if (ref) ids.networks[net.name] = uuidToString(ref.uuid);
    else missing(["networks", net.name], `network named "${net.name}"`);
  }
  for (const guest of spec.guests.filter((g) => g.adopt)) {
    const ref = await conn.domainLookupByName(guest.name).catch(ignoreNotFound);
    if (ref) ids.guests[guest.name] = uuidToString(ref.uuid);
    else missing(["guests", guest.name], `domain named "${guest.name}"`);
    for (const disk of guest.disks) {
      const volume = diskVolumeName(guest.name, disk);
      const pool = await conn.storagePoolLookupByName(disk.pool).catch(ignoreNotFound);
      const vol = pool && (await conn.storageVolLookupByName(pool, volume).catch(ignoreNotFound));
      if (vol) ids.volumes[`${disk.pool}/${volume}`] = vol.key;
      else
        missing(
          ["guests", guest.name, "disks", disk.name],
          `volume "${volume}" in pool "${disk.pool}"`,
        );
    }
  }
  if (problems.length > 0) throw new AdoptionError(problems);
  return ids;
}
