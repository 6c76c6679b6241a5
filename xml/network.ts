/**
 * <network> XML: isolated (no <forward>) or NAT networks with an IPv4 address
 * and an optional DHCP range with fixed addresses.
 * https://libvirt.org/formatnetwork.html
 */
import type { XmlNode } from "./xml";
import { attr, buildElement, buildXml, child, children, parseXml, text } from "./xml";

export interface NetworkModel {
  name: string;
  /** Set when redefining an existing network, so libvirt updates it in place. */
  uuid?: string;
  mode: "isolated" | "nat";
  bridge?: string;
  /** Host address and prefix, "10.77.0.1/24". */
  address: string;
  dhcp?: {
    start: string;
    end: string;
    /** Fixed addresses (`<host mac ip name>`), in the order written. */
    hosts?: DhcpHost[];
  };
}

export interface DhcpHost {
  name: string;
  mac: string;
  ip: string;
}

/** One fixed address, as `<dhcp>` holds it and as libvirt's network update takes it. */
export function dhcpHostXml(h: DhcpHost): string {
  return buildElement("host", hostNode(h));
}

const hostNode = (h: DhcpHost): XmlNode => ({ "@_mac": h.mac, "@_name": h.name, "@_ip": h.ip });

export function buildNetworkXml(net: NetworkModel): string {
  const [address, prefix] = net.address.split("/");
  const ip: XmlNode = { "@_address": address, "@_prefix": prefix };
  if (net.dhcp) {
    ip.dhcp = {
      range: { "@_start": net.dhcp.start, "@_end": net.dhcp.end },
      ...((net.dhcp.hosts ?? []).length > 0 ? { host: (net.dhcp.hosts ?? []).map(hostNode) } : {}),
    };
  }
  const node: XmlNode = { name: net.name };
  if (net.uuid !== undefined) node.uuid = net.uuid;
  // No <forward> element at all is what makes a network isolated.
  if (net.mode === "nat") node.forward = { "@_mode": "nat" };
  if (net.bridge !== undefined) node.bridge = { "@_name": net.bridge };
  node.ip = ip;
  return buildXml("network", node);
}

export function parseNetworkXml(xml: string): NetworkModel & { uuid: string; bridge: string } {
  const net = parseXml(xml, "network");
  const forward = attr(child(net, "forward"), "mode");
  const ip = child(net, "ip");
  const range = child(child(ip, "dhcp"), "range");
  const start = attr(range, "start");
  const end = attr(range, "end");
  const hosts = children(child(ip, "dhcp"), "host").map((h) => ({
    name: attr(h, "name") ?? "",
    mac: (attr(h, "mac") ?? "").toLowerCase(),
    ip: attr(h, "ip") ?? "",
  }));
  return {
    name: text(net, "name") ?? "",
    uuid: text(net, "uuid") ?? "",
    mode: forward === "nat" ? "nat" : "isolated",
    bridge: attr(child(net, "bridge"), "name") ?? "",
    address: `${attr(ip, "address") ?? ""}/${prefixOf(ip)}`,
    ...(start !== undefined && end !== undefined
      ? { dhcp: { start, end, ...(hosts.length > 0 ? { hosts } : {}) } }
      : {}),
  };
}

/** libvirt keeps either prefix or netmask as written; deskfleet always writes prefix. */
function prefixOf(ip: XmlNode | undefined): string {
  const prefix = attr(ip, "prefix");
  if (prefix !== undefined) return prefix;
  const mask = attr(ip, "netmask");
  if (mask === undefined) return "";
  const bits = mask.split(".").map((o) => Number(o).toString(2).replace(/0/g, "").length);
  return String(bits.reduce((a, b) => a + b, 0));
}
