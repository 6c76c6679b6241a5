/**
 * Taking one snapshot of a guest of the kind snapshots/mode.ts chooses, and the
 * metadata calls around the schedule: shared by the provider (baselines,
 * schedules) and the runner.
 */
import type { DomainRef, DomainSnapshotRef, LibvirtClient } from "../libvirt";
import { posix } from "node:path";
import {
  DomainSnapshotCreateFlags,
  DomainSnapshotListFlags,
  DomainSnapshotXmlFlags,
} from "../libvirt";
import type { RunStatus } from "./host";
import type { ModeDecision, SnapshotKind } from "./mode";
import { chooseMode, holdsNvram, isWritableDisk, kindWords } from "./mode";
import { saveNvram } from "./nvramCopy";
import type { SnapshotPolicy } from "./policy";
import {
  RUN_METADATA,
  SCHEDULE_METADATA,
  buildRunXml,
  buildScheduleXml,
  parseRunXml,
  parseScheduleXml,
} from "./metadataXml";
import { readMetadataElement, writeMetadataElement } from "../xml/domainMetadata";
import { volumeDisksAsFiles } from "../xml/diskEdits";
import type { SnapshotFacts } from "../xml/snapshot";
import { buildSnapshotXml, snapshotFacts } from "../xml/snapshot";

/** The guest cannot be snapshotted now; `reason` says why (for a person). */
export class SnapshotRefusedError extends Error {
  constructor(
    readonly guest: string,
    readonly reason: string,
  ) {
    super(`guest "${guest}" cannot be snapshotted now: ${reason}`);
    this.name = "SnapshotRefusedError";
  }
}

/** How the next snapshot of `dom` would be taken (snapshots/mode.ts), with the facts it rests on. */
export async function decideKind(
  conn: LibvirtClient,
  dom: DomainRef,
  memory: boolean,
): Promise<{ decision: ModeDecision; facts: SnapshotFacts }> {
  const [xml, { state }, libVersion, internal, external] = await Promise.all([
    conn.domainGetXmlDesc(dom, 0),
    conn.domainGetState(dom, 0),
    conn.getLibVersion(),
    conn.domainListAllSnapshots(dom, DomainSnapshotListFlags.Internal),
    conn.domainListAllSnapshots(dom, DomainSnapshotListFlags.External),
  ]);
  const facts = snapshotFacts(xml);
  const existing = { internal: internal.map((s) => s.name).sort(), external: external.length };
  return { decision: chooseMode({ facts, state, libVersion, existing, memory }), facts };
}

/**
 * The next snapshot's kind in words, with why, as status, reports and the
 * preview show it (`takes`); or why none can be taken now (`blocked`).
 */
export async function nextKindInWords(
  conn: LibvirtClient,
  dom: DomainRef,
  memory: boolean,
): Promise<{ takes: string; facts: SnapshotFacts } | { blocked: string }> {
  const { decision, facts } = await decideKind(conn, dom, memory);
  if (!decision.ok) return { blocked: decision.reason };
  return { takes: `${kindWords(decision, facts)} (${decision.why})`, facts };
}

/**
 * Takes a snapshot of the kind snapshots/mode.ts chooses (`memory`: a running
 * guest's memory too, where the kind allows the choice); SnapshotRefusedError
 * when none can be taken. Returns it and how it was taken, in words.
 */
export async function takeSnapshot(
  conn: LibvirtClient,
  dom: DomainRef,
  name: string,
  description: string,
  options: { memory: boolean },
): Promise<{ snapshot: DomainSnapshotRef; mode: string; kind: SnapshotKind }> {
  const { decision, facts } = await decideKind(conn, dom, options.memory);
  if (!decision.ok) throw new SnapshotRefusedError(dom.name, decision.reason);
  const { why: _why, ok: _ok, ...kind } = decision;
  const taken = await takeOfKind(conn, dom, name, description, kind, facts);
  // libvirt's snapshot holds no raw NVRAM: deskfleet keeps a copy beside it (nvramCopy.ts).
  if (facts.uefi && !holdsNvram(taken.kind) && !(await saveNvram(conn, dom, name))) {
    return { ...taken, mode: `${taken.mode}; no NVRAM file yet (the guest never started)` };
  }
  return taken;
}

async function takeOfKind(
  conn: LibvirtClient,
  dom: DomainRef,
  name: string,
  description: string,
  kind: SnapshotKind,
  facts: SnapshotFacts,
): Promise<{ snapshot: DomainSnapshotRef; mode: string; kind: SnapshotKind }> {
  if (kind.kind === "external") return takeExternal(conn, dom, name, description, kind, facts);
  const memory = kind.kind === "internal" && kind.memory ? "internal" : "no";
  const xml = buildSnapshotXml({
    name,
    description,
    memory,
    disks: facts.disks.map((d) => ({
      target: d.target,
      snapshot: isWritableDisk(d) ? "internal" : "no",
    })),
  });
  if (kind.kind === "internal") {
    const snapshot = await conn.domainSnapshotCreateXml(dom, xml, 0);
    return { snapshot, mode: kindWords(kind, facts), kind };
  }
  // Saved to disk, snapshotted shut off, restored: the guest resumes where it was.
  const started = performance.now();
  await conn.domainManagedSave(dom, 0);
  let snapshot: DomainSnapshotRef;
  try {
    snapshot = await conn.domainSnapshotCreateXml(dom, xml, 0);
  } finally {
    await conn.domainCreate(dom, 0);
  }
  const stopped = `stopped ${((performance.now() - started) / 1000).toFixed(1)} s`;
  return { snapshot, mode: kindWords(kind, facts, [stopped]), kind };
}

