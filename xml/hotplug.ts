/**
 * The disks and interfaces to plug into or out of a running guest so that it
 * has the devices of its new definition: each as libvirt's own XML of it (the
 * live one to unplug, which libvirt finds by its target or MAC; the defined
 * one to plug in, with the target and MAC the definition gave it).
 */
import type { DiskModel } from "./domain";
import { slotOf } from "./domain";
import type { XmlNode } from "./xml";
import { attr, buildElement, child, children, parseXml } from "./xml";

export interface Hotplug {
  kind: "disks" | "interfaces";
  xml: string;
  /** The same device without its PCI (or drive) address: for libvirt to place. */
  anywhere: string;
}

export interface Hotplugs {
  unplug: Hotplug[];
  plug: Hotplug[];
}

/** A domain's XML with its disks resolved to the volumes they write (overlays included). */
export interface DomainDevices {
  xml: string;
  disks: readonly DiskModel[];
}

export function hotplugs(live: DomainDevices, defined: DomainDevices): Hotplugs {
  const [liveDisks, definedDisks] = [diskNodes(live), diskNodes(defined)];
  const [liveNics, definedNics] = [nicNodes(live.xml), nicNodes(defined.xml)];
  const missingFrom = <T extends { key: string }>(list: T[], from: T[]) =>
    list.filter((item) => !from.some((other) => other.key === item.key));
  const device =
    (kind: Hotplug["kind"], element: string) =>
    ({ node }: { node: XmlNode }): Hotplug => {
      const { address: _address, ...anywhere } = node;
      return { kind, xml: buildElement(element, node), anywhere: buildElement(element, anywhere) };
    };
  const disk = device("disks", "disk");
  const nic = device("interfaces", "interface");
  return {
    unplug: [
      ...missingFrom(liveDisks, definedDisks).map(disk),
      ...missingFrom(liveNics, definedNics).map(nic),
    ],
    plug: [
      ...missingFrom(definedDisks, liveDisks).map(disk),
      ...missingFrom(definedNics, liveNics).map(nic),
    ],
  };
}

/** Each disk (not CD-ROM) with its volume as key: `pool/volume`. */
function diskNodes({ xml, disks }: DomainDevices): { key: string; node: XmlNode }[] {
  const devices = child(parseXml(xml, "domain"), "devices");
  return children(devices, "disk")
    .filter((d) => attr(d, "device") === "disk")
    .flatMap((node) => {
      const slot = slotOf(attr(child(node, "target"), "dev"));
      const found = disks.find((d) => d.slot === slot);
      return found !== undefined && found.volume !== ""
        ? [{ key: `${found.pool}/${found.volume}`, node }]
        : [];
    });
}

/** Each network interface with its MAC as key. */
function nicNodes(xml: string): { key: string; node: XmlNode }[] {
  const devices = child(parseXml(xml, "domain"), "devices");
  return children(devices, "interface")
    .filter((n) => attr(n, "type") === "network")
    .flatMap((node) => {
      const mac = attr(child(node, "mac"), "address");
      return mac !== undefined ? [{ key: mac.toLowerCase(), node }] : [];
    });
}

/**
 * A running guest's interfaces on `network`, each as libvirt shows it (to
 * unplug) and as it plugs in again after the network restarted: the same MAC,
 * model and PCI address, without the tap, port and bridge the old network gave it.
 */
export function replugs(domainXml: string, network: string): { unplug: string; plug: string }[] {
  return nicNodes(domainXml)
    .filter(({ node }) => attr(child(node, "source"), "network") === network)
    .map(({ node }) => {
      const { target: _target, alias: _alias, source, ...rest } = node;
      const { "@_portid": _portid, "@_bridge": _bridge, ...own } = source as XmlNode;
      return {
        unplug: buildElement("interface", node),
        plug: buildElement("interface", { ...rest, source: own }),
      };
    });
}
