/**
 * Pure planning: from the validated fleet spec to the arguments of each
 * libvirt resource. Components only wire what these functions decide, so the
 * decisions are tested without Pulumi.
 */
import type * as pulumi from "@pulumi/pulumi";
import type {
  BackupScheduleArgs,
  DomainArgs,
  Inputs,
  NetworkArgs,
  SnapshotArgs,
  SnapshotScheduleArgs,
  StoragePoolArgs,
  VolumeArgs,
} from "../provider/sdk";
import type { Path } from "../fleet/positions";
import { pickGuestSettings } from "../xml/guestSettings";
import * as refs from "../fleet/refs";
import type {
  BackupScheduleSpec,
  DiskSpec,
  GuestSpec,
  ImageSpec,
  NetworkSpec,
  PoolSpec,
  SnapshotScheduleSpec,
} from "../fleet/spec";

/** The base volume an image is uploaded to, named after the image: `appliance.qcow2`. */
export function imageVolumeName(image: ImageSpec): string {
  return refs.imageVolumeName(image.name, image.format);
}

/** A guest's disk volume: `<guest>-<disk>.qcow2`, so virt-manager shows whose it is. */
export function diskVolumeName(guest: string, disk: DiskSpec): string {
  return disk.volume ?? refs.diskVolumeName(guest, disk.name);
}

export function planPool(pool: PoolSpec, uri: string): StoragePoolArgs {
  return { uri, name: pool.name, type: pool.type, path: pool.path, autostart: pool.autostart };
}

export function planImageVolume(image: ImageSpec, uri: string): VolumeArgs {
  return {
    uri,
    pool: image.pool,
    name: imageVolumeName(image),
    format: image.format,
    source: image.source,
    // A base image is cheap to upload again but overlays depend on it: keep it
    // only as long as the fleet declares it (the provider refuses to delete a
    // base that is still in use).
    retain: false,
  };
}

export function planNetwork(net: NetworkSpec, uri: string): NetworkArgs {
  return {
    uri,
    name: net.name,
    mode: net.mode,
    ...(net.bridge !== undefined ? { bridge: net.bridge } : {}),
    address: net.address,
    ...(net.dhcp ? { dhcp: net.dhcp } : {}),
    autostart: net.autostart,
  };
}

export interface DiskPlan {
  /** The disk's name within the guest (`root`). */
  disk: string;
  args: VolumeArgs;
  /** The image whose base volume this disk is an overlay of. */
  image?: string;
}

/** Where the value at a path of the fleet files was written (`file:line:col: path`), if known. */
export type DeclaredAt = (path: Path) => string | undefined;

export function planDisks(
  guest: GuestSpec,
  images: ImageSpec[],
  uri: string,
  declaredAt: DeclaredAt = () => undefined,
): DiskPlan[] {
  return guest.disks.map((disk) => {
    const image = disk.image !== undefined ? images.find((i) => i.name === disk.image) : undefined;
    if (disk.image !== undefined && image === undefined) {
      throw new Error(`guests.${guest.name}.disks.${disk.name}: unknown image "${disk.image}"`);
    }
    const args: VolumeArgs = {
      uri,
      pool: disk.pool,
      name: diskVolumeName(guest.name, disk),
      format: "qcow2",
      ...(disk.size !== undefined ? { capacity: disk.size } : {}),
      ...sizeDeclaredAt(declaredAt(["guests", guest.name, "disks", disk.name, "size"])),
      ...(image ? { backingVolume: imageVolumeName(image) } : {}),
      retain: disk.keep,
    };
    return { disk: disk.name, args, ...(image ? { image: image.name } : {}) };
  });
}

function sizeDeclaredAt(at: string | undefined): Pick<VolumeArgs, "capacityDeclaredAt"> {
  return at !== undefined ? { capacityDeclaredAt: at } : {};
}

/**
 * The domain's arguments. `graphicsPassword` is the secret named by the guest's
 * `consolePassword` (read from stack config by the component, kept secret).
 */
export function planDomain(
  guest: GuestSpec,
  disks: DiskPlan[],
  uri: string,
  graphicsPassword?: pulumi.Input<string>,
): Inputs<DomainArgs> {
  return {
    uri,
    name: guest.name,
    memory: guest.memory,
    ...(guest.maxMemory !== undefined ? { maxMemory: guest.maxMemory } : {}),
    machine: guest.machine,
    disks: disks.map((d) => ({
      pool: d.args.pool,
      volume: d.args.name,
      format: "qcow2",
      keep: d.args.retain === true,
      // A new image for an overlay rebuilds it (the Domain kind makes it anew on its new base).
      ...(d.args.backingVolume !== undefined ? { base: d.args.backingVolume } : {}),
    })),
    cdroms: [...guest.cdroms, ...(guest.seed ? [guest.seed] : [])].map((c) => ({
      pool: c.pool,
      volume: c.volume,
    })),
    interfaces: guest.interfaces.map((n) => ({
      network: n.network,
      ...(n.mac !== undefined ? { mac: n.mac } : {}),
    })),
    ...(graphicsPassword !== undefined ? { graphicsPassword } : {}),
    ...(guest.movedFrom !== undefined ? { movedFrom: guest.movedFrom } : {}),
    ...pickGuestSettings(guest),
  };
}

/** The guest's cloud-init seed volume (an ISO the provider builds), if it declares one. */
export function planSeed(guest: GuestSpec, uri: string): VolumeArgs | undefined {
  if (guest.seed === undefined) return undefined;
  return {
    uri,
    pool: guest.seed.pool,
    name: guest.seed.volume,
    format: "raw",
    iso: { label: "cidata", files: guest.seed.files },
    // Made from the fleet file: nothing in it is the user's data.
    retain: false,
  };
}

/** The guest's baseline snapshot, if it declares one. */
export function planBaseline(guest: GuestSpec, uri: string): SnapshotArgs | undefined {
  if (guest.baseline === undefined) return undefined;
  return {
    uri,
    domain: guest.name,
    name: guest.baseline,
    revertGeneration: guest.revertGeneration ?? 0,
  };
}

/** The policy recorded on the guest, if it follows a schedule. */
export function planSnapshotSchedule(
  guest: GuestSpec,
  schedules: SnapshotScheduleSpec[],
  uri: string,
): SnapshotScheduleArgs | undefined {
  if (guest.snapshotSchedule === undefined) return undefined;
  const schedule = schedules.find((s) => s.name === guest.snapshotSchedule);
  if (!schedule) {
    throw new Error(
      `guests.${guest.name}.snapshotSchedule: unknown schedule "${guest.snapshotSchedule}"`,
    );
  }
  const { name, ...policy } = schedule;
  return { uri, domain: guest.name, schedule: name, ...policy };
}

/** The guest's backup schedule's recorded policy, if it follows one. */
export function planBackupSchedule(
  guest: GuestSpec,
  schedules: BackupScheduleSpec[],
  uri: string,
): BackupScheduleArgs | undefined {
  if (guest.backupSchedule === undefined) return undefined;
  const schedule = schedules.find((s) => s.name === guest.backupSchedule);
  if (!schedule) {
    throw new Error(
      `guests.${guest.name}.backupSchedule: unknown schedule "${guest.backupSchedule}"`,
    );
  }
  const { name, ...policy } = schedule;
  return { uri, domain: guest.name, schedule: name, ...policy };
}
