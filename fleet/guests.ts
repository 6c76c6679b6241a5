/**
 * Guests: each disk's image and pool (with their defaults), each interface's
 * network, and what must be unique across the fleet (volumes, MACs).
 */
import type { ResolvedImage } from "./images";
import type { Issues } from "./issues";
import type { Path } from "./positions";
import { formatPath } from "./positions";
import type { Names, Volumes } from "./refs";
import { defaultPool, diskVolumeName, imageVolumeName, seedVolumeName } from "./refs";
import { seedFiles } from "./cloudInit";
import type { DiskFields, GuestFields } from "./schema";
import { pickGuestSettings, settingsConflicts } from "../xml/guestSettings";
import { KVM_PRESETS, PRESETS } from "./presets";
import { formatSize } from "../units/size";
import type { CdromSpec, DiskSpec, GuestSpec, InterfaceSpec, SeedSpec } from "./spec";
import type { Entry, GuestEntry, InterfaceEntry } from "./validate";

export interface GuestContext {
  issues: Issues;
  pools: Names;
  images: Names;
  networks: Names;
  /** The valid images, by name. */
  resolvedImages: ReadonlyMap<string, ResolvedImage>;
  volumes: Volumes;
  schedules: Names;
  backupSchedules: Names;
}

export function resolveGuests(entries: GuestEntry[], ctx: GuestContext): GuestSpec[] {
  const macs = new Map<string, Path>();
  const specs: GuestSpec[] = [];
  formerNamesOk(entries, ctx.issues);
  for (const entry of entries) {
    // Its volumes keep the names they were made with, under its first name.
    const first = entry.fields?.formerly?.[0] ?? entry.name;
    // Disks and interfaces are checked even when the guest's own fields are not valid.
    const isCdrom = (d: (typeof entry.disks)[number]) => d.fields?.cdrom !== undefined;
    formerNamesOk(entry.disks, ctx.issues);
    const disks = entry.disks
      .filter((d) => !isCdrom(d))
      .map((d) => resolveDisk(entry.name, first, d, ctx));
    const cdroms = entry.disks.filter(isCdrom).map((d) => resolveCdrom(d, ctx));
    const interfaces = entry.interfaces.map((nic) => resolveInterface(nic, macs, ctx));
    const snapshots = entry.fields && resolveSnapshots(entry, entry.fields, ctx);
    const console = entry.fields && consoleOk(entry, entry.fields, ctx);
    const devices = entry.fields && devicesOk(entry, entry.fields, ctx);
    const seed = entry.fields && resolveSeed(entry, entry.fields, first, disks, ctx);
    if (
      !entry.fields ||
      !snapshots ||
      !console ||
      !devices ||
      !seed ||
      !allDefined(disks) ||
      !allDefined(cdroms) ||
      !allDefined(interfaces)
    ) {
      continue;
    }
    const spec = guestSpec(entry.name, entry.fields, disks, interfaces);
    specs.push({ ...spec, cdroms, ...snapshots, ...seed });
  }
  return specs;
}

/**
 * Each earlier name (`formerly`) is no other entry's name now and no other
 * entry's earlier name: a name names one thing, so the rename cannot be
 * mistaken. Its own name may be among them (renamed back).
 */
function formerNamesOk(
  entries: readonly { name: string; path: Path; fields?: { formerly?: string[] } }[],
  issues: Issues,
): void {
  const current = new Map(entries.map((e) => [e.name, e.path]));
  const earlier = new Map<string, Path>();
  for (const entry of entries) {
    const at = [...entry.path, "formerly"];
    for (const name of entry.fields?.formerly ?? []) {
      const now = current.get(name);
      const before = earlier.get(name);
      if (now !== undefined && now !== entry.path) {
        const message = `"${name}" is the name of ${formatPath(now)}; list only names this entry had before`;
        issues.value(at, "duplicate_name", message);
      } else if (before !== undefined) {
        issues.value(
          at,
          "duplicate_name",
          `"${name}" is an earlier name of ${formatPath(before)} too`,
        );
      } else {
        earlier.set(name, entry.path);
      }
    }
  }
}

function allDefined<T>(items: (T | undefined)[]): items is T[] {
  return items.every((item) => item !== undefined);
}

