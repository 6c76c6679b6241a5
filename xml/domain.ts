/**
 * <domain> XML for deskfleet guests: memory, vcpus, machine, firmware, disks
 * from pool volumes, network interfaces, a logged serial console,
 * graphics on loopback or a unix socket only, and the desktop devices of deviceXml.ts.
 * https://libvirt.org/formatdomain.html
 */
import type { GuestSettings } from "./guestSettings";
import { DomainXmlFlags } from "../libvirt";
import type { Devices } from "./devices";
import { isQ35 } from "./machine";
export { machineMatches } from "./machine";
import type { XmlExtras } from "./fragments";
import { fragmentsPresent, withElements, withFragments } from "./fragments";
import {
  clockNode,
  cpuNode,
  deviceNodes,
  featureNodes,
  firmwareNode,
  memoryBackingNode,
  parseDevices,
} from "./deviceXml";
import type { VolumeFormat } from "./volume";
import type { XmlNode } from "./xml";
import { attr, buildElement, buildXml, child, children, parseXml, sizeInBytes, text } from "./xml";

export interface DiskModel {
  pool: string;
  volume: string;
  format: VolumeFormat;
  /**
   * The file the guest writes instead of the volume itself: the newest overlay of its external
   * snapshots, whose backing chain reaches the volume (snapshots/mode.ts). Kept on redefinition.
   */
  overlay?: string;
  /**
   * Its target's index (0 = vda or sda): kept once assigned, so a disk stays the same device in
   * the guest whatever its place in the fleet file. Absent: the lowest index no other disk has.
   */
  slot?: number;
}

/** Whether two disks are the same pool volume (the one identity a disk has across definitions). */
export const sameVolume =
  (a: Pick<DiskModel, "pool" | "volume">) =>
  (b: Pick<DiskModel, "pool" | "volume">): boolean =>
    a.pool === b.pool && a.volume === b.volume;

/** A disk as read: a file disk keeps the files of its backing chain that libvirt shows. */
export interface ParsedDisk extends DiskModel {
  /** For a file disk whose chain names no pool volume: the chain's files, top first. */
  backingFiles?: string[];
  /** Its target device as libvirt has it (`vdb`). */
  target?: string;
}

/** A pool volume attached read-only as a CD-ROM (install media). */
export interface CdromModel {
  pool: string;
  volume: string;
}

export interface InterfaceModel {
  network: string;
  mac?: string;
}

export interface DomainModel extends Devices {
  /** The bus of every disk (xml/guestSettings.ts). */
  diskBus: DiskBus;
  /** The model of every network interface. */
  nicModel: NicModel;
  /** Verbatim XML (xml/fragments.ts); absent = none. */
  xml?: XmlExtras;
  name: string;
  /** Set when redefining an existing domain, so libvirt updates it in place. */
  uuid?: string;
  type: "kvm" | "qemu";
  /** Bytes; written in KiB, libvirt's own unit (`<currentMemory>`: what the guest is given). */
  memory: number;
  /** Bytes: `<memory>`, the balloon's ceiling; absent: `memory`. */
  maxMemory?: number;
  vcpus: number;
  /** vCPUs the guest may have while it runs (`<vcpu>`; `vcpus` is its `current`); absent: `vcpus`. */
  maxVcpus?: number;
  machine: string;
  firmware: "bios" | "uefi";
  /**
   * The UEFI variables' file, where the definition names one. Absent: libvirt's own
   * `<name>_VARS.fd`; a renamed guest names the file of its old name (provider/resources/domainRename.ts).
   */
  nvram?: string;
  disks: DiskModel[];
  cdroms: CdromModel[];
  interfaces: InterfaceModel[];
  graphics: GuestSettings["graphics"];
  graphicsListen: GuestSettings["graphicsListen"];
  /** The console's password (read back only with VIR_DOMAIN_XML_SECURE). */
  graphicsPassword?: string;
  /** Host file that receives everything the guest writes to its first serial port. */
  consoleLog: string;
  /**
   * <metadata> as read from libvirt, written back unchanged on redefinition:
   * it holds deskfleet's snapshot schedule and whatever other tools keep there.
   */
  metadata?: XmlNode;
}

/**
 * The flags that read a domain's persistent definition with its secrets (a
 * console password): what a redefinition must start from, so it keeps them.
 */
export const DEFINITION_WITH_SECRETS = DomainXmlFlags.Inactive | DomainXmlFlags.Secure;

