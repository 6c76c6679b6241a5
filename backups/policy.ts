/**
 * A guest's backup schedule, as `pulumi up` records it in the domain's
 * metadata (provider's BackupSchedule kind) and `deskfleet backup run` reads
 * it: a snapshot schedule's counts and times (snapshots/policy.ts, the same
 * due and prune rules), and the store's directory on the host.
 */
import type { DomainRef, LibvirtClient } from "../libvirt";
import { readMetadataElement, writeMetadataElement } from "../xml/domainMetadata";
import { attr, parseXml } from "../xml/xml";
import { buildScheduleXml, parseScheduleXml } from "../snapshots/metadataXml";
import type { SnapshotPolicy } from "../snapshots/policy";

export type BackupPolicy = Omit<SnapshotPolicy, "memory" | "maxPoolUsage"> & {
  /** The store's directory on the host that runs the backups. */
  target: string;
};

export const BACKUP_SCHEDULE_METADATA = {
  uri: "https://deskfleet.invalid/xmlns/backup-schedule/1",
  key: "deskfleet-backup",
} as const;

/** The snapshot schedule's element, with the target. */
export function buildBackupXml(p: BackupPolicy): string {
  const { target, ...rest } = p;
  const xml = buildScheduleXml({ ...rest, memory: false, maxPoolUsage: 100 });
  const escaped = target.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return xml.replace(/^<schedule/, `<schedule target="${escaped}"`);
}

export function parseBackupXml(xml: string): BackupPolicy {
  const target = attr(parseXml(xml, "schedule"), "target");
  if (target === undefined || !target.startsWith("/")) {
    throw new Error(
      `backup schedule metadata: target=${JSON.stringify(target)} is not a directory`,
    );
  }
  const { memory: _m, maxPoolUsage: _p, ...policy } = parseScheduleXml(xml);
  return { ...policy, target };
}

export async function readBackupPolicy(
  conn: LibvirtClient,
  dom: DomainRef,
): Promise<BackupPolicy | undefined> {
  const xml = await readMetadataElement(conn, dom, BACKUP_SCHEDULE_METADATA);
  return xml === undefined ? undefined : parseBackupXml(xml);
}

export async function writeBackupPolicy(
  conn: LibvirtClient,
  dom: DomainRef,
  policy: BackupPolicy | null,
): Promise<void> {
  await writeMetadataElement(
    conn,
    dom,
    BACKUP_SCHEDULE_METADATA,
    policy ? buildBackupXml(policy) : null,
  );
}