function guestSpec(
  name: string,
  fields: GuestFields,
  disks: DiskSpec[],
  interfaces: InterfaceSpec[],
): Omit<GuestSpec, "cdroms"> {
  const { memory, maxMemory, machine, consolePassword } = fields;
  return {
    name,
    ...(fields.formerly !== undefined ? { formerly: fields.formerly } : {}),
    ...(fields.adopt ? { adopt: true as const } : {}),
    memory,
    ...(maxMemory !== undefined ? { maxMemory } : {}),
    machine,
    disks,
    interfaces,
    ...(consolePassword !== undefined ? { consolePassword } : {}),
    ...pickGuestSettings(fields),
  };
}

/** Devices libvirt or QEMU would refuse together, each reported where it is set. */
function devicesOk(entry: GuestEntry, fields: GuestFields, ctx: GuestContext): boolean {
  const conflicts = settingsConflicts({ ...fields, interfaceCount: entry.interfaces.length });
  for (const { property, reason } of conflicts) {
    const preset = fields.preset;
    const byPreset =
      preset !== undefined && property in { ...PRESETS[preset], ...KVM_PRESETS[preset] }
        ? ` (preset ${preset} sets ${property}; set it in the entry to override)`
        : "";
    ctx.issues.value([...entry.path, property], "invalid_value", `${reason}${byPreset}`);
  }
  const { memory, maxMemory } = fields;
  const memoryOk = maxMemory === undefined || maxMemory >= memory;
  if (!memoryOk) {
    const reason = `${formatSize(maxMemory)} is below memory (${formatSize(memory)})`;
    ctx.issues.value([...entry.path, "maxMemory"], "invalid_value", reason);
  }
  return conflicts.length === 0 && memoryOk;
}

/** A console password needs a console to protect. */
function consoleOk(entry: GuestEntry, fields: GuestFields, ctx: GuestContext): boolean {
  if (fields.consolePassword === undefined || fields.graphics !== "none") return true;
  ctx.issues.value(
    [...entry.path, "consolePassword"],
    "invalid_value",
    "a console password needs graphics: vnc or spice",
  );
  return false;
}

/**
 * `snapshotSchedule` and `backupSchedule` name schedules; `revertGeneration`
 * needs a `baseline` to revert to.
 */
function resolveSnapshots(entry: GuestEntry, fields: GuestFields, ctx: GuestContext) {
  const { snapshotSchedule: schedule, backupSchedule: backup, baseline, revertGeneration } = fields;
  const known =
    schedule === undefined ||
    ctx.schedules.check(schedule, [...entry.path, "snapshotSchedule"], ctx.issues);
  const backupKnown =
    backup === undefined ||
    ctx.backupSchedules.check(backup, [...entry.path, "backupSchedule"], ctx.issues);
  if (revertGeneration !== undefined && baseline === undefined) {
    ctx.issues.missing(entry.path, "baseline", "revertGeneration reverts to the baseline");
    return undefined;
  }
  if (!known || !backupKnown) return undefined;
  return {
    ...(schedule !== undefined ? { snapshotSchedule: schedule } : {}),
    ...(backup !== undefined ? { backupSchedule: backup } : {}),
    ...(baseline !== undefined ? { baseline, revertGeneration: revertGeneration ?? 0 } : {}),
  };
}

/**
 * The seed's files and where its volume goes: `cloudInit.pool`, else the pool
 * of the guest's first disk, else the only pool. False when something is wrong
 * (reported at its key); `{}` for a guest without `cloudInit`.
 */
function resolveSeed(
  entry: GuestEntry,
  fields: GuestFields,
  first: string,
  disks: (DiskSpec | undefined)[],
  ctx: GuestContext,
): { seed?: SeedSpec } | false {
  const ci = fields.cloudInit;
  if (ci === undefined) return {};
  const path = [...entry.path, "cloudInit"];
  const pool =
    ci.pool !== undefined
      ? ctx.pools.check(ci.pool, [...path, "pool"], ctx.issues)
        ? ci.pool
        : undefined
      : (disks[0]?.pool ?? defaultPool(ctx.pools, path, ctx.issues));
  const volume = seedVolumeName(first);
  if (pool !== undefined) ctx.volumes.claim(pool, volume, path);
  const made = seedFiles(entry.name, ci);
  if ("problems" in made) {
    for (const { key, message } of made.problems) {
      ctx.issues.value([...path, key], "invalid_value", message);
    }
    return false;
  }
  return pool === undefined ? false : { seed: { pool, volume, files: made.files } };
}

