/**
 * Taking one snapshot of a guest the way snapshots/mode.ts decides, and the
 * metadata calls around the schedule: shared by the provider (baselines,
 * schedules) and the runner.
 */
import type { DomainRef, DomainSnapshotRef, LibvirtClient } from "../libvirt";
import { DomainAffect, DomainMetadataType, ErrorCode, hasCode } from "../libvirt";
import type { RunStatus } from "./host";
import { chooseMode } from "./mode";
import type { SnapshotPolicy } from "./policy";
import {
  RUN_METADATA,
  SCHEDULE_METADATA,
  buildRunXml,
  buildScheduleXml,
  parseRunXml,
  parseScheduleXml,
} from "../provider/xml/metadata";
import { buildSnapshotXml, snapshotFacts } from "../provider/xml/snapshot";

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

/** Why `dom` cannot be snapshotted now, or undefined when it can. */
export async function whyNotNow(conn: LibvirtClient, dom: DomainRef): Promise<string | undefined> {
  const decision = await decide(conn, dom);
  return decision.ok ? undefined : decision.reason;
}

async function decide(conn: LibvirtClient, dom: DomainRef) {
  const [xml, { state }, version] = await Promise.all([
    conn.domainGetXmlDesc(dom, 0),
    conn.domainGetState(dom, 0),
    conn.getLibVersion(),
  ]);
  return chooseMode(snapshotFacts(xml), state, version);
}

/** How a snapshot was taken, for reports: the mode decision in words. */
export const MODE_WORDS = {
  internal: "internal, with memory (the guest ran; it was paused while its RAM was saved)",
  no: "internal, disks only (the guest was shut off)",
} as const;

/**
 * An internal snapshot (with memory if the guest runs); SnapshotRefusedError
 * when impossible. Returns it and how it was taken (MODE_WORDS).
 */
export async function takeSnapshot(
  conn: LibvirtClient,
  dom: DomainRef,
  name: string,
  description: string,
): Promise<{ snapshot: DomainSnapshotRef; mode: string }> {
  const decision = await decide(conn, dom);
  if (!decision.ok) throw new SnapshotRefusedError(dom.name, decision.reason);
  const xml = buildSnapshotXml({
    name,
    description,
    memory: decision.memory,
    disks: decision.disks,
  });
  const snapshot = await conn.domainSnapshotCreateXml(dom, xml, 0);
  return { snapshot, mode: MODE_WORDS[decision.memory] };
}

/** Metadata goes into the persistent definition, and into the running one too. */
async function affect(conn: LibvirtClient, dom: DomainRef): Promise<number> {
  return DomainAffect.Config | ((await conn.domainIsActive(dom)) ? DomainAffect.Live : 0);
}

type Namespace = typeof SCHEDULE_METADATA | typeof RUN_METADATA;

async function setElement(
  conn: LibvirtClient,
  dom: DomainRef,
  ns: Namespace,
  xml: string | null,
): Promise<void> {
  await conn.domainSetMetadata(
    dom,
    DomainMetadataType.Element,
    xml,
    ns.key,
    ns.uri,
    await affect(conn, dom),
  );
}

async function getElement(conn: LibvirtClient, dom: DomainRef, ns: Namespace) {
  try {
    return await conn.domainGetMetadata(
      dom,
      DomainMetadataType.Element,
      ns.uri,
      DomainAffect.Config,
    );
  } catch (err) {
    if (hasCode(err, ErrorCode.NoDomainMetadata)) return undefined;
    throw err;
  }
}

export async function writePolicy(
  conn: LibvirtClient,
  dom: DomainRef,
  policy: SnapshotPolicy | null,
) {
  await setElement(conn, dom, SCHEDULE_METADATA, policy ? buildScheduleXml(policy) : null);
}

export async function readPolicy(
  conn: LibvirtClient,
  dom: DomainRef,
): Promise<SnapshotPolicy | undefined> {
  const xml = await getElement(conn, dom, SCHEDULE_METADATA);
  return xml === undefined ? undefined : parseScheduleXml(xml);
}

export async function writeRunStatus(
  conn: LibvirtClient,
  dom: DomainRef,
  status: RunStatus | null,
) {
  await setElement(conn, dom, RUN_METADATA, status ? buildRunXml(status) : null);
}

export async function readRunStatus(
  conn: LibvirtClient,
  dom: DomainRef,
): Promise<RunStatus | undefined> {
  const xml = await getElement(conn, dom, RUN_METADATA);
  return xml === undefined ? undefined : parseRunXml(xml);
}
