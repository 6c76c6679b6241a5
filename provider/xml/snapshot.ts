/**
 * <domainsnapshot> XML, and the facts of a <domain> that decide how it can be
 * snapshotted (its disks and firmware).
 * https://libvirt.org/formatsnapshot.html
 */
import { parseDomainXml } from "./domain";
import type { XmlNode } from "./xml";
import { attr, buildXml, child, children, parseXml, text } from "./xml";

/** How each part is saved: internal (inside the qcow2 file) or not at all. */
export type SnapshotLocation = "internal" | "no";

export interface SnapshotModel {
  name: string;
  description: string;
  /** "internal" saves the running guest's memory too; "no" for a shut-off guest. */
  memory: SnapshotLocation;
  disks: { target: string; snapshot: SnapshotLocation }[];
}

/**
 * Every part is spelled out, so that libvirt's defaults (which differ by
 * version and guest state) never pick an external snapshot for us.
 */
export function buildSnapshotXml(snap: SnapshotModel): string {
  return buildXml("domainsnapshot", {
    name: snap.name,
    description: snap.description,
    memory: { "@_snapshot": snap.memory },
    disks: {
      disk: snap.disks.map((d) => ({ "@_name": d.target, "@_snapshot": d.snapshot })),
    },
  });
}

export interface ParsedSnapshot {
  name: string;
  description: string;
  /** The guest's state when it was taken: "running", "shutoff", … */
  state: string;
  /** Seconds since the epoch, by libvirt's clock. */
  creationTime: number;
  memory: string;
  disks: { target: string; snapshot: string }[];
}

export function parseSnapshotXml(xml: string): ParsedSnapshot {
  const snap = parseXml(xml, "domainsnapshot");
  return {
    name: text(snap, "name") ?? "",
    description: text(snap, "description") ?? "",
    state: text(snap, "state") ?? "",
    creationTime: Number(text(snap, "creationTime") ?? "0"),
    memory: attr(child(snap, "memory"), "snapshot") ?? "",
    disks: children(child(snap, "disks"), "disk").map((d) => ({
      target: attr(d, "name") ?? "",
      snapshot: attr(d, "snapshot") ?? "",
    })),
  };
}

/** A disk of a domain as far as snapshots care. */
export interface SnapshotDisk {
  /** Target device, e.g. "vda": a snapshot names disks by it. */
  target: string;
  /** "disk", "cdrom", "floppy", "lun". */
  device: string;
  /** Driver format, e.g. "qcow2" or "raw"; "" when not given. */
  format: string;
  readonly: boolean;
  /** The storage pool of a `type='volume'` disk (deskfleet's disks). */
  pool?: string;
}

export interface SnapshotFacts {
  uefi: boolean;
  disks: SnapshotDisk[];
}

export function snapshotFacts(domainXml: string): SnapshotFacts {
  const devices = child(parseXml(domainXml, "domain"), "devices");
  return {
    uefi: parseDomainXml(domainXml).firmware === "uefi",
    disks: children(devices, "disk").map((d: XmlNode) => {
      const pool = attr(child(d, "source"), "pool");
      return {
        target: attr(child(d, "target"), "dev") ?? "",
        device: attr(d, "device") ?? "disk",
        format: attr(child(d, "driver"), "type") ?? "",
        readonly: child(d, "readonly") !== undefined,
        ...(pool !== undefined ? { pool } : {}),
      };
    }),
  };
}
