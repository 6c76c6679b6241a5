/**
 * Hosts: the libvirt hosts one stack manages (`hosts: { desk: qemu:///system,
 * laptop: qemu+ssh://me@laptop/system }`), and where each entry goes.
 *
 * - A pool or network is on every host unless it says `hosts: [desk]`.
 * - A guest is on its `host` (required when there are several hosts).
 * - An image is on the hosts it names, else on every host one of its guests
 *   is on, so a base image is uploaded once to each host that needs it, and
 *   moving a guest brings its image to the new host.
 * - What a guest uses (its disks' pools, its networks, its images) must be on
 *   its host: said at the reference, before anything reaches a host.
 *
 * A fleet without `hosts` is on the stack's one host (`deskfleet:uri`), as
 * before hosts existed: no entry may then name a host.
 */
import type { Issues } from "./issues";
import type { Path } from "./positions";
import { Names } from "./refs";
import { hostSchema } from "./schema";
import { quoteList } from "./suggest";
import type { FleetSpec, GuestSpec, HostSpec, OnHosts } from "./spec";
import type { Entry, GuestEntry, ShapedFleet } from "./validate";

type Placed = Omit<FleetSpec, "hosts">;

/** The fleet's hosts; two names for one URI would manage the same objects twice. */
function resolveHosts(entries: Entry<string>[], issues: Issues): HostSpec[] {
  const byUri = new Map<string, string>();
  const hosts: HostSpec[] = [];
  for (const { name, path, fields: uri } of entries) {
    if (uri === undefined) continue;
    const other = byUri.get(uri);
    if (other !== undefined) {
      issues.value(path, "duplicate_name", `${uri} is already the URI of host "${other}"`);
      continue;
    }
    byUri.set(uri, name);
    hosts.push({ name, uri });
  }
  return hosts;
}

/** Fills in every entry's hosts (`OnHosts`, `GuestSpec.host`) and checks what spans hosts. */
export function placeOnHosts(fleet: ShapedFleet, spec: Placed, issues: Issues): FleetSpec {
  const hosts = resolveHosts(fleet.hosts, issues);
  const named = new Names(
    "host",
    fleet.hosts.map((h) => h.name),
  );
  const entriesOf = <T extends { name: string }, F>(kind: Entry<F>[], specs: T[]) =>
    specs.map((s) => ({ spec: s, entry: kind.find((e) => e.name === s.name) }));
  if (fleet.hosts.length === 0) {
    refuseHostsWithoutHosts(fleet, issues);
    const guests = spec.guests.map((g) => withMovedFrom(g, entryOf(fleet, g), hosts, issues));
    return { hosts, ...spec, guests };
  }
  const listed = (entry: Entry<{ hosts?: string[] }> | undefined): string[] | undefined => {
    const names = entry?.fields?.hosts;
    if (names === undefined || entry === undefined) return undefined;
    return names.filter((name, i) => named.check(name, [...entry.path, "hosts", i], issues));
  };
  const everywhere = [...named.all];
  const pools = entriesOf(fleet.pools, spec.pools).map(({ spec: p, entry }) => ({
    ...p,
    hosts: listed(entry) ?? everywhere,
  }));
  const networks = entriesOf(fleet.networks, spec.networks).map(({ spec: n, entry }) => ({
    ...n,
    hosts: listed(entry) ?? everywhere,
  }));
  const guests = spec.guests.map((g) => {
    const entry = entryOf(fleet, g);
    const host = entry && guestHost(entry, named, issues);
    return withMovedFrom(host === undefined ? g : { ...g, host }, entry, hosts, issues);
  });
  const images = entriesOf(fleet.images, spec.images).map(({ spec: image, entry }) => {
    const users = guests.filter((g) => usesImage(g, image.name)).map((g) => g.host);
    const needed = everywhere.filter((h) => users.includes(h));
    return { ...image, hosts: listed(entry) ?? needed };
  });
  const placed = { ...spec, hosts, pools, networks, images, guests };
  for (const image of images) {
    const entry = fleet.images.find((e) => e.name === image.name);
    const pool = pools.find((p) => p.name === image.pool);
    if (entry && pool) notOn(image.hosts, pool, "pool", [...entry.path, "pool"], issues);
  }
  for (const guest of guests) {
    const entry = entryOf(fleet, guest);
    if (entry && guest.host !== undefined) usesAreOnHost(guest.host, guest, entry, placed, issues);
  }
  return placed;
}

/**
 * The guest with its `movedFrom` as a URI: a host's name stands for its URI;
 * a URI is taken as it is (the host left may be gone from `hosts`). Naming
 * the guest's own host would acknowledge nothing, so it is refused.
 */
