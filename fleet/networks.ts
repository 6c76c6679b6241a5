/**
 * Networks: the DHCP range against its own subnet, then the networks against
 * each other (libvirt refuses a second network on an overlapping subnet or an
 * existing bridge, but only when it starts one — here it is known before).
 */
import type { Cidr } from "./ipv4";
import {
  broadcastAddress,
  contains,
  formatCidr,
  formatIpv4,
  formatSubnet,
  networkAddress,
  overlaps,
} from "./ipv4";
import type { Issues } from "./issues";
import type { Path } from "./positions";
import type { NetworkFields } from "./schema";
import type { NetworkSpec } from "./spec";
import type { Entry } from "./validate";

export function resolveNetworks(entries: Entry<NetworkFields>[], issues: Issues): NetworkSpec[] {
  const specs: NetworkSpec[] = [];
  const seen: { name: string; cidr: Cidr; bridge?: string }[] = [];
  for (const { name, path, fields } of entries) {
    if (!fields) continue;
    if (fields.dhcp) checkDhcp(fields.address, fields.dhcp, [...path, "dhcp"], issues);
    for (const other of seen) {
      if (overlaps(fields.address, other.cidr)) {
        const message = `subnet ${formatSubnet(fields.address)} overlaps ${formatSubnet(other.cidr)} of network ${JSON.stringify(other.name)}`;
        issues.value([...path, "address"], "overlapping_subnet", message);
      }
      if (fields.bridge !== undefined && fields.bridge === other.bridge) {
        const message = `bridge ${JSON.stringify(fields.bridge)} is already that of network ${JSON.stringify(other.name)}`;
        issues.value([...path, "bridge"], "duplicate_bridge", message);
      }
    }
    seen.push({ name, cidr: fields.address, ...(fields.bridge ? { bridge: fields.bridge } : {}) });
    specs.push(networkSpec(name, fields));
  }
  return specs;
}

function networkSpec(name: string, fields: NetworkFields): NetworkSpec {
  const { dhcp } = fields;
  const hosts = Object.entries(dhcp?.hosts ?? {}).map(([host, h]) => ({
    name: host,
    mac: h.mac,
    ip: formatIpv4(h.ip),
  }));
  return {
    name,
    mode: fields.mode,
    ...(fields.bridge !== undefined ? { bridge: fields.bridge } : {}),
    address: formatCidr(fields.address),
    ...(dhcp
      ? {
          dhcp: {
            start: formatIpv4(dhcp.start),
            end: formatIpv4(dhcp.end),
            ...(hosts.length > 0 ? { hosts } : {}),
          },
        }
      : {}),
    autostart: fields.autostart,
    ...(fields.adopt ? { adopt: true as const } : {}),
  };
}

/** A DHCP host's name, as dnsmasq gives it: a DNS label. */
const HOST_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

/**
 * Each fixed address inside the subnet, usable by a guest and not the host's
 * own; no address and no MAC twice.
 */
function checkHosts(
  cidr: Cidr,
  hosts: Record<string, { mac: string; ip: number }>,
  path: Path,
  issues: Issues,
) {
  const ips = new Map<number, string>();
  const macs = new Map<string, string>();
  for (const [name, { mac, ip }] of Object.entries(hosts)) {
    const at = [...path, name];
    if (!HOST_NAME.test(name)) {
      const rule = 'use 1 to 63 letters, digits or "-", starting and ending with a letter or digit';
      issues.key(at, "invalid_name", `invalid host name ${JSON.stringify(name)}: ${rule}`);
    }
    if (!checkRangeEnd(cidr, ip, [...at, "ip"], issues)) continue;
    if (ip === cidr.address) {
      const message = `${formatIpv4(ip)} is the host's own address`;
      issues.value([...at, "ip"], "invalid_dhcp_range", message);
    }
    const ipOwner = ips.get(ip);
    if (ipOwner !== undefined) {
      const message = `${formatIpv4(ip)} is already the address of host ${JSON.stringify(ipOwner)}`;
      issues.value([...at, "ip"], "invalid_dhcp_range", message);
    }
    const macOwner = macs.get(mac);
    if (macOwner !== undefined) {
      const message = `${mac} already has an address: host ${JSON.stringify(macOwner)}`;
      issues.value([...at, "mac"], "duplicate_mac", message);
    }
    ips.set(ip, name);
    macs.set(mac, name);
  }
}

/** Both ends inside the subnet and usable by guests; start ≤ end; the host's address outside. */
function checkDhcp(
  cidr: Cidr,
  dhcp: { start: number; end: number; hosts?: Record<string, { mac: string; ip: number }> },
  path: Path,
  issues: Issues,
) {
  if (dhcp.hosts) checkHosts(cidr, dhcp.hosts, [...path, "hosts"], issues);
  const endsOk = (["start", "end"] as const)
    .map((end) => checkRangeEnd(cidr, dhcp[end], [...path, end], issues))
    .every(Boolean);
  if (!endsOk) return;
  const [start, end] = [formatIpv4(dhcp.start), formatIpv4(dhcp.end)];
  if (dhcp.start > dhcp.end) {
    issues.value([...path, "end"], "invalid_dhcp_range", `end ${end} comes before start ${start}`);
  } else if (cidr.address >= dhcp.start && cidr.address <= dhcp.end) {
    const message = `range ${start}–${end} contains the host's own address ${formatIpv4(cidr.address)}`;
    issues.value(path, "invalid_dhcp_range", message);
  }
}

function checkRangeEnd(cidr: Cidr, ip: number, path: Path, issues: Issues): boolean {
  const text = formatIpv4(ip);
  let problem: string | undefined;
  if (!contains(cidr, ip)) problem = `${text} is outside the subnet ${formatSubnet(cidr)}`;
  else if (ip === networkAddress(cidr)) problem = `${text} is the subnet's network address`;
  else if (ip === broadcastAddress(cidr)) problem = `${text} is the subnet's broadcast address`;
  if (problem) issues.value(path, "invalid_dhcp_range", problem);
  return problem === undefined;
}
