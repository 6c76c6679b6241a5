/**
 * The cross-entry phase: from entries that each have a valid shape to the
 * FleetSpec, applying defaults that depend on other entries and reporting
 * everything that is wrong between entries. Returns a complete spec only if
 * no issue was added (the caller throws otherwise).
 */
import { resolveGuests } from "./guests";
import { placeOnHosts } from "./hosts";
import type { ImageOptions } from "./images";
import { resolveImages } from "./images";
import type { Issues } from "./issues";
import { resolveNetworks } from "./networks";
import { Names, Volumes } from "./refs";
import { resolveBackupSchedules, resolveSchedules } from "./schedules";
import type { PoolFields } from "./schema";
import type { FleetSpec, PoolSpec } from "./spec";
import type { Entry, ShapedFleet } from "./validate";

export function resolveFleet(fleet: ShapedFleet, issues: Issues, options: ImageOptions): FleetSpec {
  const names = <T>(entries: Entry<T>[]) => entries.map((e) => e.name);
  const pools = new Names("pool", names(fleet.pools));
  const volumes = new Volumes(issues);
  const resolvedImages = resolveImages(fleet.images, pools, volumes, issues, options);
  return placeOnHosts(
    fleet,
    {
      pools: resolvePools(fleet.pools, issues),
      networks: resolveNetworks(fleet.networks, issues),
      images: [...resolvedImages.values()].map((image) => image.spec),
      guests: resolveGuests(fleet.guests, {
        issues,
        pools,
        images: new Names("image", names(fleet.images)),
        networks: new Names("network", names(fleet.networks)),
        resolvedImages,
        volumes,
        schedules: new Names("snapshot schedule", names(fleet.snapshotSchedules)),
        backupSchedules: new Names("backup schedule", names(fleet.backupSchedules)),
      }),
      snapshotSchedules: resolveSchedules(fleet.snapshotSchedules),
      backupSchedules: resolveBackupSchedules(fleet.backupSchedules),
    },
    issues,
  );
}

/** libvirt refuses a second pool on a directory another pool already uses. */
function resolvePools(entries: Entry<PoolFields>[], issues: Issues): PoolSpec[] {
  const byPath = new Map<string, string>();
  const specs: PoolSpec[] = [];
  for (const { name, path, fields } of entries) {
    if (!fields) continue;
    const other = byPath.get(fields.path);
    if (other !== undefined) {
      const message = `${fields.path} is already the path of pool ${JSON.stringify(other)}`;
      issues.value([...path, "path"], "duplicate_pool_path", message);
      continue;
    }
    byPath.set(fields.path, name);
    const { type, autostart, adopt } = fields;
    specs.push({ name, type, path: fields.path, autostart, ...(adopt ? { adopt } : {}) });
  }
  return specs;
}
