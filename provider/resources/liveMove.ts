/**
 * Moving a running guest to another host live (`move: live`): libvirt's peer
 * to peer migration with its storage, so the guest keeps running and is
 * paused only for the last round of its memory. Whether it can, and how the
 * bytes travel, is liveMoveRules.ts; this file asks the hosts and does it:
 *
 *   1. check again what the preview checked (the hosts may have changed);
 *   2. make each disk's volume on the target, empty, like the source's (an
 *      overlay on the target's copy of its base), so only the top image is
 *      copied (NON_SHARED_INC) and overlays stay overlays;
 *   3. migrate: libvirt defines it there under the same UUID (so the same
 *      MACs; swtpm's state and the NVRAM travel in QEMU's stream) with the
 *      declared definition, and the guest runs there;
 *   4. remove it from the source, as the cold move does.
 *
 * A failure before the guest runs on the target leaves it running on the
 * source (libvirt's migration is all or nothing) and what step 2 made is
 * removed. The source's definition is marked "moved" before the migration
 * (and unmarked if it fails), so a move cut short after libvirt switched
 * over is finished by the next `up`, never redone from the stale source.
 */
import { posix } from "node:path";
import type { DomainRef, LibvirtClient, MigrateParamValue } from "../../libvirt";
import {
  DomainAffect,
  DomainJobStatsFlags,
  DomainMetadataType,
  DomainMigrateFlags,
  DomainUndefineFlags,
  DomainXmlFlags,
  MigrateParam,
  parseUri,
} from "../../libvirt";
import type { ParsedDomain } from "../../xml/domain";
import { MOVED_METADATA, movedXml } from "../../xml/metadata";
import { allOrNothing, doing, ignoreNotFound } from "../kind";
import { formatBytes, roughSize } from "../../units/size";
import type { MoveRequest, MoveResult } from "./domainMove";
import { cutShort, makeTargetVolume, removeFromSource, surveyMove } from "./domainMove";
import type { LiveChannel, LiveMoveFacts } from "./liveMoveRules";
import { liveChannel, liveMoveRefusals, liveRefusalMessage } from "./liveMoveRules";

/** What of the declared guest the rules look at. */
export interface LiveGuest {
  name: string;
  running: boolean;
  cpu: string;
  /** Its declared properties this `up` changes besides its host. */
  changes: readonly string[];
  pciDevices: readonly string[];
  usbDevices: readonly unknown[];
  shares: Record<string, unknown>;
}

/** Asks both hosts what liveMoveRules.ts looks at. */
export async function liveMoveFacts(
  from: LibvirtClient,
  to: LibvirtClient,
  dom: DomainRef,
  guest: LiveGuest,
): Promise<LiveMoveFacts> {
  const running = await from.domainIsActive(dom);
  const live = await from.domainGetXmlDesc(dom, running ? 0 : DomainXmlFlags.Inactive);
  const [fromLibvirt, toLibvirt, fromQemu, toQemu, caps] = await Promise.all([
    from.getLibVersion(),
    to.getLibVersion(),
    from.getVersion(),
    to.getVersion(),
    to.getCapabilities(),
  ]);
  const type = /<os>\s*<type\s+([^>]*)>/.exec(live)?.[1] ?? "";
  const arch = /arch=['"]([^'"]+)['"]/.exec(type)?.[1] ?? "x86_64";
  return {
    guest: guest.name,
    from: from.uri,
    to: to.uri,
    running,
    declaredRunning: guest.running,
    snapshots: (await from.domainListAllSnapshots(dom, 0)).map((s) => s.name),
    fromLibvirt,
    toLibvirt,
    fromQemu,
    toQemu,
    machine: /machine=['"]([^'"]+)['"]/.exec(type)?.[1] ?? "",
    targetMachines: machinesOf(caps, arch),
    cpu: guest.cpu,
    changes: guest.changes,
    pciDevices: guest.pciDevices.length,
    usbDevices: guest.usbDevices.length,
    shares: Object.keys(guest.shares).length,
  };
}

