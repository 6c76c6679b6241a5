/**
 * IPv4 addresses as unsigned 32-bit numbers, and subnets given as
 * `address/prefix` (the host's address on a libvirt network, "10.77.0.1/24").
 */

/** `"10.77.0.1"` → 0x0a4d0001. Octets must be 0–255 without leading zeros: `010` is octal to some tools and decimal to others, so it is refused. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
}

/** An address within a subnet of `prefix` bits. */
export interface Cidr {
  address: number;
  prefix: number;
}

/** `"10.77.0.1/24"` → { address, prefix: 24 }; undefined if malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(0|[1-9]\d?)$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4(match[1]);
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32) return undefined;
  return { address, prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.address)}/${cidr.prefix}`;
}

export function netmask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The subnet's first address (all host bits 0). */
export function networkAddress(cidr: Cidr): number {
  return (cidr.address & netmask(cidr.prefix)) >>> 0;
}

/** The subnet's last address (all host bits 1). */
export function broadcastAddress(cidr: Cidr): number {
  return (networkAddress(cidr) | ~netmask(cidr.prefix)) >>> 0;
}

export function contains(cidr: Cidr, address: number): boolean {
  return address >= networkAddress(cidr) && address <= broadcastAddress(cidr);
}

/** Whether two subnets share any address (aligned blocks: one then contains the other). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return networkAddress(a) <= broadcastAddress(b) && networkAddress(b) <= broadcastAddress(a);
}

/** `10.77.0.0/24`: the subnet itself, as people write it. */
export function formatSubnet(cidr: Cidr): string {
  return `${formatIpv4(networkAddress(cidr))}/${cidr.prefix}`;
}
