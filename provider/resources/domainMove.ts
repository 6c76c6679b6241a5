/**
 * Moving a guest to another host (its `host` changed in the fleet), cold:
 *
 *   1. check, changing nothing: the target has the guest's pools and the base
 *      images its overlays are built on, at the same paths; no other guest
 *      there has its name; it has no external snapshots;
 *   2. shut the guest down gracefully on the source;
 *   3. copy to the target, through this process: every disk (sparse; an
 *      overlay as an overlay on the target's copy of its base), each verified
 *      by reading it back (libvirt/volumeCopy.ts); its NVRAM and the NVRAM kept
 *      beside its snapshots; its TPM state;
 *   4. define it there under the same UUID (so the same MACs, and swtpm finds
 *      its state), with its snapshots' metadata (internal snapshots are inside
 *      the copied qcow2 files), and start it if it is to run;
 *   5. only then remove it from the source: its definition, NVRAM, TPM state
 *      and disks.
 *
 * A failure before step 5 undoes what was made on the target and starts the
 * source guest again if it was running: the source is as it was. A move cut
 * short (the process killed) leaves the source guest defined and intact, and
 * the next `up` starts the move again, over whatever the cut left on the
 * target (the source is the one truth until step 5).
 */
import { posix } from "node:path";
import type { DomainRef, LibvirtClient, StorageVolRef } from "../../libvirt";
import {
  DomainSnapshotCreateFlags,
  DomainSnapshotListFlags,
  DomainUndefineFlags,
  DomainXmlFlags,
  ErrorCode,
  copyVolume,
  hasCode,
} from "../../libvirt";
import type { ParsedDomain } from "../../xml/domain";
import { defaultNvramPath } from "../../xml/nvram";
import { buildVolumeXml, parseVolumeXml } from "../../xml/volume";
import { copyName, dropNvram } from "../../snapshots/nvramCopy";
import {
  readHostFolder,
  removeHostFiles,
  tpmStateDir,
  writeHostFolder,
} from "../../snapshots/hostFolder";
import { MOVED_METADATA, movedXml, parseMovedXml } from "../../xml/metadata";
import { readMetadataElement, writeMetadataElement } from "../../xml/domainMetadata";
import { allOrNothing, doing, ignoreNotFound } from "../kind";
import { roughSize } from "../../units/size";
import { noteOverlay } from "./backingUsers";
import { shutDownGracefully, startGuest } from "../../guests/lifecycle";

export interface MoveRequest {
  from: LibvirtClient;
  to: LibvirtClient;
  dom: DomainRef;
  /** The source's definition, each disk resolved to its volume (diskChains.ts). */
  current: ParsedDomain;
  /** The definition to write on the target (the declared guest, same UUID). */
  definition: string;
  running: boolean;
  autostart: boolean;
  shutdownTimeout: number;
  guestAgent: boolean;
  /** Progress, for the resource's status line. */
  progress?: (message: string) => void;
}

/** What a move copies, and what keeps it from moving (empty when it can). */
export interface MoveSurvey {
  /** Bytes the source's disk files hold (what travels; holes do not). */
  allocated: number;
  disks: number;
  snapshots: number;
  problems: string[];
  /** What the same `up` makes on the target before the move (asked at preview only). */
  first: string[];
}

/**
 * What moving the guest would copy and what would refuse it, changing
 * nothing. At preview (`preview`), a pool or base image the target lacks is
 * one the same `up` makes first (the fleet's loader saw to it that the fleet
 * declares them there): said, not refused.
 */
