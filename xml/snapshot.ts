/**
 * <domainsnapshot> XML, and the facts of a <domain> that decide how it can be
 * snapshotted (its disks and firmware).
 * https://libvirt.org/formatsnapshot.html
 */
import { parseDomainXml } from "./domain";
import type { XmlNode } from "./xml";
import { attr, buildXml, child, children, parseXml, text } from "./xml";

/** How each part is saved: inside the qcow2 file, in a new file, or not at all. */
export type SnapshotLocation = "internal" | "external" | "no";

export interface SnapshotModel {
  name: string;
  description: string;
  /** A running guest's memory: "internal", "external" (into `memoryFile`) or "no". */
  memory: SnapshotLocation;
  memoryFile?: string;
  /** Every disk by target; an external one names its new overlay (`file`). */
  disks: { target: string; snapshot: SnapshotLocation; file?: string }[];
}

/**
 * Every part is spelled out, so that libvirt's defaults (which differ by
 * version and guest state) never pick a kind for us; an external overlay is
 * always named, since libvirt cannot name one for a pool volume.
 */
export function buildSnapshotXml(snap: SnapshotModel): string {
  return buildXml("domainsnapshot", {
    name: snap.name,
    description: snap.description,
    memory: {
      "@_snapshot": snap.memory,
      ...(snap.memoryFile !== undefined ? { "@_file": snap.memoryFile } : {}),
    },
    disks: {
      disk: snap.disks.map((d) => ({
        "@_name": d.target,
        "@_snapshot": d.snapshot,
        ...(d.file !== undefined
          ? { "@_type": "file", driver: { "@_type": "qcow2" }, source: { "@_file": d.file } }
          : {}),
      })),
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
  /** Its volume in that pool. */
  volume?: string;
  /** The file a `type='file'` disk writes (an overlay of external snapshots, or a plain file). */
  file?: string;
}

export interface SnapshotFacts {
  uefi: boolean;
  /** The NVRAM file's format ("raw" or "qcow2"; "" when libvirt does not say: raw). */
  nvramFormat: string;
  tpm: boolean;
  /** A guest agent channel that is connected (read from the running definition). */
  agent: boolean;
  disks: SnapshotDisk[];
}

export function snapshotFacts(domainXml: string): SnapshotFacts {
  const dom = parseXml(domainXml, "domain");
  const devices = child(dom, "devices");
  const agent = children(devices, "channel").some(
    (c) =>
      attr(child(c, "target"), "name") === "org.qemu.guest_agent.0" &&
      attr(child(c, "target"), "state") === "connected",
  );
  return {
    uefi: parseDomainXml(domainXml).firmware === "uefi",
    nvramFormat: attr(child(child(dom, "os"), "nvram"), "format") ?? "",
    tpm: children(devices, "tpm").length > 0,
    agent,
    disks: children(devices, "disk").map((d: XmlNode) => {
      const source = child(d, "source");
      const pool = attr(source, "pool");
      const volume = attr(source, "volume");
      const file = attr(d, "type") === "file" ? attr(source, "file") : undefined;
      return {
        target: attr(child(d, "target"), "dev") ?? "",
        device: attr(d, "device") ?? "disk",
        format: attr(child(d, "driver"), "type") ?? "",
        readonly: child(d, "readonly") !== undefined,
        ...(pool !== undefined ? { pool } : {}),
        ...(volume !== undefined ? { volume } : {}),
        ...(file !== undefined ? { file } : {}),
      };
    }),
  };
}
