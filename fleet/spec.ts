/**
 * The validated, typed fleet: what every fleet file (stacks/*.yaml) means once
 * parsed, merged and checked. Sizes are bytes; paths are absolute; every
 * cross-reference (pool, image, network) is known to exist.
 *
 * Produced only by `loadFleet` (fleet/load.ts); consumed by components/.
 */
import type { SnapshotPolicy } from "../snapshots/policy";
import type { GuestSettings } from "../xml/guestSettings";

export type SizeBytes = number;

/** A libvirt host of the fleet (`hosts:`), by the name its entries use. */
export interface HostSpec {
  name: string;
  /** Its libvirt URI, e.g. "qemu+ssh://me@laptop/system". */
  uri: string;
}

/**
 * Which hosts an entry is on, by name: present exactly when the fleet
 * declares `hosts` (without them, everything is on the stack's one host).
 */
export interface OnHosts {
  hosts?: string[];
}

export interface PoolSpec extends OnHosts {
  /** libvirt pool name (the map key in the fleet file). */
  name: string;
  type: "dir";
  /** Absolute host directory, normalised (no trailing "/"). Created if missing; never removed. */
  path: string;
  autostart: boolean;
  /** Taken over from the host as it is (Pulumi import), not created. */
  adopt?: true;
}

export interface NetworkSpec extends OnHosts {
  name: string;
  /** `isolated`: no <forward>, guests reach only each other and the host. `nat`: <forward mode='nat'/>. */
  mode: "isolated" | "nat";
  /** Bridge device name; libvirt picks one (virbrN) when absent. */
  bridge?: string;
  /** Host address on the network with prefix, e.g. "10.77.0.1/24". */
  address: string;
  /** DHCP range; absent = no DHCP. */
  dhcp?: {
    start: string;
    end: string;
    /** Fixed addresses: dnsmasq leases `ip` to `mac` only, under `name`. */
    hosts?: { name: string; mac: string; ip: string }[];
  };
  autostart: boolean;
  /** Taken over from the host as it is (Pulumi import), not created. */
  adopt?: true;
}

/** On the hosts it names, else on those whose guests use it (as a disk's base or a CD-ROM). */
export interface ImageSpec extends OnHosts {
  name: string;
  /** Absolute path of a local image file, uploaded once per host into `pool`. */
  source: string;
  /** Pool that holds the base volume. */
  pool: string;
  format: "qcow2" | "raw";
}

export interface DiskSpec {
  /** Disk name within the guest (map key); the volume is `<guest>-<name>`. */
  name: string;
  pool: string;
  /** Base image (copy-on-write qcow2 overlay on it) — absent = blank disk. */
  image?: string;
  /** Virtual size in bytes; for an overlay at least the image's size (absent = the image's). */
  size?: SizeBytes;
  /** Keep the volume when the guest or disk is removed from the fleet (default: true for blank disks, false for overlays). */
  keep: boolean;
  /** Its volume's name when not `<guest>-<disk>.qcow2` (an adopted or renamed guest's disk). */
  volume?: string;
  /** Its earlier names within the guest, oldest first (`formerly`). */
  formerly?: string[];
}

/** An image attached read-only as a CD-ROM (install media): its base volume itself. */
export interface CdromSpec {
  /** Its name within the guest (the key under `disks`). */
  name: string;
  image: string;
  /** The image's pool and base volume. */
  pool: string;
  volume: string;
}

/** A guest's cloud-init NoCloud seed: an ISO volume (label `cidata`) of these files. */
export interface SeedSpec {
  pool: string;
  /** `<guest>-cidata.iso`. */
  volume: string;
  /** `meta-data`, `user-data` and, when declared, `network-config` (fleet/cloudInit.ts). */
  files: Record<string, string>;
}

export interface InterfaceSpec {
  network: string;
  /** Fixed MAC address, lower-case as libvirt reports it; libvirt assigns one when absent. */
  mac?: string;
}

/**
 * A guest: its shared settings (xml/guestSettings.ts: type, vcpus, firmware,
 * graphics, running, autostart, keepFirmwareState and the devices, with the
 * preset's values filled in) and what only a fleet file says about it.
 */
export interface GuestSpec extends GuestSettings {
  name: string;
  /** Its host, of `FleetSpec.hosts`; absent when the fleet declares none (the stack's host). */
  host?: string;
  /**
   * The URI of the host it leaves (`movedFrom`, given as a host's name or a URI): the
   * acknowledgement the moves-are-acknowledged guardrail asks of a move.
   */
  movedFrom?: string;
  /** Its earlier names, oldest first (`formerly`): the same guest, renamed in place. */
  formerly?: string[];
  /** Taken over from the host as it is (Pulumi import), with its disks' volumes. */
  adopt?: true;
  memory: SizeBytes;
  /** The balloon's ceiling, when above `memory`: memory can be raised to it while the guest runs. */
  maxMemory?: SizeBytes;
  /** Machine type, e.g. "q35" or "pc" (default "pc"). */
  machine: string;
  disks: DiskSpec[];
  /** CD-ROMs, in the order of the fleet file, after the disks (a blank disk boots from them). */
  cdroms: CdromSpec[];
  interfaces: InterfaceSpec[];
  /** Its cloud-init seed, attached after the CD-ROMs; absent = none. */
  seed?: SeedSpec;
  /** Stack config secret (`deskfleet:<name>`) holding the console's password; absent = none. */
  consolePassword?: string;
  /** The backup schedule it follows (a name in `FleetSpec.backupSchedules`). */
  backupSchedule?: string;
  /** The snapshot schedule it follows (a name in `FleetSpec.snapshotSchedules`). */
  snapshotSchedule?: string;
  /** A snapshot taken once and kept (the known-good state); absent = none. */
  baseline?: string;
  /** Present with `baseline` (default 0): raising it reverts the guest to the baseline. */
  revertGeneration?: number;
}

/** A snapshot policy (snapshots/policy.ts) under its name; `SnapshotPolicy.schedule` is `name`. */
export interface SnapshotScheduleSpec extends Omit<SnapshotPolicy, "schedule"> {
  name: string;
}

/** A backup policy: a snapshot schedule's counts and times, and the store's directory on the host. */
export interface BackupScheduleSpec extends Omit<SnapshotScheduleSpec, "memory" | "maxPoolUsage"> {
  target: string;
}

/** Every list is in the order of the fleet files (merged maps keep the order keys first appeared in). */
export interface FleetSpec {
  /** Empty when the fleet declares none: then everything is on the stack's host (`deskfleet:uri`). */
  hosts: HostSpec[];
  pools: PoolSpec[];
  networks: NetworkSpec[];
  images: ImageSpec[];
  guests: GuestSpec[];
  snapshotSchedules: SnapshotScheduleSpec[];
  backupSchedules: BackupScheduleSpec[];
}
