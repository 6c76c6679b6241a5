/**
 * Whether a guest can move live (`move: live`) from one host to another, and
 * how its bytes travel: pure rules over what the hosts and the guest are, so
 * the preview refuses what would fail, with the reason, before anything runs.
 *
 * The migration is libvirt's peer to peer: the SOURCE daemon opens the
 * destination's URI itself and its QEMU sends memory and disks straight to
 * the destination's QEMU. So the destination must be reachable from the
 * source host, not just from the machine running Pulumi. Tunnelled migration
 * (everything through the daemons' connection) cannot copy storage: libvirt
 * has no host for the NBD server then ("argument key 'host' must not have
 * null value", measured on libvirt 9.0).
 *
 *  - destination remote (ssh, tcp, tls: it has a host): the source daemon
 *    connects to that URI; memory goes to `tcp://HOST` and each disk to the
 *    NBD server libvirt starts there.
 *  - both local (sockets on this machine): the source daemon connects to the
 *    destination's socket, which must be named (`?socket=`: a daemon asked for
 *    the default socket would open its own); memory and disks go through unix
 *    sockets in a folder beside that socket (libvirt ≥ 6.6's `disks_uri`), so
 *    no network is needed between the two (the hosts here have none).
 *  - source remote, destination local: the source host cannot reach a socket
 *    on this machine: refused.
 */
import { posix } from "node:path";
import type { LibvirtUri } from "../../libvirt";

/** libvirt's `disks_uri` (NBD over a unix socket) came with 6.6.0. */
export const DISKS_URI_SINCE = 6_006_000;

/** What the rules look at, gathered from both hosts at preview (liveMove.ts). */
export interface LiveMoveFacts {
  guest: string;
  from: LibvirtUri;
  to: LibvirtUri;
  /** The guest runs on the source now. */
  running: boolean;
  /** The fleet wants it running (`running`). */
  declaredRunning: boolean;
  snapshots: readonly string[];
  /** Versions as libvirt encodes them (major × 1,000,000 + minor × 1,000 + micro). */
  fromLibvirt: number;
  toLibvirt: number;
  fromQemu: number;
  toQemu: number;
  /** The machine type the guest runs with (`pc-q35-7.2`). */
  machine: string;
  /** Machine types the destination's QEMU has, for the guest's arch and domain type. */
  targetMachines: readonly string[];
  cpu: string;
  /** The guest's declared properties this `up` changes besides its host (changedProperties). */
  changes: readonly string[];
  pciDevices: number;
  usbDevices: number;
  shares: number;
}

/**
 * Changes a live move carries out as well: deskfleet's own settings, and the
 * move itself. Any other (memory, devices, a rebuild…) would have to reach a
 * guest that is running on through the migration.
 */
const CARRIED = new Set([
  "uri",
  "move",
  "running",
  "autostart",
  "shutdownTimeout",
  "waitFor",
  "waitTimeout",
  "keepFirmwareState",
  "restart",
]);

/** How the migration reaches the destination (see the header). */
export interface LiveChannel {
  /** The destination as the source daemon opens it. */
  dconnuri: string;
  /** Where memory goes; undefined: where libvirt's destination says. */
  migrateUri?: string;
  /** Where disks go (NBD); undefined: the host of migrateUri. */
  disksUri?: string;
  /** The folder on the destination that holds the two sockets (made for the move, then removed). */
  socketFolder?: string;
}

const version = (v: number) =>
  `${Math.floor(v / 1_000_000)}.${Math.floor(v / 1000) % 1000}.${v % 1000}`;

/** Whether the URI's daemon is reached through a socket on this machine. */
export const isLocal = (uri: LibvirtUri) => uri.transport === "unix" || uri.host === undefined;

/**
 * How the bytes travel, or why they cannot: the first reason found. `uuid`
 * names the guest's socket folder, so two moves never share one.
 */