/** The machine types (and their aliases) a host's capabilities list for `arch`. */
export function machinesOf(capabilities: string, arch: string): string[] {
  const machines = new Set<string>();
  for (const guest of capabilities.match(/<guest>[\s\S]*?<\/guest>/g) ?? []) {
    if (!new RegExp(`<arch name=['"]${arch}['"]`).test(guest)) continue;
    for (const m of guest.matchAll(/<machine([^>]*)>([^<]+)<\/machine>/g)) {
      machines.add(m[2].trim());
      const canonical = /canonical=['"]([^'"]+)['"]/.exec(m[1])?.[1];
      if (canonical !== undefined) machines.add(canonical);
    }
  }
  return [...machines];
}

/** The user and group (numeric) the host's QEMU runs as: its DAC security model's base label. */
export function qemuOwner(capabilities: string): { uid: number; gid: number } {
  const label = /<baselabel type=['"]qemu['"]>\+?(\d+):\+?(\d+)<\/baselabel>/.exec(capabilities);
  return label ? { uid: Number(label[1]), gid: Number(label[2]) } : { uid: 0, gid: 0 };
}

/**
 * The preview's refusal (undefined: it can move live), as liveMoveRules.ts
 * words it; also what the move itself checks first.
 */
export async function liveMoveRefusal(
  from: LibvirtClient,
  to: LibvirtClient,
  dom: DomainRef,
  guest: LiveGuest,
  current: ParsedDomain,
  preview: boolean,
): Promise<string | undefined> {
  const facts = await liveMoveFacts(from, to, dom, guest);
  const refusals = liveMoveRefusals(facts, current.uuid);
  // What a cold move would refuse too (another guest of its name there, a missing disk).
  const survey = await surveyMove(from, to, dom, current, preview);
  refusals.push(...survey.problems.filter((p) => !/snapshot/.test(p)));
  return refusals.length > 0 ? liveRefusalMessage(facts, refusals) : undefined;
}

/** The preview's words for a live move: what it costs. */
export function liveMoveNote(
  name: string,
  fromUri: string,
  toUri: string,
  disks: number,
  allocated: number,
  memory: number,
  first: readonly string[],
): string {
  const made = first.length > 0 ? `${first.join(" and ")} made there first; ` : "";
  const peer =
    parseUri(toUri).transport === "ssh"
      ? ` (its daemon opens ${toUri} itself, as root with its own ssh keys)`
      : "";
  return (
    `move ${name} ${fromUri} → ${toUri} (${made}live: the guest runs on while its memory (${formatBytes(memory)}) ` +
    `and the data its ${disks} disk${disks === 1 ? "" : "s"} hold above their images (${roughSize(allocated)} allocated) ` +
    `are copied by ${fromUri}${peer} straight to the new host, then pauses for the last of its memory (well under a second when it writes little); ` +
    "UUID, MACs, NVRAM and TPM state kept; removed from the old host once it runs on the new one)"
  );
}

/** What a live move measured, for the resource's status line. */
export interface LiveMoveResult extends MoveResult {
  /** How long the guest was paused, in ms (libvirt's `downtime`), when the source said. */
  downtimeMs?: number;
  /** The migration, from its start to the guest running on the target, in ms. */
  elapsedMs: number;
}

/** Moves the running guest live (see the header). */
export async function moveGuestLive(req: MoveRequest, guest: LiveGuest): Promise<LiveMoveResult> {
  const { from, to, dom, current } = req;
  let started = performance.now();
  const { earlier, switchedOver } = await cutShort(req, true);
  if (earlier && switchedOver) {
    // Cut short after libvirt switched over: the guest runs on the target; only the removal is left.
    return { target: earlier, leftBehind: await removeFromSource(req), elapsedMs: 0 };
  }
  const refusal = await liveMoveRefusal(from, to, dom, guest, current, false);
  if (refusal !== undefined) throw new Error(refusal);
  const channel = liveChannel(from.uri, to.uri, current.uuid) as LiveChannel;
  // What a cut-short cold move left defined on the target is not the guest: the source is.
  if (earlier) {
    if (await to.domainIsActive(earlier)) await to.domainDestroy(earlier, 0);
    await to
      .domainUndefine(
        earlier,
        DomainUndefineFlags.SnapshotsMetadata |
          DomainUndefineFlags.KeepNvram |
          DomainUndefineFlags.KeepTpm,
      )
      .catch(ignoreNotFound);
  }
  const target = await allOrNothing(async (onUndo) => {
    const live = await from.domainGetXmlDesc(
      dom,
      DomainXmlFlags.Secure | DomainXmlFlags.Migratable,
    );
    const devices = volumeDisks(live);
    const paths = new Map<string, string>();
    for (const disk of current.disks) {
      const dev = devices.get(`${disk.pool}/${disk.volume}`);
      if (dev === undefined) {
        throw new Error(`disk ${disk.pool}/${disk.volume} is not among the running guest's disks`);
      }
      await doing(`making disk ${disk.pool}/${disk.volume} on ${to.uri.uri}`, async () => {
        const { copy } = await makeTargetVolume(from, to, disk.pool, disk.volume, onUndo);
        paths.set(dev, await to.storageVolGetPath(copy));
      });
    }
    await markMoved(from, dom, movedXml(to.uri.uri));
    onUndo(() => markMoved(from, dom, null));
    const folder = channel.socketFolder;
    const removeFolder =
      folder === undefined
        ? () => Promise.resolve()
        : await doing(`making the folder of its sockets ${folder}`, () =>
            makeSocketFolder(to, folder),
          );
    try {
      req.progress?.(`migrating live to ${to.uri.uri}`);
      started = performance.now();
      await doing(`migrating it live to ${to.uri.uri}`, () =>
        from.domainMigratePerform3Params(
          dom,
          channel.dconnuri,
          migrateParams(channel, withFileDisks(live, paths), req.definition, [...paths.keys()]),
          DomainMigrateFlags.Live |
            DomainMigrateFlags.PersistDest |
            DomainMigrateFlags.NonSharedInc |
            DomainMigrateFlags.AbortOnError |
            DomainMigrateFlags.AutoConverge,
        ),
      );
    } finally {
      await removeFolder().catch(() => undefined);
    }
    return to.domainLookupByUuid(dom.uuid);
  });
  const elapsedMs = performance.now() - started;
  const stats = await from
    .domainGetJobStats(dom, DomainJobStatsFlags.Completed)
    .catch(() => undefined);
  const downtime = stats?.stats.get("downtime");
  await to.domainSetAutostart(target, req.autostart);
  return {
    target,
    leftBehind: await removeFromSource(req),
    elapsedMs,
    ...(typeof downtime === "number" ? { downtimeMs: downtime } : {}),
  };
}

/** The status line after a live move: how long it took and how long the guest was paused. */
export function liveMoveFigures(moved: LiveMoveResult): string {
  const paused = moved.downtimeMs !== undefined ? `, paused ${moved.downtimeMs} ms` : "";
  return `moved live in ${(moved.elapsedMs / 1000).toFixed(1)} s${paused}`;
}

/** Marks (or, with null, unmarks) the source's definition as moved to the target. */
async function markMoved(conn: LibvirtClient, dom: DomainRef, xml: string | null): Promise<void> {
  // The definition only: the running guest's copy would travel to the target with it.
  await conn.domainSetMetadata(
    dom,
    DomainMetadataType.Element,
    xml,
    MOVED_METADATA.key,
    MOVED_METADATA.uri,
    DomainAffect.Config,
  );
}

/** The migration's parameters: where the bytes go, which disks, and both definitions. */
export function migrateParams(
  channel: LiveChannel,
  destinationXml: string,
  persistentXml: string,
  disks: readonly string[],
): MigrateParamValue[] {
  return [
    ...(channel.migrateUri !== undefined
      ? [{ name: MigrateParam.Uri, string: channel.migrateUri }]
      : []),
    ...(channel.disksUri !== undefined
      ? [{ name: MigrateParam.DisksUri, string: channel.disksUri }]
      : []),
    ...disks.map((dev) => ({ name: MigrateParam.MigrateDisks, string: dev })),
    { name: MigrateParam.DestXml, string: destinationXml },
    { name: MigrateParam.PersistXml, string: persistentXml },
  ];
}

/** The running guest's writable pool-volume disks: `pool/volume` → its target device (`vda`). */
export function volumeDisks(xml: string): Map<string, string> {
  const disks = new Map<string, string>();
  for (const disk of xml.match(/<disk\b[^>]*>[\s\S]*?<\/disk>/g) ?? []) {
    if (!/^<disk\b[^>]*\btype=['"]volume['"]/.test(disk) || /<readonly\s*\/>/.test(disk)) continue;
    const source = /<source\b[^>]*>/.exec(disk)?.[0] ?? "";
    const pool = /\bpool=['"]([^'"]+)['"]/.exec(source)?.[1];
    const volume = /\bvolume=['"]([^'"]+)['"]/.exec(source)?.[1];
    const dev = /<target\s+dev=['"]([^'"]+)['"]/.exec(disk)?.[1];
    if (pool !== undefined && volume !== undefined && dev !== undefined) {
      disks.set(`${pool}/${volume}`, dev);
    }
  }
  return disks;
}

/**
 * The running guest's definition with each disk in `paths` (target device →
 * the file on the target) as a plain file: libvirt's target checks whether a
 * disk's file exists, to copy only its top image, and a pool volume names no
 * file there ("pre-creation of storage targets for incremental storage
 * migration is not supported"). The definition the guest boots with next is
 * the declared one (persistent_xml), with its volumes.
 */
export function withFileDisks(xml: string, paths: ReadonlyMap<string, string>): string {
  return xml.replace(/<disk\b[^>]*>[\s\S]*?<\/disk>/g, (disk) => {
    const dev = /<target\s+dev=['"]([^'"]+)['"]/.exec(disk)?.[1];
    const path = dev === undefined ? undefined : paths.get(dev);
    if (path === undefined) return disk;
    const file = path.replace(/&/g, "&amp;").replace(/'/g, "&apos;").replace(/</g, "&lt;");
    return disk
      .replace(/^<disk\b([^>]*)\btype=['"]volume['"]/, "<disk$1type='file'")
      .replace(/<source\b[^>]*?\/>|<source\b[^>]*>[\s\S]*?<\/source>/, `<source file='${file}'/>`);
  });
}

/**
 * The folder for the migration's unix sockets, on the target, writable by
 * its QEMU (which listens there) and no one else: a pool defined over it only
 * to build it with that owner. Returns what removes folder and pool again.
 */
async function makeSocketFolder(to: LibvirtClient, folder: string): Promise<() => Promise<void>> {
  const { uid, gid } = qemuOwner(await to.getCapabilities());
  const name = posix.basename(folder);
  const leftover = await to.storagePoolLookupByName(name).catch(ignoreNotFound);
  if (leftover) {
    // A move cut short left it; a daemon restarted since made it active (a dir pool whose
    // folder exists is taken for running).
    if (await to.storagePoolIsActive(leftover)) await to.storagePoolDestroy(leftover);
    await to.storagePoolDelete(leftover, 0).catch(() => undefined);
    await to.storagePoolUndefine(leftover);
  }
  const pool = await to.storagePoolDefineXml(
    `<pool type='dir'><name>${name}</name><target><path>${folder}</path>` +
      `<permissions><mode>0770</mode><owner>${uid}</owner><group>${gid}</group></permissions>` +
      "</target></pool>",
    0,
  );
  try {
    await to.storagePoolBuild(pool, 0);
  } catch (err) {
    await to.storagePoolUndefine(pool).catch(() => undefined);
    throw err;
  }
  return async () => {
    // QEMU and libvirt remove their sockets once the migration ends: the folder is empty.
    await to.storagePoolDelete(pool, 0).catch(() => undefined);
    await to.storagePoolUndefine(pool);
  };
}