/** Disk targets in declaration order: vda, vdb, … on virtio; sda, sdb, … on SATA or SCSI. */
export function diskTarget(index: number, bus: DiskBus = "virtio"): string {
  return `${bus === "virtio" ? "vd" : "sd"}${String.fromCharCode("a".charCodeAt(0) + index)}`;
}

/**
 * Each disk's target index: its own `slot` where it has one, else the lowest
 * index no other disk holds, in declaration order.
 */
export function diskSlots(disks: readonly Pick<DiskModel, "slot">[]): number[] {
  const taken = new Set(disks.flatMap((d) => (d.slot !== undefined ? [d.slot] : [])));
  let next = 0;
  return disks.map((d) => {
    if (d.slot !== undefined) return d.slot;
    while (taken.has(next)) next++;
    taken.add(next);
    return next;
  });
}

/** `vdc` → 2, `sda` → 0, `hdb` → 1 (one letter, as deskfleet names up to 26 disks). */
/** A disk target's index (`vdb` → 1): its slot. */
export function slotOf(dev: string | undefined): number | undefined {
  const m = /^(?:vd|sd|hd)([a-z])$/.exec(dev ?? "");
  return m ? m[1].charCodeAt(0) - "a".charCodeAt(0) : undefined;
}

export type DiskBus = "virtio" | "sata" | "scsi";
export type NicModel = "virtio" | "e1000e" | "e1000" | "rtl8139";

export function buildDomainXml(dom: DomainModel): string {
  const kib = Math.ceil(dom.memory / 1024);
  const maxKib = Math.ceil(Math.max(dom.maxMemory ?? 0, dom.memory) / 1024);
  const maxVcpus = Math.max(dom.maxVcpus ?? 0, dom.vcpus);
  const os: XmlNode = {
    type: { "@_arch": "x86_64", "@_machine": dom.machine, "#text": "hvm" },
    // The disks first: a blank one (nothing to boot yet) falls through to the install media.
    boot: dom.cdroms.length > 0 ? [{ "@_dev": "hd" }, { "@_dev": "cdrom" }] : { "@_dev": "hd" },
  };
  // firmware='efi' lets libvirt pick OVMF and create the NVRAM file itself.
  if (dom.firmware === "uefi") os["@_firmware"] = "efi";
  if (dom.firmware === "uefi") os.firmware = firmwareNode(dom);
  if (dom.firmware === "uefi" && dom.nvram !== undefined) os.nvram = dom.nvram;
  const cpu = cpuNode(dom);
  const memoryBacking = memoryBackingNode(dom);
  const extras = dom.xml ?? { devices: [], elements: [] };
  const slots = diskSlots(dom.disks);
  const cdromLetters = dom.diskBus === "sata" ? Math.max(-1, ...slots) + 1 : 0;
  const root: XmlNode = {
    "@_type": dom.type,
    name: dom.name,
    ...(dom.uuid !== undefined ? { uuid: dom.uuid } : {}),
    ...(dom.metadata !== undefined ? { metadata: dom.metadata } : {}),
    memory: { "@_unit": "KiB", "#text": maxKib },
    currentMemory: { "@_unit": "KiB", "#text": kib },
    vcpu: maxVcpus > dom.vcpus ? { "@_current": dom.vcpus, "#text": maxVcpus } : dom.vcpus,
    ...(memoryBacking !== undefined ? { memoryBacking } : {}),
    os,
    features: featureNodes(dom),
    ...(cpu !== undefined ? { cpu } : {}),
    clock: clockNode(dom),
    on_poweroff: "destroy",
    on_reboot: "restart",
    on_crash: "destroy",
    devices: {
      disk: [
        ...dom.disks.map((d, i) => ({
          "@_type": d.overlay !== undefined ? "file" : "volume",
          "@_device": "disk",
          driver: { "@_name": "qemu", "@_type": d.format },
          source:
            d.overlay !== undefined
              ? { "@_file": d.overlay }
              : { "@_pool": d.pool, "@_volume": d.volume },
          target: { "@_dev": diskTarget(slots[i], dom.diskBus), "@_bus": dom.diskBus },
        })),
        // On SATA they follow the disks' letters.
        ...dom.cdroms.map((c, i) => cdromNode(c, cdromLetters + i, dom.machine)),
      ],
      ...(dom.diskBus === "scsi"
        ? { controller: { "@_type": "scsi", "@_model": "virtio-scsi" } }
        : {}),
      interface: dom.interfaces.map((n) => ({
        "@_type": "network",
        ...(n.mac !== undefined ? { mac: { "@_address": n.mac } } : {}),
        source: { "@_network": n.network },
        model: { "@_type": dom.nicModel },
      })),
      serial: {
        "@_type": "pty",
        // virtlogd writes the log; it survives the guest and is readable by tests and humans.
        log: { "@_file": dom.consoleLog, "@_append": "off" },
        target: { "@_port": 0 },
      },
      console: { "@_type": "pty", target: { "@_type": "serial", "@_port": 0 } },
      ...(dom.graphics !== "none"
        ? {
            graphics: {
              "@_type": dom.graphics,
              ...(dom.graphicsListen === "socket" ? {} : { "@_autoport": "yes" }),
              ...(dom.graphicsPassword !== undefined ? { "@_passwd": dom.graphicsPassword } : {}),
              // A socket without a path: libvirt makes one in the guest's private folder.
              listen:
                dom.graphicsListen === "socket"
                  ? { "@_type": "socket" }
                  : { "@_type": "address", "@_address": "127.0.0.1" },
            },
          }
        : {}),
      ...deviceNodes(dom),
    },
  };
  root.devices = withFragments(root.devices as XmlNode, extras.devices);
  return buildXml("domain", withElements(root, extras.elements));
}