export async function surveyMove(
  from: LibvirtClient,
  to: LibvirtClient,
  dom: DomainRef,
  current: ParsedDomain,
  preview = false,
): Promise<MoveSurvey> {
  const problems: string[] = [];
  const first: string[] = [];
  const lacks = (what: string, problem: string) =>
    preview ? first.push(what) : problems.push(problem);
  let allocated = 0;
  for (const disk of current.disks) {
    if (disk.overlay !== undefined) {
      problems.push(
        `disk ${disk.pool}/${disk.volume} writes through an external snapshot's overlay; delete its external snapshots first (deskfleet snapshots)`,
      );
      continue;
    }
    const vol = await volumeOf(from, disk.pool, disk.volume);
    if (!vol) {
      problems.push(`its disk ${disk.pool}/${disk.volume} is not on ${from.uri.uri}`);
      continue;
    }
    allocated += Number((await from.storageVolGetInfo(vol)).allocation);
    const pool = await to.storagePoolLookupByName(disk.pool).catch(ignoreNotFound);
    if (!pool || !(await to.storagePoolIsActive(pool))) {
      lacks(
        `pool ${disk.pool}`,
        `${to.uri.uri} has no running pool "${disk.pool}" for disk ${disk.volume}`,
      );
      continue;
    }
    const backing = parseVolumeXml(await from.storageVolGetXmlDesc(vol, 0)).backingPath;
    if (backing !== undefined) {
      const base = await to.storageVolLookupByPath(backing).catch(ignoreNotFound);
      if (!base) {
        lacks(
          `its base ${posix.basename(backing)}`,
          `disk ${disk.pool}/${disk.volume} is an overlay on ${backing}, which ${to.uri.uri} does not have (declare its image on that host, in a pool at the same path)`,
        );
      }
    }
  }
  const sameName = await to.domainLookupByName(current.name).catch(ignoreNotFound);
  if (sameName && current.uuid !== "" && sameName.uuid.join() !== dom.uuid.join()) {
    problems.push(`${to.uri.uri} has another guest named "${current.name}"`);
  }
  const external = await from.domainListAllSnapshots(dom, DomainSnapshotListFlags.External);
  if (external.length > 0) {
    problems.push(
      `it has external snapshots (${external.map((s) => s.name).join(", ")}), which deskfleet does not move yet; delete them first`,
    );
  }
  const snapshots = (await from.domainListAllSnapshots(dom, 0)).length;
  return {
    allocated,
    disks: current.disks.length,
    snapshots,
    problems,
    first: [...new Set(first)],
  };
}

/** The preview's words for a move (its cost, or why it cannot happen). */
export function moveNote(name: string, fromUri: string, toUri: string, survey: MoveSurvey): string {
  if (survey.problems.length > 0) {
    return `guest ${name} cannot move ${fromUri} → ${toUri}: ${survey.problems.join("; ")}`;
  }
  const snaps =
    survey.snapshots > 0
      ? `, ${survey.snapshots} snapshot${survey.snapshots === 1 ? "" : "s"} with them`
      : "";
  const first = survey.first.length > 0 ? `${survey.first.join(" and ")} made there first; ` : "";
  return (
    `move ${name} ${fromUri} → ${toUri} (${first}cold: the guest stops while its ${survey.disks} ` +
    `disk${survey.disks === 1 ? "" : "s"} (${roughSize(survey.allocated)} allocated) are copied and verified${snaps}; ` +
    "UUID, MACs, NVRAM and TPM state kept; removed from the old host only once it runs on the new one)"
  );
}

/** The guest on the target, and what could not be removed from the source (empty when all was). */
export interface MoveResult {
  target: DomainRef;
  leftBehind: string[];
}

/**
 * What a move cut short left: the guest's definition on the target (undefined
 * when there is none), and whether the move got past its switch-over, so that
 * only the removal from the source is left: the source is marked as moved to
 * this target and no longer runs (a source that runs was never switched over:
 * a live move's mark whose migration failed), and, with `targetRunning`, the
 * target runs it.
 */
export async function cutShort(
  req: Pick<MoveRequest, "from" | "to" | "dom">,
  targetRunning: boolean,
): Promise<{ earlier?: DomainRef; switchedOver: boolean }> {
  const { from, to, dom } = req;
  const earlier = await to.domainLookupByUuid(dom.uuid).catch(ignoreNotFound);
  if (!earlier) return { switchedOver: false };
  const marked = await readMetadataElement(from, dom, MOVED_METADATA);
  const switchedOver =
    marked !== undefined &&
    parseMovedXml(marked) === to.uri.uri &&
    !(await from.domainIsActive(dom)) &&
    (!targetRunning || (await to.domainIsActive(earlier)));
  return { earlier, switchedOver };
}