function withMovedFrom(
  guest: GuestSpec,
  entry: GuestEntry | undefined,
  hosts: HostSpec[],
  issues: Issues,
): GuestSpec {
  const given = entry?.fields?.movedFrom;
  if (entry === undefined || given === undefined) return guest;
  const path = [...entry.path, "movedFrom"];
  const named = hosts.find((h) => h.name === given);
  const uri = named?.uri ?? (hostSchema.safeParse(given).success ? given : undefined);
  if (uri === undefined) {
    const names = hosts.length > 0 ? `a host of ${quoteList(hosts.map((h) => h.name))} or ` : "";
    issues.value(
      path,
      "unknown_reference",
      `expected ${names}the libvirt URI of the host it leaves, like "qemu+ssh://me@desk/system"`,
    );
    return guest;
  }
  const own = hosts.find((h) => h.name === guest.host);
  if (own !== undefined && own.uri === uri) {
    issues.value(
      path,
      "invalid_value",
      `"${given}" is the guest's own host; name the host it leaves, or remove movedFrom`,
    );
    return guest;
  }
  return { ...guest, movedFrom: uri };
}

function entryOf(fleet: ShapedFleet, guest: GuestSpec): GuestEntry | undefined {
  return fleet.guests.find((e) => e.name === guest.name);
}

function usesImage(guest: GuestSpec, image: string): boolean {
  return guest.disks.some((d) => d.image === image) || guest.cdroms.some((c) => c.image === image);
}

/** Its `host`, or the fleet's only host; undefined when missing or unknown (reported). */
function guestHost(entry: GuestEntry, hosts: Names, issues: Issues): string | undefined {
  const host = entry.fields?.host;
  if (host === undefined) {
    if (hosts.all.length === 1) return hosts.all[0];
    if (entry.fields) {
      issues.missing(entry.path, "host", `the fleet has several hosts: ${quoteList(hosts.all)}`);
    }
    return undefined;
  }
  return hosts.check(host, [...entry.path, "host"], issues) ? host : undefined;
}

/** Reports at `path` that `what` (a pool, network or image) is not on every host in `on`. */
function notOn(
  on: readonly string[],
  what: { name: string; hosts?: string[] },
  kind: "pool" | "network" | "image",
  path: Path,
  issues: Issues,
): void {
  const missing = on.filter((host) => !(what.hosts ?? []).includes(host));
  if (missing.length === 0) return;
  const message = `${kind} "${what.name}" is not on host ${quoteList(missing)} (it is on ${quoteList(what.hosts ?? [])}); add the host to its "hosts" or remove that list`;
  issues.value(path, "unknown_reference", message);
}

/** The guest's disks' pools, its networks and its images are on its host. */
function usesAreOnHost(
  host: string,
  guest: GuestSpec,
  entry: GuestEntry,
  fleet: Placed,
  issues: Issues,
): void {
  const here = [host];
  const diskPath = (disk: string): Path =>
    entry.disks.find((d) => d.name === disk)?.path ?? entry.path;
  const check = <T extends OnHosts & { name: string }>(
    list: T[],
    name: string,
    kind: "pool" | "network" | "image",
    path: Path,
  ) => {
    const found = list.find((x) => x.name === name);
    if (found) notOn(here, found, kind, path, issues);
  };
  for (const disk of guest.disks) {
    check(fleet.pools, disk.pool, "pool", [...diskPath(disk.name), "pool"]);
    if (disk.image !== undefined) {
      check(fleet.images, disk.image, "image", [...diskPath(disk.name), "image"]);
    }
  }
  for (const cdrom of guest.cdroms) {
    check(fleet.images, cdrom.image, "image", [...diskPath(cdrom.name), "cdrom"]);
  }
  if (guest.seed) check(fleet.pools, guest.seed.pool, "pool", [...entry.path, "cloudInit"]);
  guest.interfaces.forEach((nic, i) => {
    const path = entry.interfaces[i]?.networkPath ?? entry.path;
    check(fleet.networks, nic.network, "network", path);
  });
}

/** Without a `hosts` section there is one host, unnamed: naming one is a mistake. */
function refuseHostsWithoutHosts(fleet: ShapedFleet, issues: Issues): void {
  const why =
    'the fleet declares no hosts: add a "hosts" section (e.g. hosts: { desk: "qemu:///system" }) or remove this';
  const sections = [fleet.pools, fleet.networks, fleet.images] as Entry<{ hosts?: string[] }>[][];
  for (const entry of sections.flat()) {
    if (entry.fields?.hosts !== undefined) {
      issues.value([...entry.path, "hosts"], "unknown_reference", why);
    }
  }
  for (const entry of fleet.guests) {
    if (entry.fields?.host !== undefined) {
      issues.value([...entry.path, "host"], "unknown_reference", why);
    }
  }
}

/** One host's share of the fleet: `name` undefined for a fleet without hosts (the stack's host). */
export interface HostShare {
  name?: string;
  uri: string;
  spec: FleetSpec;
}

/**
 * The fleet split by host: what each host must have. A fleet without `hosts`
 * is one share, on `stackUri`.
 */
export function sharesByHost(spec: FleetSpec, stackUri: string): HostShare[] {
  if (spec.hosts.length === 0) return [{ uri: stackUri, spec }];
  return spec.hosts.map(({ name, uri }) => {
    const on = (x: OnHosts) => (x.hosts ?? []).includes(name);
    return {
      name,
      uri,
      spec: {
        ...spec,
        pools: spec.pools.filter(on),
        networks: spec.networks.filter(on),
        images: spec.images.filter(on),
        guests: spec.guests.filter((g) => g.host === name),
      },
    };
  });
}