/**
 * The declared fragments libvirt's definition still has (xml/fragments.ts):
 * all of them when nothing was removed behind deskfleet's back.
 */
export function fragmentsIn(domainXml: string, declared: XmlExtras): XmlExtras {
  const dom = parseXml(domainXml, "domain");
  return {
    devices: fragmentsPresent(child(dom, "devices"), declared.devices),
    elements: fragmentsPresent(dom, declared.elements),
  };
}

/** CD-ROMs on SATA where the machine has AHCI (q35), else on IDE, as virt-install attaches them. */
function cdromNode(c: CdromModel, index: number, machine: string): XmlNode {
  const sata = isQ35(machine);
  const letter = String.fromCharCode("a".charCodeAt(0) + index);
  return {
    "@_type": "volume",
    "@_device": "cdrom",
    driver: { "@_name": "qemu", "@_type": "raw" },
    source: { "@_pool": c.pool, "@_volume": c.volume },
    target: { "@_dev": `${sata ? "sd" : "hd"}${letter}`, "@_bus": sata ? "sata" : "ide" },
    readonly: "",
  };
}

export interface ParsedDomain extends DomainModel {
  uuid: string;
  maxMemory: number;
  maxVcpus: number;
  disks: ParsedDisk[];
  interfaces: Required<InterfaceModel>[];
}

export function parseDomainXml(xml: string): ParsedDomain {
  const dom = parseXml(xml, "domain");
  const os = child(dom, "os");
  const devices = child(dom, "devices");
  const graphics = attr(child(devices, "graphics"), "type");
  const graphicsPassword = attr(child(devices, "graphics"), "passwd");
  const metadata = child(dom, "metadata");
  return {
    name: text(dom, "name") ?? "",
    uuid: text(dom, "uuid") ?? "",
    type: attr(dom, "type") === "qemu" ? "qemu" : "kvm",
    memory: sizeInBytes(dom, "currentMemory") ?? sizeInBytes(dom, "memory") ?? 0,
    maxMemory: sizeInBytes(dom, "memory") ?? 0,
    vcpus: Number(attr(child(dom, "vcpu"), "current") ?? text(dom, "vcpu") ?? "0"),
    maxVcpus: Number(text(dom, "vcpu") ?? "0"),
    machine: attr(child(os, "type"), "machine") ?? "",
    firmware: isUefi(os) ? "uefi" : "bios",
    ...(text(os, "nvram") ? { nvram: text(os, "nvram") } : {}),
    disks: parseDisks(devices),
    diskBus: diskBusOf(devices),
    nicModel: nicModelOf(devices),
    cdroms: children(devices, "disk")
      .filter((d) => attr(d, "device") === "cdrom" && attr(d, "type") === "volume")
      .sort(byTarget)
      .map((d) => ({
        pool: attr(child(d, "source"), "pool") ?? "",
        volume: attr(child(d, "source"), "volume") ?? "",
      })),
    interfaces: children(devices, "interface")
      .filter((n) => attr(n, "type") === "network")
      .map((n) => ({
        network: attr(child(n, "source"), "network") ?? "",
        mac: attr(child(n, "mac"), "address") ?? "",
      })),
    graphics: graphics === "vnc" || graphics === "spice" ? graphics : "none",
    graphicsListen:
      attr(child(child(devices, "graphics"), "listen"), "type") === "socket"
        ? "socket"
        : "loopback",
    ...(graphicsPassword !== undefined ? { graphicsPassword } : {}),
    consoleLog: attr(child(child(devices, "serial"), "log"), "file") ?? "",
    ...(metadata !== undefined ? { metadata } : {}),
    ...parseDevices(dom),
  };
}

