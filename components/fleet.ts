/**
 * The whole fleet of one stack: pools (with their base images), networks and
 * guests, from a validated FleetSpec.
 */
import * as pulumi from "../provider/programSdk";
import { declaredAt } from "../fleet/load";
import type { FleetSpec } from "../fleet/spec";
import type { AdoptedIds } from "./adoption";
import { NOTHING_ADOPTED } from "./adoption";
import { Guest } from "./guest";
import { Network } from "./network";
import { StoragePool } from "./storagePool";

export interface FleetArgs {
  spec: FleetSpec;
  /** libvirt URI of the host, e.g. qemu:///system. */
  uri: string;
  /** What `adopt: true` takes over, by name (components/adoption.ts). */
  adopted?: AdoptedIds;
}

export interface GuestSummary {
  uuid: string;
  state: string;
  addresses: string[];
  /** Changes waiting for the guest's restart (`restart: never`); absent when none. */
  restartPending?: string[];
}

export class Fleet extends pulumi.ComponentResource {
  readonly pools: Record<string, StoragePool>;
  readonly networks: Record<string, Network>;
  readonly guests: Record<string, Guest>;

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("deskfleet:fleet:Fleet", name, {}, opts);
    const { spec, uri } = args;
    const adopted = args.adopted ?? NOTHING_ADOPTED;
    const child = { parent: this };
    this.pools = Object.fromEntries(
      spec.pools.map((pool) => [
        pool.name,
        new StoragePool(
          pool.name,
          {
            pool,
            uri,
            images: spec.images.filter((i) => i.pool === pool.name),
            ...(adopted.pools[pool.name] ? { adoptId: adopted.pools[pool.name] } : {}),
          },
          child,
        ),
      ]),
    );
    this.networks = Object.fromEntries(
      spec.networks.map((network) => [
        network.name,
        new Network(
          network.name,
          {
            network,
            uri,
            ...(adopted.networks[network.name] ? { adoptId: adopted.networks[network.name] } : {}),
          },
          child,
        ),
      ]),
    );
    const imageVolumes = Object.assign(
      {},
      ...Object.values(this.pools).map((p) => p.images),
    ) as StoragePool["images"];
    this.guests = Object.fromEntries(
      spec.guests.map((guest) => [
        guest.name,
        new Guest(
          guest.name,
          {
            guest,
            uri,
            images: spec.images,
            imageVolumes,
            snapshotSchedules: spec.snapshotSchedules,
            declaredAt: (path) => declaredAt(spec, path),
            ...(adopted.guests[guest.name]
              ? { adopted: { guest: adopted.guests[guest.name], volumes: adopted.volumes } }
              : {}),
            dependsOn: [
              ...new Set(guest.disks.map((d) => this.pools[d.pool])),
              ...new Set(guest.interfaces.map((n) => this.networks[n.network])),
            ].filter((r): r is StoragePool | Network => r !== undefined),
          },
          // A renamed guest is the same resources (Pulumi moves the children's aliases along).
          {
            ...child,
            aliases: (guest.formerly ?? [])
              .filter((name) => name !== guest.name)
              .map((name) => ({ name })),
          },
        ),
      ]),
    );
    this.registerOutputs({ guests: this.guestSummaries() });
  }

  /** uuid, state, addresses and pending changes of every guest, by name (the stack's main output). */
  guestSummaries(): pulumi.Output<Record<string, GuestSummary>> {
    const entries = Object.entries(this.guests).map(([name, g]) =>
      pulumi
        .all([g.uuid, g.state, g.addresses, g.restartPending])
        .apply(([uuid, state, addresses, pending]): [string, GuestSummary] => [
          name,
          {
            uuid,
            state,
            addresses,
            ...((pending ?? []).length > 0 ? { restartPending: pending } : {}),
          },
        ]),
    );
    return pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs));
  }
}
