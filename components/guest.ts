/**
 * A guest: its disk volumes (overlays on base images, or blank) and its domain.
 */
import * as pulumi from "@pulumi/pulumi";
import * as libvirt from "../provider/sdk";
import type { GuestSpec, ImageSpec } from "../stacks/spec";
import { planDisks, planDomain } from "./plan";

export interface GuestArgs {
  guest: GuestSpec;
  images: ImageSpec[];
  /** Base volumes by image name (from the StoragePool components). */
  imageVolumes: Record<string, pulumi.Resource>;
  /** Pools and networks the guest needs to exist first. */
  dependsOn: pulumi.Resource[];
  /** libvirt URI of the host. */
  uri: string;
}

export class Guest extends pulumi.ComponentResource {
  readonly uuid: pulumi.Output<string>;
  readonly state: pulumi.Output<string>;
  readonly addresses: pulumi.Output<string[]>;
  readonly consoleLog: pulumi.Output<string>;

  constructor(name: string, args: GuestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("deskfleet:fleet:Guest", name, {}, opts);
    const disks = planDisks(args.guest, args.images, args.uri);
    const volumes = disks.map(
      (d) =>
        new libvirt.Volume(`${name}-${d.disk}`, d.args, {
          parent: this,
          dependsOn: [...args.dependsOn, ...(d.image ? [args.imageVolumes[d.image]] : [])],
        }),
    );
    const domain = new libvirt.Domain(name, planDomain(args.guest, disks, args.uri), {
      parent: this,
      dependsOn: [...args.dependsOn, ...volumes],
    });
    this.uuid = domain.uuid;
    this.state = domain.state;
    this.addresses = domain.addresses;
    this.consoleLog = domain.consoleLog;
    this.registerOutputs({
      uuid: this.uuid,
      state: this.state,
      addresses: this.addresses,
      consoleLog: this.consoleLog,
    });
  }
}