export function liveChannel(
  from: LibvirtUri,
  to: LibvirtUri,
  uuid: string,
): LiveChannel | { refused: string } {
  if (!isLocal(to)) {
    return { dconnuri: to.uri, migrateUri: `tcp://${hostForUri(to.host ?? "")}` };
  }
  if (!isLocal(from)) {
    return {
      refused: `${to.uri} is a socket on the machine running Pulumi, which the daemon of ${from.uri} (another machine) cannot reach; name the destination by an address the source host reaches (qemu+ssh://… or qemu+tcp://…)`,
    };
  }
  if (to.socket === undefined) {
    return {
      refused: `both are sockets on this machine, and the daemon of ${from.uri} asked for ${to.uri} would open its own default socket, not necessarily the one this machine reaches; name the destination's socket (${to.uri.includes("?") ? "&" : "?"}socket=…)`,
    };
  }
  const folder = posix.join(posix.dirname(to.socket), `deskfleet-migrate-${uuid.slice(0, 8)}`);
  return {
    dconnuri: to.uri,
    migrateUri: `unix://${folder}/memory.sock`,
    disksUri: `unix://${folder}/disks.sock`,
    socketFolder: folder,
  };
}

/** An IPv6 address in brackets, as a URI's host. */
function hostForUri(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** Every reason the guest cannot move live (empty: it can), each one sentence. */
export function liveMoveRefusals(f: LiveMoveFacts, uuid: string): string[] {
  const refusals: string[] = [];
  if (!f.running) refusals.push("it is not running (a live move carries a running guest)");
  else if (!f.declaredRunning) refusals.push("the fleet says running: false");
  const channel = liveChannel(f.from, f.to, uuid);
  if ("refused" in channel) refusals.push(channel.refused);
  else if (channel.disksUri !== undefined) {
    const old = [
      f.fromLibvirt < DISKS_URI_SINCE ? `${f.from.uri} has libvirt ${version(f.fromLibvirt)}` : "",
      f.toLibvirt < DISKS_URI_SINCE ? `${f.to.uri} has libvirt ${version(f.toLibvirt)}` : "",
    ].filter(Boolean);
    if (old.length > 0) {
      refusals.push(
        `copying disks through a unix socket needs libvirt 6.6 or later (${old.join(", ")})`,
      );
    }
  }
  if (f.toQemu < f.fromQemu) {
    refusals.push(
      `QEMU migrates only to the same or a newer QEMU (${f.from.uri} runs ${version(f.fromQemu)}, ${f.to.uri} ${version(f.toQemu)})`,
    );
  } else if (!f.targetMachines.includes(f.machine)) {
    refusals.push(`${f.to.uri}'s QEMU has no machine type ${f.machine}, which the guest runs with`);
  }
  if (f.snapshots.length > 0) {
    refusals.push(
      `it has snapshots (${f.snapshots.join(", ")}), which a live copy of its disks does not carry (internal ones live inside the disk images, external ones are overlays); delete them first`,
    );
  }
  const others = f.changes.filter((c) => !CARRIED.has(c));
  if (others.length > 0) {
    refusals.push(
      `this up also changes its ${others.join(", ")}, which a live move does not apply to the running guest; apply them in an up of their own first`,
    );
  }
  if (f.cpu === "host-passthrough") {
    refusals.push("its CPU is host-passthrough, which moves live only between identical CPUs");
  }
  const devices = [
    f.pciDevices > 0 ? "PCI devices" : "",
    f.usbDevices > 0 ? "USB devices" : "",
    f.shares > 0 ? "virtiofs shares" : "",
  ].filter(Boolean);
  if (devices.length > 0) {
    refusals.push(`its host ${devices.join(" and ")} cannot be migrated by QEMU`);
  }
  return refusals;
}

/** The preview's error for a guest that cannot move live: who, where, why, and what to do. */
export function liveRefusalMessage(f: LiveMoveFacts, refusals: readonly string[]): string {
  return (
    `guest ${f.guest} cannot move live ${f.from.uri} → ${f.to.uri}: ${refusals.join("; ")}. ` +
    "Remove `move: live` to move it cold (it shuts down, its disks are copied, it starts on the new host), or fix the above"
  );
}
