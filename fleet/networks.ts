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
  return {
    name,
    mode: fields.mode,
    ...(fields.bridge !== undefined ? { bridge: fields.bridge } : {}),
    address: formatCidr(fields.address),
    ...(dhcp ? { dhcp: { start: formatIpv4(dhcp.start), end: formatIpv4(dhcp.end) } } : {}),
    autostart: fields.autostart,
    ...(fields.adopt ? { adopt: true as const } : {}),
  };
}

/** Both ends inside the subnet and usable by guests; start ≤ end; the host's address outside. */
function checkDhcp(cidr: Cidr, dhcp: { start: number; end: number }, path: Path, issues: Issues) {
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
