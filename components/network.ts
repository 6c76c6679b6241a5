/**
 * A virtual network the fleet's guests attach to.
 */
import * as pulumi from "../provider/programSdk";
import * as libvirt from "../provider/sdk";
import type { NetworkSpec } from "../fleet/spec";
import { planNetwork } from "./plan";

export interface NetworkArgs {
  network: NetworkSpec;
  /** libvirt URI of the host. */
  uri: string;
  /** The UUID of the network to take over (`adopt: true`). */
  adoptId?: string;
}

export class Network extends pulumi.ComponentResource {
  readonly uuid: pulumi.Output<string>;
  readonly bridgeName: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("deskfleet:fleet:Network", name, {}, opts);
    const net = new libvirt.Network(name, planNetwork(args.network, args.uri), {
      parent: this,
      ...(args.adoptId !== undefined ? { import: args.adoptId } : {}),
    });
    this.uuid = net.uuid;
    this.bridgeName = net.bridgeName;
    this.registerOutputs({ uuid: this.uuid, bridgeName: this.bridgeName });
  }
}
