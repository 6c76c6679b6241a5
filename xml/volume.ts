/**
 * <volume> XML: qcow2/raw volumes, blank or as copy-on-write overlays.
 * https://libvirt.org/formatstorage.html#storage-volume-xml
 */
import type { XmlNode } from "./xml";
import { attr, buildXml, child, parseXml, sizeInBytes, text } from "./xml";

export type VolumeFormat = "qcow2" | "raw";

export interface VolumeModel {
  name: string;
  format: VolumeFormat;
  /** Virtual size in bytes. */
  capacity: number;
  /** Path of the backing (base) volume, for an overlay. */
  backingPath?: string;
  backingFormat?: VolumeFormat;
}

export function buildVolumeXml(vol: VolumeModel): string {
  const node: XmlNode = {
    name: vol.name,
    capacity: { "@_unit": "bytes", "#text": vol.capacity },
    // A qcow2 overlay allocates on write; nothing is preallocated.
    allocation: { "@_unit": "bytes", "#text": 0 },
    target: { format: { "@_type": vol.format } },
  };
  if (vol.backingPath !== undefined) {
    node.backingStore = {
      path: vol.backingPath,
      format: { "@_type": vol.backingFormat ?? "qcow2" },
    };
  }
  return buildXml("volume", node);
}

export interface ParsedVolume extends VolumeModel {
  key: string;
  path: string;
  allocation: number;
}

export function parseVolumeXml(xml: string): ParsedVolume {
  const vol = parseXml(xml, "volume");
  const target = child(vol, "target");
  const backing = child(vol, "backingStore");
  const backingPath = text(backing, "path");
  return {
    name: text(vol, "name") ?? "",
    key: text(vol, "key") ?? "",
    path: text(target, "path") ?? "",
    format: asFormat(attr(child(target, "format"), "type")),
    capacity: sizeInBytes(vol, "capacity") ?? 0,
    allocation: sizeInBytes(vol, "allocation") ?? 0,
    ...(backingPath
      ? { backingPath, backingFormat: asFormat(attr(child(backing, "format"), "type")) }
      : {}),
  };
}

/** libvirt reports a raw file that holds an ISO 9660 image (install media, a seed) as `iso`. */
function asFormat(type: string | undefined): VolumeFormat {
  return type === "raw" || type === "iso" ? "raw" : "qcow2";
}
