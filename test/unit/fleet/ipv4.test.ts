import {
  broadcastAddress,
  contains,
  formatCidr,
  formatIpv4,
  formatSubnet,
  netmask,
  networkAddress,
  overlaps,
  parseCidr,
  parseIpv4,
} from "../../../fleet/ipv4";

const cidr = (text: string) => {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`bad test CIDR ${text}`);
  return parsed;
};

describe("parseIpv4 / formatIpv4", () => {
  test.each([
    ["0.0.0.0", 0],
    ["10.77.0.1", 0x0a4d0001],
    ["192.168.122.1", 0xc0a87a01],
    ["255.255.255.255", 0xffffffff],
  ])("%s", (text, value) => {
    expect(parseIpv4(text)).toBe(value);
    expect(formatIpv4(value)).toBe(text);
  });

  test.each([
    "",
    "10.77.0",
    "10.77.0.1.2",
    "10.77.0.256",
    "010.77.0.1",
    "10.77.0.-1",
    "10.77.0.1 ",
    "a.b.c.d",
    "1e1.0.0.1",
    "10..0.1",
  ])("%j is not an address", (text) => {
    expect(parseIpv4(text)).toBeUndefined();
  });
});

describe("parseCidr", () => {
  test.each([
    ["10.77.0.1/24", { address: 0x0a4d0001, prefix: 24 }],
    ["0.0.0.0/0", { address: 0, prefix: 0 }],
    ["10.0.0.1/32", { address: 0x0a000001, prefix: 32 }],
  ])("%s", (text, value) => {
    expect(parseCidr(text)).toEqual(value);
    expect(formatCidr(value)).toBe(text);
  });

  test.each([
    "10.77.0.1",
    "10.77.0.1/33",
    "10.77.0.1/024",
    "10.77.0.1/",
    "/24",
    "10.77.0.1/24/1",
    "10.77.0.300/24",
  ])("%j is not a CIDR", (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe("subnet arithmetic", () => {
  test.each([
    [0, 0],
    [8, 0xff000000],
    [24, 0xffffff00],
    [30, 0xfffffffc],
    [32, 0xffffffff],
  ])("netmask /%d", (prefix, mask) => {
    expect(netmask(prefix)).toBe(mask);
  });

  test.each([
    ["10.77.0.1/24", "10.77.0.0", "10.77.0.255"],
    ["10.77.3.200/22", "10.77.0.0", "10.77.3.255"],
    ["192.168.1.5/30", "192.168.1.4", "192.168.1.7"],
    ["200.1.2.3/1", "128.0.0.0", "255.255.255.255"],
  ])("%s spans %s–%s", (text, first, last) => {
    expect(formatIpv4(networkAddress(cidr(text)))).toBe(first);
    expect(formatIpv4(broadcastAddress(cidr(text)))).toBe(last);
    expect(formatSubnet(cidr(text))).toBe(`${first}/${text.split("/")[1]}`);
  });

  test("contains", () => {
    const net = cidr("10.77.0.1/24");
    expect(contains(net, parseIpv4("10.77.0.0") ?? -1)).toBe(true);
    expect(contains(net, parseIpv4("10.77.0.255") ?? -1)).toBe(true);
    expect(contains(net, parseIpv4("10.77.1.0") ?? -1)).toBe(false);
    expect(contains(net, parseIpv4("10.76.255.255") ?? -1)).toBe(false);
  });

  test.each([
    ["10.77.0.1/24", "10.77.0.5/24", true],
    ["10.77.0.1/24", "10.77.1.1/24", false],
    ["10.77.0.1/16", "10.77.200.1/24", true],
    ["10.77.200.1/24", "10.77.0.1/16", true],
    ["192.168.1.1/30", "192.168.1.5/30", false],
    ["10.0.0.1/8", "11.0.0.1/8", false],
  ])("%s overlaps %s: %s", (a, b, expected) => {
    expect(overlaps(cidr(a), cidr(b))).toBe(expected);
  });
});
