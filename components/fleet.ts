/**
 * The whole fleet of one stack: on each of its hosts, pools (with their base
 * images), networks and guests, from a validated FleetSpec.
 */
import * as pulumi from "../provider/programSdk";
import { declaredAt } from "../fleet/load";
import type { HostShare } from "../fleet/hosts";
import { sharesByHost } from "../fleet/hosts";
import type { FleetSpec } from "../fleet/spec";
import type { AdoptedIds } from "./adoption";
import { NOTHING_ADOPTED } from "./adoption";
import { Guest } from "./guest";
import { Network } from "./network";
import { StoragePool } from "./storagePool";

export interface FleetArgs {
  spec: FleetSpec;
  /** libvirt URI of the stack's host (`deskfleet:uri`): a fleet without `hosts` is all on it. */
  uri: string;
  /** What `adopt: true` takes over on each host (components/adoption.ts), by host name ("" for the stack's one host). */
  adopted?: Record<string, AdoptedIds>;
}

export interface GuestSummary {
  /** Its host's name, in a fleet with `hosts`. */
  host?: string;
  uuid: string;
  state: string;
  addresses: string[];
  /** Changes waiting for the guest's restart (`restart: never`); absent when none. */
  restartPending?: string[];
}

/**
 * The resource name of a host's pool or network: its own name on the stack's
 * one host, `<host>/<name>` in a fleet with hosts (the same name on two hosts
 * is two objects). The share on the stack's URI also answers to the bare
 * name, so adding a `hosts` section that names the stack's host moves nothing.
 */
function placedName(share: HostShare, name: string, stackUri: string) {
  if (share.name === undefined) return { name, aliases: [] };
  return {
    name: `${share.name}/${name}`,
    aliases: share.uri === stackUri ? [{ name }] : [],
  };
}

export class Fleet extends pulumi.ComponentResource {
  /** By resource name: the pool's name, or `<host>/<pool>` in a fleet with hosts. */
  readonly pools: Record<string, StoragePool> = {};
  /** By resource name, like `pools`. */
  readonly networks: Record<string, Network> = {};
  readonly guests: Record<string, Guest> = {};
  private readonly hostOf: Record<string, string | undefined> = {};

  constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("deskfleet:fleet:Fleet", name, {}, opts);
    for (const share of sharesByHost(args.spec, args.uri)) this.placeShare(share, args);
    this.registerOutputs({ guests: this.guestSummaries() });
  }

  /** One host's pools (with their base images), networks and guests. */
  private placeShare(share: HostShare, args: FleetArgs): void {
    const { spec, uri } = share;
    const adopted = args.adopted?.[share.name ?? ""] ?? NOTHING_ADOPTED;
    const child = { parent: this };
    const pools: Record<string, StoragePool> = {};
    const networks: Record<string, Network> = {};
    for (const pool of spec.pools) {
      const placed = placedName(share, pool.name, args.uri);
      pools[pool.name] = this.pools[placed.name] = new StoragePool(
        placed.name,
        {
          pool,
          uri,
          images: spec.images.filter((i) => i.pool === pool.name),
          ...(adopted.pools[pool.name] ? { adoptId: adopted.pools[pool.name] } : {}),
        },
        { ...child, aliases: placed.aliases },
      );
    }
    for (const network of spec.networks) {
      const placed = placedName(share, network.name, args.uri);
      networks[network.name] = this.networks[placed.name] = new Network(
        placed.name,
        {
          network,
          uri,
          ...(adopted.networks[network.name] ? { adoptId: adopted.networks[network.name] } : {}),
        },
        { ...child, aliases: placed.aliases },
      );
    }
    const imageVolumes = Object.assign(
      {},
      ...Object.values(pools).map((p) => p.images),
    ) as StoragePool["images"];
    for (const guest of spec.guests) {
      this.hostOf[guest.name] = share.name;
      this.guests[guest.name] = new Guest(
        guest.name,
        {
          guest,
          uri,
          images: spec.images,
          imageVolumes,
          snapshotSchedules: spec.snapshotSchedules,
          backupSchedules: spec.backupSchedules,
          declaredAt: (path) => declaredAt(args.spec, path),
          ...(adopted.guests[guest.name]
            ? { adopted: { guest: adopted.guests[guest.name], volumes: adopted.volumes } }
            : {}),
          dependsOn: [
            ...new Set(guest.disks.map((d) => pools[d.pool])),
            ...new Set(guest.interfaces.map((n) => networks[n.network])),
          ].filter((r): r is StoragePool | Network => r !== undefined),
        },
        // A renamed guest is the same resources (Pulumi moves the children's aliases along).
        {
          ...child,
          aliases: (guest.formerly ?? [])
            .filter((name) => name !== guest.name)
            .map((name) => ({ name })),
        },
      );
    }
  }

  /** uuid, state, addresses and pending changes of every guest, by name (the stack's main output). */
  guestSummaries(): pulumi.Output<Record<string, GuestSummary>> {
    const entries = Object.entries(this.guests).map(([name, g]) =>
      pulumi
        .all([g.uuid, g.state, g.addresses, g.restartPending])
        .apply(([uuid, state, addresses, pending]): [string, GuestSummary] => [
          name,
          {
            ...(this.hostOf[name] !== undefined ? { host: this.hostOf[name] } : {}),
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