/** `disks.<name>: { cdrom: <image> }`: the image's base volume, attached read-only. */
function resolveCdrom(disk: Entry<DiskFields>, ctx: GuestContext): CdromSpec | undefined {
  const { name, path, fields } = disk;
  if (!fields?.cdrom) return undefined;
  const extra = (["image", "size", "pool", "keep"] as const).filter((k) => fields[k] !== undefined);
  for (const key of extra) {
    const message = `a cdrom is its image as it is: no ${key} (the image's pool holds it)`;
    ctx.issues.value([...path, key], "invalid_value", message);
  }
  if (!ctx.images.check(fields.cdrom, [...path, "cdrom"], ctx.issues)) return undefined;
  const image = ctx.resolvedImages.get(fields.cdrom);
  if (!image || extra.length > 0) return undefined;
  const { spec } = image;
  return {
    name,
    image: spec.name,
    pool: spec.pool,
    volume: imageVolumeName(spec.name, spec.format),
  };
}

/** `guest`'s disk; `first` is the guest's first name, which its volumes keep. */
function resolveDisk(guest: string, first: string, disk: Entry<DiskFields>, ctx: GuestContext) {
  const { name, path, fields } = disk;
  if (!fields) return undefined;
  const { issues } = ctx;
  const known =
    fields.image === undefined || ctx.images.check(fields.image, [...path, "image"], issues);
  // Undefined for a blank disk, and for an image that is invalid (already reported).
  const image = fields.image === undefined ? undefined : ctx.resolvedImages.get(fields.image);
  const pool = diskPool(fields, image, path, ctx);
  const volume = fields.volume ?? diskVolumeName(first, fields.formerly?.[0] ?? name);
  if (pool !== undefined) ctx.volumes.claim(pool, volume, path);
  if (fields.image === undefined && fields.size === undefined) {
    issues.missing(path, "size", "a blank disk needs a size");
  }
  if (
    image?.virtualSize !== undefined &&
    fields.size !== undefined &&
    fields.size < image.virtualSize
  ) {
    const message = `${formatSize(fields.size)} is smaller than image ${JSON.stringify(image.spec.name)} (${formatSize(image.virtualSize)})`;
    issues.value([...path, "size"], "disk_smaller_than_image", message);
  }
  if (!known || (fields.image !== undefined && !image) || pool === undefined) return undefined;
  const spec: DiskSpec = {
    name,
    pool,
    ...(fields.image !== undefined ? { image: fields.image } : {}),
    ...(fields.size !== undefined ? { size: fields.size } : {}),
    // A blank disk holds the user's data; an overlay can be made again from its image.
    keep: fields.keep ?? fields.image === undefined,
    ...(volume !== diskVolumeName(guest, name) ? { volume } : {}),
    ...(fields.formerly !== undefined ? { formerly: fields.formerly } : {}),
  };
  return spec;
}

/**
 * An overlay lives in its image's pool: the provider finds the base volume by
 * name in the overlay's own pool. A blank disk names its pool, or gets the only one.
 */
function diskPool(
  fields: DiskFields,
  image: ResolvedImage | undefined,
  path: Path,
  ctx: GuestContext,
): string | undefined {
  const { issues } = ctx;
  if (fields.pool === undefined) {
    if (fields.image !== undefined) return image?.spec.pool;
    return defaultPool(ctx.pools, path, issues);
  }
  if (!ctx.pools.check(fields.pool, [...path, "pool"], issues)) return undefined;
  if (image && image.spec.pool !== fields.pool) {
    const message = `an overlay disk must be in the pool of its image ${JSON.stringify(image.spec.name)}, ${JSON.stringify(image.spec.pool)}; leave "pool" out`;
    issues.value([...path, "pool"], "pool_mismatch", message);
    return undefined;
  }
  return fields.pool;
}

function resolveInterface(
  nic: InterfaceEntry,
  macs: Map<string, Path>,
  ctx: GuestContext,
): InterfaceSpec | undefined {
  if (!nic.fields) return undefined;
  const { network, mac } = nic.fields;
  const known = ctx.networks.check(network, nic.networkPath, ctx.issues);
  if (mac !== undefined) {
    const owner = macs.get(mac);
    if (owner) {
      const message = `MAC ${mac} is already that of ${formatPath(owner)}`;
      ctx.issues.value([...nic.path, "mac"], "duplicate_mac", message);
    } else macs.set(mac, nic.path);
  }
  return known ? { network, ...(mac !== undefined ? { mac } : {}) } : undefined;
}