/** Moves the guest (see the header). */
export async function moveGuest(req: MoveRequest): Promise<MoveResult> {
  const { from, to, dom, current } = req;
  const { earlier, switchedOver } = await cutShort(req, false);
  if (earlier && switchedOver) {
    // Cut short after the guest started on the target: only the removal is left to do.
    return { target: earlier, leftBehind: await removeFromSource(req) };
  }
  const survey = await surveyMove(from, to, dom, current);
  if (survey.problems.length > 0) throw new Error(survey.problems.join("; "));
  // What a move cut short before that left running on the target is not the guest: the source is.
  if (earlier && (await to.domainIsActive(earlier))) await to.domainDestroy(earlier, 0);
  const wasRunning = await from.domainIsActive(dom);
  if (wasRunning) {
    req.progress?.(`shutting down on ${from.uri.uri}`);
    await shutDownGracefully(from, dom, req.shutdownTimeout, req.guestAgent);
  }
  const snapshots = await from.domainListAllSnapshots(dom, DomainSnapshotListFlags.Topological);
  const target = await allOrNothing(async (onUndo) => {
    // Registered first, so it runs last: the source guest runs again as it did.
    if (wasRunning) onUndo(() => startGuest(from, dom));
    for (const disk of current.disks) {
      await doing(`copying disk ${disk.pool}/${disk.volume}`, () =>
        copyDisk(req, disk.pool, disk.volume, onUndo),
      );
    }
    await doing("copying its firmware state", () =>
      copyFirmwareState(
        req,
        snapshots.map((s) => s.name),
        onUndo,
      ),
    );
    const defined = await to.domainDefineXml(req.definition, 0);
    onUndo(() =>
      to.domainUndefine(
        defined,
        DomainUndefineFlags.SnapshotsMetadata |
          DomainUndefineFlags.KeepNvram |
          DomainUndefineFlags.KeepTpm,
      ),
    );
    await doing("carrying its snapshots' metadata", () =>
      redefineSnapshots(req, defined, snapshots),
    );
    await to.domainSetAutostart(defined, req.autostart);
    if (req.running) {
      req.progress?.(`starting on ${to.uri.uri}`);
      await startGuest(to, defined);
      onUndo(() => to.domainDestroy(defined, 0));
    }
    // The point of no return: from here on the target is the guest.
    await writeMetadataElement(from, dom, MOVED_METADATA, movedXml(to.uri.uri));
    return defined;
  });
  return { target, leftBehind: await removeFromSource(req) };
}

async function volumeOf(
  conn: LibvirtClient,
  poolName: string,
  name: string,
): Promise<StorageVolRef | undefined> {
  const pool = await conn.storagePoolLookupByName(poolName).catch(ignoreNotFound);
  return pool && conn.storageVolLookupByName(pool, name).catch(ignoreNotFound);
}

/** The disk's volume made again on the target (makeTargetVolume) and its bytes copied over it. */
async function copyDisk(
  req: MoveRequest,
  poolName: string,
  name: string,
  onUndo: (undo: () => Promise<unknown>) => void,
): Promise<void> {
  const { from, to } = req;
  const { source, copy } = await makeTargetVolume(from, to, poolName, name, onUndo);
  const { allocation } = await from.storageVolGetInfo(source);
  const total = roughSize(Number(allocation));
  let shown = 0;
  await copyVolume({ conn: from, vol: source }, { conn: to, vol: copy }, (done) => {
    if (done - shown < 64 * 1024 ** 2) return;
    shown = done;
    req.progress?.(`copying ${name}: ${roughSize(done)} read (${total} allocated)`);
  });
}

/**
 * The disk's volume made on the target like the source's (same format and
 * capacity; an overlay on the same base path), empty; what an earlier,
 * cut-short move left there is replaced. Also where a live move's copy lands.
 */
export async function makeTargetVolume(
  from: LibvirtClient,
  to: LibvirtClient,
  poolName: string,
  name: string,
  onUndo: (undo: () => Promise<unknown>) => void,
): Promise<{ source: StorageVolRef; copy: StorageVolRef }> {
  const source = await from.storageVolLookupByName(
    await from.storagePoolLookupByName(poolName),
    name,
  );
  const model = parseVolumeXml(await from.storageVolGetXmlDesc(source, 0));
  const pool = await to.storagePoolLookupByName(poolName);
  const leftover = await to.storageVolLookupByName(pool, name).catch(ignoreNotFound);
  if (leftover) await to.storageVolDelete(leftover, 0);
  const copy = await to.storageVolCreateXml(
    pool,
    buildVolumeXml({
      name,
      format: model.format,
      capacity: model.capacity,
      ...(model.backingPath !== undefined
        ? { backingPath: model.backingPath, backingFormat: model.backingFormat ?? "qcow2" }
        : {}),
    }),
    0,
  );
  await noteOverlay(to, pool, name, model.backingPath, true);
  onUndo(async () => {
    await to.storageVolDelete(copy, 0);
    await noteOverlay(to, pool, name, undefined, false);
  });
  return { source, copy };
}

