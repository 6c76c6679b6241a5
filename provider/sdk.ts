/**
 * Program-side classes of the provider's resource kinds, used by components/.
 * Domain's arguments are its schema's input type (imported as a type only:
 * nothing of the provider runs in the program); the others mirror the inputs
 * of resources/<kind>.ts; outputs computed by the
 * provider are declared here and passed as undefined inputs.
 */
import * as pulumi from "./programSdk";
import type { PreferredTimes } from "../snapshots/policy";
import type { DomainInputsDeclared } from "./resources/domain";
import type { NetworkInputsDeclared } from "./resources/network";
import type { VolumeInputsDeclared } from "./resources/volume";

export type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** Every kind takes the libvirt URI of its host (default: stack config `deskfleet:uri`). */
interface HostArgs {
  uri?: string;
}

export interface StoragePoolArgs extends HostArgs {
  name: string;
  type?: "dir";
  path: string;
  autostart?: boolean;
}

export class StoragePool extends pulumi.CustomResource {
  static readonly __pulumiType = "deskfleet:libvirt:StoragePool";
  declare readonly name: pulumi.Output<string>;
  declare readonly path: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;

  constructor(name: string, args: Inputs<StoragePoolArgs>, opts?: pulumi.CustomResourceOptions) {
    super(StoragePool.__pulumiType, name, { ...args, uuid: undefined }, opts);
  }
}

/** The Volume kind's schema's input type (resources/volume.ts). */
export type VolumeArgs = VolumeInputsDeclared;

export class Volume extends pulumi.CustomResource {
  static readonly __pulumiType = "deskfleet:libvirt:Volume";
  declare readonly name: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  declare readonly path: pulumi.Output<string>;

  constructor(name: string, args: Inputs<VolumeArgs>, opts?: pulumi.CustomResourceOptions) {
    super(Volume.__pulumiType, name, { ...args, key: undefined, path: undefined }, opts);
  }
}

export type NetworkArgs = Omit<NetworkInputsDeclared, "active">;

export class Network extends pulumi.CustomResource {
  static readonly __pulumiType = "deskfleet:libvirt:Network";
  declare readonly name: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly bridgeName: pulumi.Output<string>;

  constructor(name: string, args: Inputs<NetworkArgs>, opts?: pulumi.CustomResourceOptions) {
    super(Network.__pulumiType, name, { ...args, uuid: undefined, bridgeName: undefined }, opts);
  }
}

/** The Domain kind's inputs as a program may pass them (defaults left out): its schema's own type. */
export type DomainArgs = Omit<DomainInputsDeclared, "persistent">;

export class Domain extends pulumi.CustomResource {
  static readonly __pulumiType = "deskfleet:libvirt:Domain";
  declare readonly name: pulumi.Output<string>;
  declare readonly uuid: pulumi.Output<string>;
  declare readonly state: pulumi.Output<string>;
  declare readonly macAddresses: pulumi.Output<string[]>;
  declare readonly addresses: pulumi.Output<string[]>;
  declare readonly consoleLog: pulumi.Output<string>;
  /** Changes in the definition that the running guest gets at its next restart. */
  declare readonly restartPending: pulumi.Output<string[]>;

  constructor(name: string, args: Inputs<DomainArgs>, opts?: pulumi.CustomResourceOptions) {
    super(
      Domain.__pulumiType,
      name,
      {
        ...args,
        uuid: undefined,
        state: undefined,
        macAddresses: undefined,
        addresses: undefined,
        consoleLog: undefined,
        restartPending: undefined,
      },
      // The password stays a secret in state whichever way it comes back (create, read).
      { ...opts, additionalSecretOutputs: ["graphicsPassword"] },
    );
  }
}

export interface SnapshotArgs extends HostArgs {
  /** The guest (domain name). */
  domain: string;
  /** The snapshot's name, e.g. "post-install"; taken once and kept. */
  name: string;
  /** Raising it reverts the guest to this snapshot at the next update. Default 0. */
  revertGeneration?: number;
}

export class Snapshot extends pulumi.CustomResource {
  static readonly __pulumiType = "deskfleet:libvirt:Snapshot";
  /** What raising revertGeneration does: "demo to post-install (generation 2)", or "none". */
  declare readonly revert: pulumi.Output<string>;
  declare readonly domainUuid: pulumi.Output<string>;
  /** The guest's state when it was taken: "running" (memory included) or "shutoff". */
  declare readonly snapshotState: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;

  constructor(name: string, args: Inputs<SnapshotArgs>, opts?: pulumi.CustomResourceOptions) {
    super(
      Snapshot.__pulumiType,
      name,
      {
        ...args,
        revert: undefined,
        domainUuid: undefined,
        snapshotState: undefined,
        createdAt: undefined,
      },
      opts,
    );
  }
}

/** A snapshot policy (snapshots/policy.ts) for one guest; omitted fields take sanoid's defaults. */
export interface SnapshotScheduleArgs extends HostArgs {
  domain: string;
  schedule: string;
  frequently?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  /** Minutes. */
  frequentPeriod?: number;
  at?: Partial<PreferredTimes>;
  autosnap?: boolean;
  autoprune?: boolean;
  /** Percent. */
  maxPoolUsage?: number;
}

export class SnapshotSchedule extends pulumi.CustomResource {
  static readonly __pulumiType = "deskfleet:libvirt:SnapshotSchedule";
  /** The last run of `deskfleet snapshots run` on this guest, as `pulumi refresh` read it ("" before any). */
  declare readonly lastRun: pulumi.Output<string>;
  /** "ok", "skipped" or "error". */
  declare readonly lastOutcome: pulumi.Output<string>;
  declare readonly newestSnapshot: pulumi.Output<string>;
  declare readonly lastError: pulumi.Output<string>;

  constructor(
    name: string,
    args: Inputs<SnapshotScheduleArgs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      SnapshotSchedule.__pulumiType,
      name,
      {
        ...args,
        lastRun: undefined,
        lastOutcome: undefined,
        newestSnapshot: undefined,
        lastError: undefined,
      },
      opts,
    );
  }
}

/** A backup policy for one guest: a snapshot policy's counts and times, and the store's directory. */
export interface BackupScheduleArgs extends Omit<SnapshotScheduleArgs, "maxPoolUsage" | "memory"> {
  /** An absolute directory on the host that runs `deskfleet backup run`. */
  target: string;
}

export class BackupSchedule extends pulumi.CustomResource {
  static readonly __pulumiType = "deskfleet:libvirt:BackupSchedule";

  constructor(name: string, args: Inputs<BackupScheduleArgs>, opts?: pulumi.CustomResourceOptions) {
    super(BackupSchedule.__pulumiType, name, { ...args }, opts);
  }
}
