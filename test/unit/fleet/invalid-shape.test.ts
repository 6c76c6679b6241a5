/**
 * Invalid fleet files → the exact issues, for the shape of each entry and for
 * YAML itself. Each expected issue names the text it must point at.
 */
import { expectIssues } from "./helpers";
import type { IssueCase } from "./helpers";

const GUEST_KEYS =
  '"formerly", "adopt", "host", "movedFrom", "preset", "memory", "maxMemory", "machine", "disks", "interfaces", "networks", "consolePassword", "snapshotSchedule", "backupSchedule", "baseline", "revertGeneration", "cloudInit", "type", "vcpus", "maxVcpus", "restart", "restartGeneration", "rebuild", "firmware", "diskBus", "nicModel", "graphics", "graphicsListen", "running", "autostart", "move", "shutdownTimeout", "waitFor", "waitTimeout", "keepFirmwareState", "shares", "secureBoot", "tpm", "video", "sound", "tablet", "usbRedirection", "guestAgent", "spiceAgent", "rng", "hyperv", "clock", "cpu", "usbDevices", "pciDevices", "xml"';
const NAME_RULE = 'use 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit';

const cases: IssueCase[] = [
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
    "a tag the parser does not know",
    ["guests:", "  g: { memory: !size 1GiB }"],
    [[2, "!size", "", "yaml_syntax", "Unresolved tag: !size"]],
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
    "aliases nested ten deep (a billion laughs): one positioned error, not a crash",
    [
      "x-0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
      ...Array.from(
        { length: 9 },
        (_, i) => `x-${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(", ")}]`,
      ),
      "guests: { g: *a9 }",
    ],
    [
      [
        5,
        // The eighth *a3 of x-4: x-0 … x-3 and seven of these expand to 88,888 values.
        "x-4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, ".length + 1,
        "x-4[7]",
        "alias_expansion",
        "aliases here expand to more than 100000 values; write the values out or use fewer nested aliases",
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
        "a fleet file is a map with the keys hosts, pools, networks, images, guests, snapshotSchedules and backupSchedules",
      ],
    ],
  ],
  [
    "a key that is a list",
    ["guests:", "  [a, b]: { memory: 1GiB }"],
    [[2, "[a", "guests", "invalid_key", "keys must be plain names, not lists or maps"]],
  ],
];

test.each(cases)("%s", expectIssues);