/** Files of `dir` on the source (those `wanted` keeps) copied into the same folder on the target. */
async function copyFolder(
  req: MoveRequest,
  dir: string,
  wanted: (name: string) => boolean,
  onUndo: (undo: () => Promise<unknown>) => void,
): Promise<void> {
  const files = await readHostFolder(req.from, dir, wanted);
  await writeHostFolder(req.to, dir, files, (name) =>
    onUndo(() => removeHostFiles(req.to, dir, [name])),
  );
}

/** The NVRAM file of the guest on its host, where deskfleet knows it. */
function nvramPath(conn: LibvirtClient, current: ParsedDomain): string | undefined {
  if (current.firmware !== "uefi") return undefined;
  return current.nvram ?? defaultNvramPath(conn.uri.path, current.name);
}

/** NVRAM (with the copies beside its snapshots) and TPM state, where the guest has them. */
async function copyFirmwareState(
  req: MoveRequest,
  snapshots: readonly string[],
  onUndo: (undo: () => Promise<unknown>) => void,
): Promise<void> {
  const nvram = nvramPath(req.from, req.current);
  if (nvram !== undefined) {
    const base = posix.basename(nvram);
    const names = new Set([base, ...snapshots.map((s) => copyName(base, s))]);
    await copyFolder(req, posix.dirname(nvram), (name) => names.has(name), onUndo);
  }
  if (req.current.tpm && req.from.uri.path === "/system") {
    await copyFolder(req, tpmStateDir(req.current.uuid), () => true, onUndo);
  }
}

/** Each snapshot's metadata defined again on the target, parents first, the current one current. */
async function redefineSnapshots(
  req: MoveRequest,
  target: DomainRef,
  snapshots: readonly { name: string; dom: DomainRef }[],
): Promise<void> {
  const current = (await req.from.domainHasCurrentSnapshot(req.dom))
    ? (await req.from.domainSnapshotCurrent(req.dom)).name
    : undefined;
  let definition: string | undefined;
  for (const snap of snapshots) {
    const xml = await req.from.domainSnapshotGetXmlDesc(snap, 0);
    const flags =
      DomainSnapshotCreateFlags.Redefine |
      (snap.name === current ? DomainSnapshotCreateFlags.Current : 0);
    try {
      await req.to.domainSnapshotCreateXml(target, xml, flags);
    } catch (err) {
      if (!hasCode(err, ErrorCode.ConfigUnsupported)) throw err;
      // The guest's definition as the source's libvirt wrote it into the snapshot names what an
      // older target does not know (libvirt 11's q35 watchdog "itco" on 9.0): the snapshot keeps
      // the target's definition of the guest instead.
      definition ??= await req.to.domainGetXmlDesc(target, DomainXmlFlags.Inactive);
      await req.to.domainSnapshotCreateXml(target, withDefinition(xml, definition), flags);
    }
  }
}

/** A snapshot's XML with `definition` as the guest's definition it records. */
export function withDefinition(snapshotXml: string, definition: string): string {
  return snapshotXml
    .replace(/<inactiveDomain[\s>][\s\S]*?<\/inactiveDomain>\s*/, "")
    .replace(/<domain[\s>][\s\S]*<\/domain>/, () => definition.trim());
}

/**
 * The guest is on the target: its definition, NVRAM (with the copies beside
 * its snapshots), TPM state and disks go from the source. Returns what could
 * not be removed (the guest has moved either way).
 */
export async function removeFromSource(req: MoveRequest): Promise<string[]> {
  const { from, dom, current } = req;
  const left: string[] = [];
  const snapshots = (await from.domainListAllSnapshots(dom, 0)).map((s) => s.name);
  await dropNvram(from, dom, snapshots).catch(() =>
    left.push("the NVRAM kept beside its snapshots"),
  );
  const flags =
    DomainUndefineFlags.SnapshotsMetadata |
    DomainUndefineFlags.ManagedSave |
    DomainUndefineFlags.Nvram |
    DomainUndefineFlags.Tpm;
  await from
    .domainUndefine(dom, flags)
    .catch((err: unknown) => left.push(`its definition (${String(err)})`));
  for (const disk of current.disks) {
    const pool = await from.storagePoolLookupByName(disk.pool).catch(ignoreNotFound);
    const vol =
      pool && (await from.storageVolLookupByName(pool, disk.volume).catch(ignoreNotFound));
    if (pool && vol) {
      await from
        .storageVolDelete(vol, 0)
        .then(() => noteOverlay(from, pool, disk.volume, undefined, false))
        .catch(() => left.push(`${disk.pool}/${disk.volume}`));
    }
  }
  return left;
}
