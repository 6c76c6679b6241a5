/**
 * Invalid fleet files → the exact issues, for what spans entries: addresses
 * and ranges, references, defaults, uniqueness. Each expected issue names the
 * text it must point at.
 */
import { expectIssues } from "./helpers";
import type { IssueCase } from "./helpers";

const cases: IssueCase[] = [
  // Addresses
  [
    "network addresses",
    [
      "networks:",
      "  a: { address: 10.0.1.1 }",
      "  b: { address: 10.0.2.1/31 }",
      "  c: { address: 10.0.3.0/24 }",
      "  d: { address: 10.0.4.255/24 }",
      "  e: { address: 10.0.5.1/24, dhcp: { start: 10.0.5, end: 10.0.5.300 } }",
      "  f: { address: 10.0.6.1/0 }",
    ],
    [
      [
        2,
        "10.0.1.1",
        "networks.a.address",
        "invalid_address",
        'expected an IPv4 address with a prefix, like "10.77.0.1/24"',
      ],
      [
        3,
        "10.0.2.1/31",
        "networks.b.address",
        "invalid_address",
        "prefix /31 must be between /1 and /30",
      ],
      [
        4,
        "10.0.3.0",
        "networks.c.address",
        "invalid_address",
        "10.0.3.0 is the subnet's network address, not a host address",
      ],
      [
        5,
        "10.0.4.255",
        "networks.d.address",
        "invalid_address",
        "10.0.4.255 is the subnet's broadcast address, not a host address",
      ],
      [
        6,
        "10.0.5,",
        "networks.e.dhcp.start",
        "invalid_address",
        'expected an IPv4 address like "10.77.0.100"',
      ],
      [
        6,
        "10.0.5.300",
        "networks.e.dhcp.end",
        "invalid_address",
        'expected an IPv4 address like "10.77.0.100"',
      ],
      [
        7,
        "10.0.6.1/0",
        "networks.f.address",
        "invalid_address",
        "prefix /0 must be between /1 and /30",
      ],
    ],
  ],
  [
    "DHCP ranges",
    [
      "networks:",
      "  a: { address: 10.0.0.1/24, dhcp: { start: 10.0.1.5, end: 10.0.0.255 } }",
      "  b: { address: 10.1.0.1/24, dhcp: { start: 10.1.0.0, end: 10.1.0.9 } }",
      "  c: { address: 10.2.0.1/24, dhcp: { start: 10.2.0.50, end: 10.2.0.10 } }",
      "  d: { address: 10.3.0.1/24, dhcp: { start: 10.3.0.1, end: 10.3.0.10 } }",
      "  e: { address: 10.4.0.9/24, dhcp: { start: 10.4.0.2, end: 10.4.0.200 } }",
    ],
    [
      [
        2,
        "10.0.1.5",
        "networks.a.dhcp.start",
        "invalid_dhcp_range",
        "10.0.1.5 is outside the subnet 10.0.0.0/24",
      ],
      [
        2,
        "10.0.0.255",
        "networks.a.dhcp.end",
        "invalid_dhcp_range",
        "10.0.0.255 is the subnet's broadcast address",
      ],
      [
        3,
        "10.1.0.0,",
        "networks.b.dhcp.start",
        "invalid_dhcp_range",
        "10.1.0.0 is the subnet's network address",
      ],
      [
        4,
        "10.2.0.10 ",
        "networks.c.dhcp.end",
        "invalid_dhcp_range",
        "end 10.2.0.10 comes before start 10.2.0.50",
      ],
      [
        5,
        "{ start",
        "networks.d.dhcp",
        "invalid_dhcp_range",
        "range 10.3.0.1–10.3.0.10 contains the host's own address 10.3.0.1",
      ],
      [
        6,
        "{ start",
        "networks.e.dhcp",
        "invalid_dhcp_range",
        "range 10.4.0.2–10.4.0.200 contains the host's own address 10.4.0.9",
      ],
    ],
  ],
  [
    "MAC addresses",
    [
      "networks: { n: { address: 10.0.0.1/24 } }",
      "guests:",
      "  g:",
      "    memory: 1GiB",
      "    interfaces:",
      "      - { network: n, mac: 52:54:00:12:34 }",
      "      - { network: n, mac: 01:00:5e:00:00:01 }",
      "      - { network: n, mac: 52-54-00-12-34-56 }",
    ],
    [
      [
        6,
        "52:",
        "guests.g.interfaces[0].mac",
        "invalid_mac",
        'expected a MAC address like "52:54:00:12:34:56"',
      ],
      [
        7,
        "01:",
        "guests.g.interfaces[1].mac",
        "invalid_mac",
        "01:00:5e:00:00:01 is a multicast address; use a unicast one (e.g. 52:54:00:…)",
      ],
      [
        8,
        "52-",
        "guests.g.interfaces[2].mac",
        "invalid_mac",
        'expected a MAC address like "52:54:00:12:34:56"',
      ],
    ],
  ],
  // References
  [
    "references to things the fleet does not declare",
    [
      "pools: { deskfleet: { path: /p } }",
      "networks: { lan: { address: 10.0.0.1/24 }, wan: { address: 10.1.0.1/24 } }",
      "images:",
      "  appliance: { source: /a.qcow2 }",
      "  other: { source: /o.qcow2, pool: dskfleet }",
      "guests:",
      "  g:",
      "    memory: 1GiB",
      "    disks:",
      "      root: { image: applance }",
      "      data: { size: 1GiB, pool: elsewhere }",
      "    interfaces: [{ network: lna }]",
      "  h: { memory: 1GiB, networks: [lan, dmz] }",
    ],
    [
      [
        5,
        "dskfleet",
        "images.other.pool",
        "unknown_reference",
        'unknown pool "dskfleet" (did you mean "deskfleet"?); known pools: "deskfleet"',
      ],
      [
        10,
        "applance",
        "guests.g.disks.root.image",
        "unknown_reference",
        'unknown image "applance" (did you mean "appliance"?); known images: "appliance", "other"',
      ],
      [
        11,
        "elsewhere",
        "guests.g.disks.data.pool",
        "unknown_reference",
        'unknown pool "elsewhere"; known pools: "deskfleet"',
      ],
      [
        12,
        "lna",
        "guests.g.interfaces[0].network",
        "unknown_reference",
        'unknown network "lna" (did you mean "lan"?); known networks: "lan", "wan"',
      ],
      [
        13,
        "dmz",
        "guests.h.networks[1]",
        "unknown_reference",
        'unknown network "dmz"; known networks: "lan", "wan"',
      ],
    ],
  ],
  [
    "references when the fleet declares none of the kind",
    ["guests:", "  g: { memory: 1GiB, disks: { root: { image: base } }, networks: [lan] }"],
    [
      [
        2,
        "base",
        "guests.g.disks.root.image",
        "unknown_reference",
        'unknown image "base"; the fleet declares no images',
      ],
      [
        2,
        "lan",
        "guests.g.networks[0]",
        "unknown_reference",
        'unknown network "lan"; the fleet declares no networks',
      ],
    ],
  ],
  [
    "a reference to an invalid entry is not also unknown",
    [
      "pools: { p: { path: relative } }",
      "guests:",
      "  g: { memory: 1GiB, disks: { d: { size: 1GiB, pool: p } } }",
    ],
    [[1, "relative", "pools.p.path", "invalid_path", "must be an absolute path on the host"]],
  ],
  // Pools chosen by default
  [
    "no pool named where the fleet has several or none",
    [
      "pools: { a: { path: /a }, b: { path: /b } }",
      "images: { i: { source: /i.qcow2 } }",
      "guests:",
      "  g: { memory: 1GiB, disks: { data: { size: 1GiB } } }",
    ],
    [
      [
        2,
        "{ source",
        "images.i",
        "missing_key",
        'missing required key "pool" (the fleet has several pools: "a", "b")',
      ],
      [
        4,
        "{ size",
        "guests.g.disks.data",
        "missing_key",
        'missing required key "pool" (the fleet has several pools: "a", "b")',
      ],
    ],
  ],
  [
    "an image where the fleet has no pool",
    ["images:", "  i: { source: /i.qcow2 }"],
    [
      [
        2,
        "{",
        "images.i",
        "missing_key",
        'missing required key "pool" (the fleet declares no pools)',
      ],
    ],
  ],
  [
    "an overlay disk in another pool than its image",
    [
      "pools: { a: { path: /a }, b: { path: /b } }",
      "images: { i: { source: /i.qcow2, pool: a } }",
      "guests:",
      "  g: { memory: 1GiB, disks: { root: { image: i, pool: b } } }",
    ],
    [
      [
        4,
        "b }",
        "guests.g.disks.root.pool",
        "pool_mismatch",
        'an overlay disk must be in the pool of its image "i", "a"; leave "pool" out',
      ],
    ],
  ],
  [
    "a blank disk without a size",
    [
      "pools: { p: { path: /p } }",
      "guests:",
      "  g: { memory: 1GiB, disks: { d: { keep: true } } }",
    ],
    [
      [
        3,
        "{ keep",
        "guests.g.disks.d",
        "missing_key",
        'missing required key "size" (a blank disk needs a size)',
      ],
    ],
  ],
  // Uniqueness
  [
    "networks on overlapping subnets or the same bridge",
    [
      "networks:",
      "  a: { address: 10.0.0.1/16, bridge: br0 }",
      "  b: { address: 10.0.200.1/24, bridge: br1 }",
      "  c: { address: 10.1.0.1/24, bridge: br0 }",
    ],
    [
      [
        3,
        "10.0.200.1/24",
        "networks.b.address",
        "overlapping_subnet",
        'subnet 10.0.200.0/24 overlaps 10.0.0.0/16 of network "a"',
      ],
      [
        4,
        "br0",
        "networks.c.bridge",
        "duplicate_bridge",
        'bridge "br0" is already that of network "a"',
      ],
    ],
  ],
  [
    "two pools on one directory",
    ["pools:", "  a: { path: /srv/vm }", "  b: { path: /srv/vm/ }"],
    [
      [
        3,
        "/srv/vm/",
        "pools.b.path",
        "duplicate_pool_path",
        '/srv/vm is already the path of pool "a"',
      ],
    ],
  ],
  [
    "two disks, or an image and a disk, on one volume",
    [
      "pools: { p: { path: /p } }",
      "images: { g-root: { source: /i.qcow2 } }",
      "guests:",
      "  a-b: { memory: 1GiB, disks: { c: { size: 1GiB } } }",
      "  a: { memory: 1GiB, disks: { b-c: { size: 1GiB } } }",
      "  g: { memory: 1GiB, disks: { root: { size: 1GiB } } }",
    ],
    [
      [
        5,
        "b-c",
        "guests.a.disks.b-c",
        "duplicate_volume",
        'its volume "a-b-c.qcow2" in pool "p" is already the volume of guests.a-b.disks.c',
      ],
      [
        6,
        "root",
        "guests.g.disks.root",
        "duplicate_volume",
        'its volume "g-root.qcow2" in pool "p" is already the volume of images.g-root',
      ],
    ],
  ],
  [
    "one MAC on two interfaces",
    [
      "networks: { n: { address: 10.0.0.1/24 } }",
      "guests:",
      "  a: { memory: 1GiB, interfaces: [{ network: n, mac: 52:54:00:00:00:0a }] }",
      "  b: { memory: 1GiB, interfaces: [{ network: n, mac: 52:54:00:00:00:0A }] }",
    ],
    [
      [
        4,
        "52:",
        "guests.b.interfaces[0].mac",
        "duplicate_mac",
        "MAC 52:54:00:00:00:0a is already that of guests.a.interfaces[0]",
      ],
    ],
  ],
  [
    "earlier names (formerly) that name something else now, or twice",
    [
      "pools: { p: { path: /p } }",
      "guests:",
      "  a: { memory: 1GiB, formerly: [a, x] } # renamed back: fine",
      "  b: { memory: 1GiB, formerly: c }",
      "  d: { memory: 1GiB, formerly: [c, b], disks: { x: { size: 1GiB, formerly: y }, y: { size: 1GiB } } }",
      "  e: { memory: 1GiB, formerly: [f, f, 'no/slash'] }",
    ],
    [
      [
        5,
        "[c, b]",
        "guests.d.formerly",
        "duplicate_name",
        '"c" is an earlier name of guests.b too',
      ],
      [
        5,
        "[c, b]",
        "guests.d.formerly",
        "duplicate_name",
        '"b" is the name of guests.b; list only names this entry had before',
      ],
      [
        5,
        "y }",
        "guests.d.disks.x.formerly",
        "duplicate_name",
        '"y" is the name of guests.d.disks.y; list only names this entry had before',
      ],
      [
        5,
        "y: { size: 1GiB } }",
        "guests.d.disks.y",
        "duplicate_volume",
        'its volume "c-y.qcow2" in pool "p" is already the volume of guests.d.disks.x',
      ],
      [
        6,
        "[f",
        "guests.e.formerly",
        "invalid_name",
        'invalid name "no/slash": use 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit',
      ],
    ],
  ],
  [
    "DHCP fixed addresses outside the subnet, taken twice, or the host's own",
    [
      "networks:",
      "  a:",
      "    address: 10.0.0.1/24",
      "    dhcp:",
      "      start: 10.0.0.100",
      "      end: 10.0.0.200",
      "      hosts:",
      "        mail: { mac: 52:54:00:00:00:10, ip: 10.0.1.10 }",
      "        tools: { mac: 52:54:00:00:00:11, ip: 10.0.0.1 }",
      "        desk: { mac: 52:54:00:00:00:12, ip: 10.0.0.20 }",
      "        laptop: { mac: 52:54:00:00:00:12, ip: 10.0.0.20 }",
      "        -bad: { mac: 52:54:00:00:00:13, ip: 10.0.0.21 }",
    ],
    [
      [
        8,
        "10.0.1.10",
        "networks.a.dhcp.hosts.mail.ip",
        "invalid_dhcp_range",
        "10.0.1.10 is outside the subnet 10.0.0.0/24",
      ],
      [
        9,
        "10.0.0.1 ",
        "networks.a.dhcp.hosts.tools.ip",
        "invalid_dhcp_range",
        "10.0.0.1 is the host's own address",
      ],
      [
        11,
        "52:54:00:00:00:12",
        "networks.a.dhcp.hosts.laptop.mac",
        "duplicate_mac",
        '52:54:00:00:00:12 already has an address: host "desk"',
      ],
      [
        11,
        "10.0.0.20",
        "networks.a.dhcp.hosts.laptop.ip",
        "invalid_dhcp_range",
        '10.0.0.20 is already the address of host "desk"',
      ],
      [
        12,
        "-bad",
        "networks.a.dhcp.hosts.-bad",
        "invalid_name",
        'invalid host name "-bad": use 1 to 63 letters, digits or "-", starting and ending with a letter or digit',
      ],
    ],
  ],
  [
    "interfaces and their short form together",
    [
      "networks: { n: { address: 10.0.0.1/24 } }",
      "guests:",
      "  g: { memory: 1GiB, interfaces: [{ network: n }], networks: [n] }",
    ],
    [
      [
        3,
        "networks",
        "guests.g.networks",
        "conflicting_keys",
        'use either "interfaces" or its short form "networks", not both',
      ],
    ],
  ],
  [
    "a console password without a console, or not named like a config key",
    [
      "guests:",
      "  a: { memory: 1GiB, consolePassword: pw }",
      "  b: { memory: 1GiB, graphics: vnc, consolePassword: my pw }",
    ],
    [
      [
        2,
        "pw",
        "guests.a.consolePassword",
        "invalid_value",
        "a console password needs graphics: vnc or spice",
      ],
      [
        3,
        "my pw",
        "guests.b.consolePassword",
        "invalid_value",
        "expected the name of a stack config secret, like demoConsole",
      ],
    ],
  ],
];

test.each(cases)("%s", expectIssues);