function isUefi(os: XmlNode | undefined): boolean {
  // Written as firmware='efi'; some libvirt versions expand it to a <loader> instead.
  return attr(os, "firmware") === "efi" || attr(child(os, "loader"), "type") === "pflash";
}

/** The model of the first network interface (a guest's share one); virtio when it has none. */
function nicModelOf(devices: XmlNode | undefined): NicModel {
  const first = children(devices, "interface").find((n) => attr(n, "type") === "network");
  const model = attr(child(first, "model"), "type");
  return model === "e1000e" || model === "e1000" || model === "rtl8139" ? model : "virtio";
}

/** The bus of the first disk (a guest's disks share one); virtio when it has none. */
function diskBusOf(devices: XmlNode | undefined): DiskBus {
  const first = children(devices, "disk")
    .filter((d) => attr(d, "device") === "disk")
    .sort(byTarget)[0];
  const bus = attr(child(first, "target"), "bus");
  return bus === "sata" || bus === "scsi" ? bus : "virtio";
}

/** Disks in target order (vda, vdb, …; sda, sdb, …): the order they were declared in. */
export function byTarget(a: XmlNode, b: XmlNode): number {
  return (attr(child(a, "target"), "dev") ?? "").localeCompare(
    attr(child(b, "target"), "dev") ?? "",
  );
}

function parseDisks(devices: XmlNode | undefined): ParsedDisk[] {
  return children(devices, "disk")
    .filter((d) => attr(d, "device") === "disk")
    .sort(byTarget)
    .map((d) => {
      const format = attr(child(d, "driver"), "type") === "raw" ? "raw" : "qcow2";
      const target = attr(child(d, "target"), "dev");
      const slot = slotOf(target);
      return {
        ...parseDiskSource(d, format),
        ...(slot !== undefined ? { slot } : {}),
        ...(target !== undefined ? { target } : {}),
      };
    });
}

function parseDiskSource(d: XmlNode, format: VolumeFormat): ParsedDisk {
  const source = child(d, "source");
  const file = attr(d, "type") === "file" ? attr(source, "file") : undefined;
  if (file === undefined) {
    return { pool: attr(source, "pool") ?? "", volume: attr(source, "volume") ?? "", format };
  }
  // An overlay: the first pool volume down its chain is the disk's volume.
  const backingFiles: string[] = [];
  for (let b = child(d, "backingStore"); b !== undefined; b = child(b, "backingStore")) {
    const s = child(b, "source");
    const pool = attr(s, "pool");
    const volume = attr(s, "volume");
    if (pool !== undefined && volume !== undefined) {
      return { pool, volume, format, overlay: file };
    }
    const f = attr(s, "file");
    if (f !== undefined) backingFiles.push(f);
  }
  return { pool: "", volume: "", format, overlay: file, backingFiles };
}

/**
 * Whether libvirt's memory size is what was declared: libvirt keeps KiB and
 * may align up to 1 MiB, so a declared "300MB" (not a whole number of KiB)
 * must not read back as a change.
 */
export function memoryMatches(declared: number, actual: number): boolean {
  return actual >= declared && actual - declared < 1024 * 1024;
}

/**
 * For a live change of media: each CD-ROM drive of the running guest (its
 * XML as libvirt shows it, in target order) whose medium differs from
 * `media` (same order, same count), with the new medium in it.
 */
export function cdromMediaUpdates(domainXml: string, media: readonly CdromModel[]): string[] {
  const devices = child(parseXml(domainXml, "domain"), "devices");
  const drives = children(devices, "disk")
    .filter((d) => attr(d, "device") === "cdrom" && attr(d, "type") === "volume")
    .sort(byTarget);
  return drives.flatMap((drive, i) => {
    const want = media[i];
    const source = child(drive, "source");
    if (!want || (attr(source, "pool") === want.pool && attr(source, "volume") === want.volume)) {
      return [];
    }
    return [
      buildElement("disk", { ...drive, source: { "@_pool": want.pool, "@_volume": want.volume } }),
    ];
  });
}
