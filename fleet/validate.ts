/**
 * The shape phase: split the merged fleet into entries (each pool, network,
 * image, guest, disk, interface), check each entry's name and validate it on
 * its own. An invalid entry keeps its name (so references to it are not also
 * reported as unknown) but has no `fields`; cross-entry checks skip it.
 */
import type { z } from "zod";
import type { Issues } from "./issues";
import type { Path } from "./positions";
import type {
  DiskFields,
  GuestFields,
  ImageFields,
  InterfaceFields,
  NetworkFields,
  PoolFields,
} from "./schema";
import {
  NAME_PATTERN,
  NAME_RULE,
  diskSchema,
  fleetSchema,
  guestSchema,
  hostSchema,
  imageSchema,
  interfaceSchema,
  networkSchema,
  poolSchema,
} from "./schema";
import type { BackupScheduleFields, ScheduleFields } from "./schedules";
import { backupScheduleSchema, scheduleSchema } from "./schedules";
import { withPreset } from "./presets";
import { validate } from "./translate";
import type { DataMap } from "./tree";
import { isDataMap } from "./tree";

export interface Entry<T> {
  name: string;
  path: Path;
  /** Absent when the entry is invalid (its issues are already reported). */
  fields?: T;
}

export interface InterfaceEntry {
  path: Path;
  /** Where the network's name is: `interfaces[0].network`, or `networks[0]` in the short form. */
  networkPath: Path;
  fields?: InterfaceFields;
}

export interface GuestEntry extends Entry<GuestFields> {
  disks: Entry<DiskFields>[];
  interfaces: InterfaceEntry[];
}

export interface ShapedFleet {
  hosts: Entry<string>[];
  pools: Entry<PoolFields>[];
  networks: Entry<NetworkFields>[];
  images: Entry<ImageFields>[];
  guests: GuestEntry[];
  snapshotSchedules: Entry<ScheduleFields>[];
  backupSchedules: Entry<BackupScheduleFields>[];
}

/** Top-level keys starting with this are the user's own (anchors to reuse) and are ignored. */
export const EXTENSION_PREFIX = "x-";

export function shapeFleet(data: unknown, issues: Issues): ShapedFleet {
  const root: DataMap = new Map();
  for (const [key, value] of isDataMap(data) ? data : []) {
    if (!key.startsWith(EXTENSION_PREFIX)) root.set(key, value);
  }
  validate(fleetSchema, root, [], issues); // unknown top-level keys, sections that are not maps
  return {
    hosts: entries(root.get("hosts"), ["hosts"], issues).map((e) =>
      withFields(e, hostSchema, issues),
    ),
    pools: entries(root.get("pools"), ["pools"], issues).map((e) =>
      withFields(e, poolSchema, issues),
    ),
    networks: entries(root.get("networks"), ["networks"], issues).map((e) =>
      withFields(e, networkSchema, issues),
    ),
    images: entries(root.get("images"), ["images"], issues).map((e) =>
      withFields(e, imageSchema, issues),
    ),
    guests: entries(root.get("guests"), ["guests"], issues).map((e) => guestEntry(e, issues)),
    snapshotSchedules: entries(root.get("snapshotSchedules"), ["snapshotSchedules"], issues).map(
      (e) => withFields(e, scheduleSchema, issues),
    ),
    backupSchedules: entries(root.get("backupSchedules"), ["backupSchedules"], issues).map((e) =>
      withFields(e, backupScheduleSchema, issues),
    ),
  };
}

interface RawEntry {
  name: string;
  path: Path;
  raw: unknown;
}

/** The entries of a name-keyed map, each name checked. Not a map: already reported by the parent's schema. */
function entries(section: unknown, path: Path, issues: Issues): RawEntry[] {
  if (!isDataMap(section)) return [];
  return [...section].map(([name, raw]) => {
    const at = [...path, name];
    if (!NAME_PATTERN.test(name)) {
      issues.key(at, "invalid_name", `invalid name ${JSON.stringify(name)}: ${NAME_RULE}`);
    }
    return { name, path: at, raw };
  });
}

function withFields<S extends z.ZodType>(
  entry: RawEntry,
  schema: S,
  issues: Issues,
): Entry<z.output<S>> {
  const fields = validate(schema, entry.raw, entry.path, issues);
  return { name: entry.name, path: entry.path, ...(fields !== undefined ? { fields } : {}) };
}

function guestEntry(entry: RawEntry, issues: Issues): GuestEntry {
  const guest = withFields({ ...entry, raw: withPreset(entry.raw) }, guestSchema, issues);
  const raw: DataMap = isDataMap(entry.raw) ? entry.raw : new Map<string, unknown>();
  const disks = entries(raw.get("disks"), [...entry.path, "disks"], issues).map((e) =>
    withFields(e, diskSchema, issues),
  );
  return { ...guest, disks, interfaces: interfaceEntries(raw, entry.path, issues) };
}

/** `interfaces: [{ network, mac }]`, or the short form `networks: [name, …]`. */
function interfaceEntries(raw: DataMap, path: Path, issues: Issues): InterfaceEntry[] {
  const [interfaces, networks] = [raw.get("interfaces"), raw.get("networks")];
  if (interfaces !== undefined && networks !== undefined) {
    const message = 'use either "interfaces" or its short form "networks", not both';
    issues.key([...path, "networks"], "conflicting_keys", message);
  }
  if (Array.isArray(interfaces)) {
    return interfaces.map((item, i) => {
      const at = [...path, "interfaces", i];
      const fields = validate(interfaceSchema, item, at, issues);
      return { path: at, networkPath: [...at, "network"], ...(fields ? { fields } : {}) };
    });
  }
  if (Array.isArray(networks)) {
    // Items that are not strings are reported by the guest schema.
    return networks.map((network, i) => {
      const at = [...path, "networks", i];
      return {
        path: at,
        networkPath: at,
        ...(typeof network === "string" ? { fields: { network } } : {}),
      };
    });
  }
  return [];
}
