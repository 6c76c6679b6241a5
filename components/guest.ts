/**
 * A guest: its disk volumes (overlays on base images, or blank), its domain,
 * and, when declared, its cloud-init seed volume, its baseline snapshot, its
 * snapshot schedule and its backup schedule.
 *
 * The schedule is one resource per guest (`<guest>-snapshot-schedule`), not a
 * child of a per-schedule component: moving a guest to another schedule is
 * then an update of its metadata, never a create of the new policy followed
 * by a delete of the old one on the same domain.
 */
import * as pulumi from "../provider/programSdk";
import * as libvirt from "../provider/sdk";
import type { BackupScheduleSpec, GuestSpec, ImageSpec, SnapshotScheduleSpec } from "../fleet/spec";
import type { DeclaredAt } from "./plan";
import {
  planBackupSchedule,
  planBaseline,
  planDisks,
  planDomain,
  planSeed,
  planSnapshotSchedule,
} from "./plan";

export interface GuestArgs {
  guest: GuestSpec;
  images: ImageSpec[];
  /** Base volumes by image name (from the StoragePool components). */
  imageVolumes: Record<string, pulumi.Resource>;
  /** Pools and networks the guest needs to exist first. */
  dependsOn: pulumi.Resource[];
  /** libvirt URI of the host. */
  uri: string;
  /** The fleet's snapshot schedules (the guest may name one). */
  snapshotSchedules?: SnapshotScheduleSpec[];
  /** The fleet's backup schedules (the guest may name one). */
  backupSchedules?: BackupScheduleSpec[];
  /** Where a value of the fleet files was written (fleet/load.ts declaredAt), for later errors. */
  declaredAt?: DeclaredAt;
  /** For `adopt: true`: the domain's UUID and its disks' volume keys (by "<pool>/<volume>"). */
  adopted?: { guest: string; volumes: Record<string, string> };
}

/** The resource option that imports the object with this id, when there is one. */
function importOf(id: string | undefined): { import?: string } {
  return id !== undefined ? { import: id } : {};
}

/** The earlier names of the guest's disk `disk`. */
function formerDisks(guest: GuestSpec, disk: string): string[] {
  const formerly = guest.disks.find((d) => d.name === disk)?.formerly ?? [];
  return formerly.filter((name) => name !== disk);
}

export class Guest extends pulumi.ComponentResource {
  readonly uuid: pulumi.Output<string>;
  readonly state: pulumi.Output<string>;
  readonly addresses: pulumi.Output<string[]>;
  readonly consoleLog: pulumi.Output<string>;
  /** What its running definition waits for a restart to apply (`restart: never`). */
  readonly restartPending: pulumi.Output<string[]>;
  /** The known-good snapshot (`baseline:`), if declared. */
  readonly baseline?: libvirt.Snapshot;
  /** The recorded policy, whose outputs show the host runner's last run, if scheduled. */
  readonly snapshotSchedule?: libvirt.SnapshotSchedule;
  /** The recorded backup policy, if it follows a backup schedule. */
  readonly backupSchedule?: libvirt.BackupSchedule;

  constructor(name: string, args: GuestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("deskfleet:fleet:Guest", name, {}, opts);
    const disks = planDisks(args.guest, args.images, args.uri, args.declaredAt);
    const volumes = disks.map(
      (d) =>
        new libvirt.Volume(`${name}-${d.disk}`, d.args, {
          parent: this,
          ...importOf(args.adopted?.volumes[`${d.args.pool}/${d.args.name}`]),
          dependsOn: [...args.dependsOn, ...(d.image ? [args.imageVolumes[d.image]] : [])],
          // A kept disk is never deleted: the engine then says "delete [retain]" in previews and
          // destroys, and drops it from state; it is adopted again if the disk comes back.
          retainOnDelete: d.args.retain === true,
          // A renamed disk is the same volume (the guest's own aliases carry its children along).
          aliases: formerDisks(args.guest, d.disk).map((f) => ({ name: `${name}-${f}` })),
        }),
    );
    const password =
      args.guest.consolePassword !== undefined
        ? new pulumi.Config("deskfleet").requireSecret(args.guest.consolePassword)
        : undefined;
    const seedArgs = planSeed(args.guest, args.uri);
    const seed =
      seedArgs &&
      new libvirt.Volume(`${name}-cidata`, seedArgs, { parent: this, dependsOn: args.dependsOn });
    const media = [
      ...args.guest.cdroms.map((c) => args.imageVolumes[c.image]),
      ...(seed ? [seed] : []),
    ];
    const domain = new libvirt.Domain(name, planDomain(args.guest, disks, args.uri, password), {
      parent: this,
      ...importOf(args.adopted?.guest),
      dependsOn: [...args.dependsOn, ...volumes, ...media],
    });
    const afterDomain = { parent: this, dependsOn: [domain] };
    const baseline = planBaseline(args.guest, args.uri);
    if (baseline) {
      // Named after the snapshot, so that the preview reads "delete demo-post-install".
      this.baseline = new libvirt.Snapshot(`${name}-${baseline.name}`, baseline, afterDomain);
    }
    const schedule = planSnapshotSchedule(args.guest, args.snapshotSchedules ?? [], args.uri);
    if (schedule) {
      this.snapshotSchedule = new libvirt.SnapshotSchedule(
        `${name}-snapshot-schedule`,
        schedule,
        afterDomain,
      );
    }
    const backups = planBackupSchedule(args.guest, args.backupSchedules ?? [], args.uri);
    if (backups) {
      this.backupSchedule = new libvirt.BackupSchedule(
        `${name}-backup-schedule`,
        backups,
        afterDomain,
      );
    }
    this.uuid = domain.uuid;
    this.state = domain.state;
    this.addresses = domain.addresses;
    this.consoleLog = domain.consoleLog;
    this.restartPending = domain.restartPending;
    this.registerOutputs({
      restartPending: this.restartPending,
      uuid: this.uuid,
      state: this.state,
      addresses: this.addresses,
      consoleLog: this.consoleLog,
    });
  }
}
