/**
 * Invalid fleet files → the exact issues. Each expected issue names the text
 * it must point at: its column is where that text first appears on the line.
 */
import type { FleetIssue } from "../../../stacks/errors";
import { FILE, issuesOf, parseOne, yaml } from "./helpers";

/** [line, text pointed at (or its column), path, code, message] */
type Expected = [number, string | number, string, FleetIssue["code"], string];

function issue(lines: string[], [line, token, path, code, message]: Expected): FleetIssue {
  const col = typeof token === "number" ? token : lines[line - 1].indexOf(token) + 1;
  if (col === 0) throw new Error(`test bug: ${JSON.stringify(token)} is not on line ${line}`);
  return { file: FILE, line, col, path, message, code };
}

const GUEST_KEYS =
  '"type", "memory", "vcpus", "machine", "firmware", "disks", "interfaces", "networks", "graphics", "running", "autostart"';
const NAME_RULE = 'use 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit';

const cases: [string, string[], Expected[]][] = [
  // Unknown keys
  [
    "a misspelt key, with the likely key",
    ["guests:", "  demo:", "    memroy: 256MiB"],
    [
      [
        3,
        "memroy",
        "guests.demo.memroy",
        "unknown_key",
        'unknown key "memroy" (did you mean "memory"?)',
      ],
    ],
  ],
  [
    "an unknown key, with the known keys",
    ["guests:", "  demo:", "    memory: 1GiB", "    colour: red"],
    [
      [
        4,
        "colour",
        "guests.demo.colour",
        "unknown_key",
        `unknown key "colour"; known keys: ${GUEST_KEYS}`,
      ],
    ],
  ],
  [
    "an unknown top-level key",
    ["gusts:", "  demo: { memory: 1GiB }"],
    [[1, "gusts", "gusts", "unknown_key", 'unknown key "gusts" (did you mean "guests"?)']],
  ],
  [
    "an unknown key in a nested map",
    ["networks:", "  lan: { address: 10.0.0.1/24, dhcp: { start: 10.0.0.10, ends: 10.0.0.20 } }"],
    [
      [
        2,
        "ends",
        "networks.lan.dhcp.ends",
        "unknown_key",
        'unknown key "ends" (did you mean "end"?)',
      ],
    ],
  ],
  [
    "unknown keys in disks and interfaces",
    [
      "pools: { p: { path: /p } }",
      "networks: { n: { address: 10.0.0.1/24 } }",
      "guests:",
      "  g:",
      "    memory: 1GiB",
      "    disks: { d: { size: 1GiB, kep: true } }",
      "    interfaces: [{ network: n, mca: 52:54:00:00:00:01 }]",
    ],
    [
      [6, "kep", "guests.g.disks.d.kep", "unknown_key", 'unknown key "kep" (did you mean "keep"?)'],
      [
        7,
        "mca",
        "guests.g.interfaces[0].mca",
        "unknown_key",
        'unknown key "mca" (did you mean "mac"?)',
      ],
    ],
  ],
  // Missing keys point at the map that lacks them
  [
    "a missing key in a flow map",
    ["pools:", "  p: { autostart: false }"],
    [[2, "{", "pools.p", "missing_key", 'missing required key "path"']],
  ],
  [
    "a missing key in a block map",
    ["networks:", "  lan:", "    mode: nat"],
    [[3, "mode", "networks.lan", "missing_key", 'missing required key "address"']],
  ],
  [
    "a missing key in an empty map",
    ["guests:", "  demo: {}"],
    [[2, "{}", "guests.demo", "missing_key", 'missing required key "memory"']],
  ],
  [
    "a missing key in a list item",
    ["guests:", "  g: { memory: 1GiB, interfaces: [{ mac: 52:54:00:00:00:01 }] }"],
    [[2, "{ mac", "guests.g.interfaces[0]", "missing_key", 'missing required key "network"']],
  ],
  [
    "an image without a source",
    ["images:", "  i: { format: raw }"],
    [[2, "{", "images.i", "missing_key", 'missing required key "source"']],
  ],
  // Sizes
  [
    "a size without a unit",
    ["guests:", "  demo:", "    memory: 256"],
    [[3, "256", "guests.demo.memory", "invalid_size", 'expected a size like "2GiB"']],
  ],
  [
    "a size with an unknown unit",
    ["guests:", "  demo:", "    memory: 256 megs"],
    [[3, "256 megs", "guests.demo.memory", "invalid_size", 'expected a size like "2GiB"']],
  ],
  [
    "a size that is not a whole number of bytes",
    [
      "pools: { p: { path: /p } }",
      "guests:",
      "  g:",
      "    memory: 1GiB",
      "    disks: { d: { size: 0.5B } }",
    ],
    [[5, "0.5B", "guests.g.disks.d.size", "invalid_size", '"0.5B" is not a whole number of bytes']],
  ],
  [
    "too little memory",
    ["guests:", "  g: { memory: 8MiB }"],
    [[2, "8MiB", "guests.g.memory", "too_small", "must be at least 16MiB"]],
  ],
  [
    "an empty disk",
    [
      "pools: { p: { path: /p } }",
      "guests:",
      "  g: { memory: 1GiB, disks: { d: { size: 0GiB } } }",
    ],
    [[3, "0GiB", "guests.g.disks.d.size", "too_small", "must be at least 1B"]],
  ],
  // Numbers, enums, booleans, types
  [
    "vcpus out of range or not whole",
    [
      "guests:",
      "  a: { memory: 1GiB, vcpus: 0 }",
      "  b: { memory: 1GiB, vcpus: 257 }",
      "  c: { memory: 1GiB, vcpus: 1.5 }",
      '  d: { memory: 1GiB, vcpus: "2" }',
    ],
    [
      [2, "0 }", "guests.a.vcpus", "too_small", "must be at least 1"],
      [3, "257", "guests.b.vcpus", "too_big", "must be at most 256"],
      [4, "1.5", "guests.c.vcpus", "invalid_type", "expected a whole number, got 1.5"],
      [5, '"2"', "guests.d.vcpus", "invalid_type", 'expected a number, got "2"'],
    ],
  ],
  [
    "values outside an enum",
    [
      "pools:",
      "  p: { type: logical, path: /p }",
      "guests:",
      "  g: { memory: 1GiB, firmware: efi, type: xen }",
    ],
    [
      [2, "logical", "pools.p.type", "invalid_value", 'expected "dir", got "logical"'],
      [
        4,
        "efi",
        "guests.g.firmware",
        "invalid_value",
        'expected one of "bios", "uefi", got "efi" (did you mean "uefi"?)',
      ],
      [4, "xen", "guests.g.type", "invalid_value", 'expected one of "kvm", "qemu", got "xen"'],
    ],
  ],
  [
    "YAML 1.1 booleans",
    ["guests:", "  g: { memory: 1GiB, running: yes, autostart: 1 }"],
    [
      [
        2,
        "yes",
        "guests.g.running",
        "invalid_type",
        'expected true or false, got "yes" (in YAML 1.2, yes/no/on/off are text)',
      ],
      [2, "1 }", "guests.g.autostart", "invalid_type", "expected true or false, got 1"],
    ],
  ],
  [
    "lists where maps belong and the reverse",
    [
      "guests:",
      "  g:",
      "    memory: 1GiB",
      "    disks: [root]",
      "    interfaces: lan",
      "    machine: 7",
      "networks: [lan]",
    ],
    [
      [4, "[root]", "guests.g.disks", "invalid_type", "expected a map, got a list"],
      [5, "lan", "guests.g.interfaces", "invalid_type", 'expected a list, got "lan"'],
      [6, "7", "guests.g.machine", "invalid_type", "expected a string, got 7"],
      [7, "[lan]", "networks", "invalid_type", "expected a map, got a list"],
    ],
  ],
  [
    "short-form networks that are not names",
    [
      "networks: { n: { address: 10.0.0.1/24 } }",
      "guests:",
      "  g: { memory: 1GiB, networks: [n, { network: n }] }",
    ],
    [[3, "{ network", "guests.g.networks[1]", "invalid_type", "expected a string, got a map"]],
  ],
  [
    "a guest that is not a map",
    ["guests:", "  g: 1GiB"],
    [[2, "1GiB", "guests.g", "invalid_type", 'expected a map, got "1GiB"']],
  ],
  // Names
  [
    "names libvirt cannot take",
    [
      "pools:",
      "  -p: { path: /p }",
      "guests:",
      '  "my guest": { memory: 1GiB, disks: { "a/b": { size: 1GiB, pool: -p } } }',
      `  ${"x".repeat(64)}: { memory: 1GiB }`,
    ],
    [
      [2, "-p", "pools.-p", "invalid_name", `invalid name "-p": ${NAME_RULE}`],
      [
        4,
        '"my guest"',
        'guests["my guest"]',
        "invalid_name",
        `invalid name "my guest": ${NAME_RULE}`,
      ],
      [
        4,
        '"a/b"',
        'guests["my guest"].disks["a/b"]',
        "invalid_name",
        `invalid name "a/b": ${NAME_RULE}`,
      ],
      [
        5,
        "x",
        `guests.${"x".repeat(64)}`,
        "invalid_name",
        `invalid name "${"x".repeat(64)}": ${NAME_RULE}`,
      ],
    ],
  ],
  [
    "a bridge name Linux cannot take",
    ["networks:", "  n: { address: 10.0.0.1/24, bridge: a-very-long-bridge }"],
    [
      [
        2,
        "a-very",
        "networks.n.bridge",
        "invalid_name",
        'invalid bridge name "a-very-long-bridge": use 1 to 15 letters, digits, "_", "." or "-", starting with a letter or digit',
      ],
    ],
  ],
  [
    "a machine type with a space",
    ["guests:", '  g: { memory: 1GiB, machine: "q 35" }'],
    [[2, '"q 35"', "guests.g.machine", "invalid_value", 'invalid machine type "q 35"']],
  ],
  // Paths
  [
    "a relative pool path",
    ["pools:", "  p: { path: var/lib/p }"],
    [[2, "var/lib", "pools.p.path", "invalid_path", "must be an absolute path on the host"]],
  ],
  [
    "an image source in another user's home",
    ["pools: { p: { path: /p } }", "images:", "  i: { source: ~bob/base.qcow2 }"],
    [
      [
        3,
        "~bob",
        "images.i.source",
        "invalid_path",
        '"~user" paths are not supported; start with "~/" or "/"',
      ],
    ],
  ],
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
  // YAML itself
  [
    "a key given twice",
    ["guests:", "  a: { memory: 1GiB }", "  a: { memory: 2GiB }"],
    [[3, "a", "", "duplicate_key", "Map keys must be unique"]],
  ],
  [
    "syntax errors, with the parser's messages",
    ["guests:", "\tg: { memory: 1GiB }", "images:", "  i: @x", "pools: {a: 1}}"],
    [
      [2, "\t", "", "yaml_syntax", "Tabs are not allowed as indentation"],
      [4, "@", "", "yaml_syntax", "Plain value cannot start with reserved character @"],
      [
        5,
        14 /* the second "}" */,
        "",
        "yaml_syntax",
        'Unexpected flow-map-end token in YAML stream: "}"',
      ],
    ],
  ],
  [
    "several documents in one file",
    ["guests: {}", "---", "pools: {}"],
    [
      [
        2,
        "---",
        "",
        "yaml_syntax",
        "Source contains multiple documents; please use YAML.parseAllDocuments()",
      ],
    ],
  ],
  [
    "an alias to an unknown anchor",
    ["guests:", "  g: *base"],
    [
      [
        2,
        "*base",
        "guests.g",
        "yaml_syntax",
        'unknown anchor "base" (anchors must come before their aliases, in the same file)',
      ],
    ],
  ],
  [
    "an alias inside the value it refers to",
    ["x-loop: &loop [1, *loop]"],
    [
      [
        1,
        "*loop",
        "x-loop[1]",
        "recursive_alias",
        "an alias may not refer to a value that contains it",
      ],
    ],
  ],
  [
    "a merge key that is not given a map",
    ["guests:", "  g:", "    <<: 1GiB", "    memory: 1GiB"],
    [[3, "1GiB", "guests.g", "invalid_merge", "<< takes a map or a list of maps"]],
  ],
  [
    "a fleet file that is a list",
    ["- guests"],
    [
      [
        1,
        "-",
        "",
        "invalid_type",
        "a fleet file is a map with the keys pools, networks, images and guests",
      ],
    ],
  ],
  [
    "a key that is a list",
    ["guests:", "  [a, b]: { memory: 1GiB }"],
    [[2, "[a", "guests", "invalid_key", "keys must be plain names, not lists or maps"]],
  ],
];

test.each(cases)("%s", (_name, lines, expected) => {
  const text = yaml(...lines);
  expect(issuesOf(() => parseOne(text))).toEqual(expected.map((e) => issue(lines, e)));
});