/**
 * External overlays, named after the guest, disk and snapshot beside the file
 * each disk writes now (`<guest>-vda.<snapshot>.qcow2`; memory in
 * `<guest>.<snapshot>.mem`). Quiesced through the guest agent when asked, and
 * taken without when the agent does not answer, saying so. The definition
 * saved in the snapshot is then given file disks, or libvirt could not revert
 * to it (xml/diskEdits.ts).
 */
async function takeExternal(
  conn: LibvirtClient,
  dom: DomainRef,
  name: string,
  description: string,
  kind: Extract<SnapshotKind, { kind: "external" }>,
  facts: SnapshotFacts,
): Promise<{ snapshot: DomainSnapshotRef; mode: string; kind: SnapshotKind }> {
  const volumePaths = await volumePathsOf(conn, facts);
  const disks = facts.disks.map((d) => {
    if (!isWritableDisk(d)) return { target: d.target, snapshot: "no" as const };
    const top = d.file ?? volumePaths.get(`${d.pool}/${d.volume}`);
    if (top === undefined) throw new Error(`disk ${d.target} has no file to put an overlay beside`);
    const file = posix.join(posix.dirname(top), `${dom.name}-${d.target}.${name}.qcow2`);
    return { target: d.target, snapshot: "external" as const, file };
  });
  const first = disks.find((d) => d.file !== undefined)?.file ?? "";
  const xml = buildSnapshotXml({
    name,
    description,
    memory: kind.memory ? "external" : "no",
    ...(kind.memory
      ? { memoryFile: posix.join(posix.dirname(first), `${dom.name}.${name}.mem`) }
      : {}),
    disks,
  });
  const F = DomainSnapshotCreateFlags;
  const flags = F.Atomic | (kind.memory ? F.Live : F.DiskOnly);
  const notes: string[] = [];
  let snapshot: DomainSnapshotRef;
  if (kind.quiesce) {
    try {
      snapshot = await conn.domainSnapshotCreateXml(dom, xml, flags | F.Quiesce);
    } catch (err) {
      notes.push(`not quiesced: ${err instanceof Error ? err.message : String(err)}`);
      snapshot = await conn.domainSnapshotCreateXml(dom, xml, flags);
    }
  } else {
    snapshot = await conn.domainSnapshotCreateXml(dom, xml, flags);
  }
  const saved = await conn.domainSnapshotGetXmlDesc(snapshot, DomainSnapshotXmlFlags.Secure);
  const fixed = volumeDisksAsFiles(saved, volumePaths);
  if (fixed !== saved) {
    await conn.domainSnapshotCreateXml(dom, fixed, F.Redefine | F.Current);
  }
  const taken = { ...kind, quiesce: kind.quiesce && notes.length === 0 };
  return { snapshot, mode: kindWords(taken, facts, notes), kind: taken };
}

/** The path of each pool volume the guest's disks use, keyed `${pool}/${volume}`. */
async function volumePathsOf(
  conn: LibvirtClient,
  facts: SnapshotFacts,
): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const d of facts.disks) {
    if (d.pool === undefined || d.volume === undefined) continue;
    const pool = await conn.storagePoolLookupByName(d.pool);
    const vol = await conn.storageVolLookupByName(pool, d.volume);
    paths.set(`${d.pool}/${d.volume}`, await conn.storageVolGetPath(vol));
  }
  return paths;
}

export async function writePolicy(
  conn: LibvirtClient,
  dom: DomainRef,
  policy: SnapshotPolicy | null,
) {
  await writeMetadataElement(
    conn,
    dom,
    SCHEDULE_METADATA,
    policy ? buildScheduleXml(policy) : null,
  );
}

export async function readPolicy(
  conn: LibvirtClient,
  dom: DomainRef,
): Promise<SnapshotPolicy | undefined> {
  const xml = await readMetadataElement(conn, dom, SCHEDULE_METADATA);
  return xml === undefined ? undefined : parseScheduleXml(xml);
}

export async function writeRunStatus(
  conn: LibvirtClient,
  dom: DomainRef,
  status: RunStatus | null,
) {
  await writeMetadataElement(conn, dom, RUN_METADATA, status ? buildRunXml(status) : null);
}

export async function readRunStatus(
  conn: LibvirtClient,
  dom: DomainRef,
): Promise<RunStatus | undefined> {
  const xml = await readMetadataElement(conn, dom, RUN_METADATA);
  return xml === undefined ? undefined : parseRunXml(xml);
}
