/** Valid fleet files → the exact FleetSpec they mean (defaults included). */
import type { FleetSpec, GuestSpec } from "../../../fleet/spec";
import { parseFleet } from "../../../fleet/load";
import { GiB, MiB, OPTIONS, parseOne, yaml } from "./helpers";
import { GUEST_SETTINGS_DEFAULTS } from "../../../xml/guestSettings";

const EMPTY: FleetSpec = {
  hosts: [],
  pools: [],
  networks: [],
  images: [],
  guests: [],
  snapshotSchedules: [],
  backupSchedules: [],
};

/** A guest as it is when only `memory` is given. */
const guest = (name: string, fields: Partial<GuestSpec> = {}): GuestSpec => ({
  ...GUEST_SETTINGS_DEFAULTS,
  cdroms: [],
  name,
  type: "kvm",
  memory: GiB,
  vcpus: 1,
  machine: "pc",
  firmware: "bios",
  disks: [],
  interfaces: [],
  graphics: "none",
  running: true,
  autostart: false,
  ...fields,
});

const POOL = { name: "deskfleet", type: "dir", path: "/var/lib/df", autostart: true } as const;

const cases: [string, string, FleetSpec][] = [
  ["an empty file", "", EMPTY],
  ["a file with only comments", yaml("# nothing yet"), EMPTY],
  ["empty sections", yaml("pools:", "networks:", "images: {}", "guests:"), EMPTY],
  [
    "a guest with only memory gets every default",
    yaml("guests:", "  g: { memory: 1GiB }"),
    { ...EMPTY, guests: [guest("g")] },
  ],
  [
    "the documented example",
    yaml(
      "pools:",
      "  deskfleet: { type: dir, path: /var/lib/libvirt/images/deskfleet, autostart: true }",
      "networks:",
      "  lan:",
      "    mode: isolated",
      "    address: 10.77.0.1/24",
      "    dhcp: { start: 10.77.0.100, end: 10.77.0.199 }",
      "    bridge: dfbr-lan",
      "    autostart: true",
      "images:",
      "  appliance: { source: ../.tools/appliance/deskfleet-appliance.qcow2, pool: deskfleet, format: qcow2 }",
      "guests:",
      "  demo:",
      "    type: qemu",
      "    memory: 256MiB",
      "    vcpus: 1",
      "    machine: pc",
      "    firmware: bios",
      "    disks:",
      "      root: { image: appliance, size: 1GiB }",
      "      data: { size: 2GiB, pool: deskfleet, keep: true }",
      '    interfaces: [ { network: lan, mac: "52:54:00:12:34:56" } ]',
      "    graphics: none",
      "    running: true",
      "    autostart: false",
    ),
    {
      ...EMPTY,
      pools: [
        {
          name: "deskfleet",
          type: "dir",
          path: "/var/lib/libvirt/images/deskfleet",
          autostart: true,
        },
      ],
      networks: [
        {
          name: "lan",
          mode: "isolated",
          bridge: "dfbr-lan",
          address: "10.77.0.1/24",
          dhcp: { start: "10.77.0.100", end: "10.77.0.199" },
          autostart: true,
        },
      ],
      images: [
        {
          name: "appliance",
          source: "/proj/.tools/appliance/deskfleet-appliance.qcow2",
          pool: "deskfleet",
          format: "qcow2",
        },
      ],
      guests: [
        guest("demo", {
          type: "qemu",
          memory: 256 * MiB,
          disks: [
            { name: "root", pool: "deskfleet", image: "appliance", size: GiB, keep: false },
            { name: "data", pool: "deskfleet", size: 2 * GiB, keep: true },
          ],
          interfaces: [{ network: "lan", mac: "52:54:00:12:34:56" }],
        }),
      ],
    },
  ],
  [
    "defaults that depend on other entries",
    yaml(
      "pools:",
      "  deskfleet: { path: /var/lib/df }",
      "networks:",
      "  lan: { address: 192.168.50.1/24 }",
      "images:",
      "  base: { source: /srv/base.img, format: raw }",
      "guests:",
      "  g:",
      "    memory: 2GiB",
      "    disks:",
      "      root: { image: base }",
      "      data: { size: 10GB }",
      "      scratch: { size: 1GiB, keep: false }",
      "      kept: { image: base, keep: true }",
      "    networks: [lan, lan]",
    ),
    {
      ...EMPTY,
      pools: [POOL],
      networks: [{ name: "lan", mode: "isolated", address: "192.168.50.1/24", autostart: true }],
      images: [{ name: "base", source: "/srv/base.img", pool: "deskfleet", format: "raw" }],
      guests: [
        guest("g", {
          memory: 2 * GiB,
          disks: [
            { name: "root", pool: "deskfleet", image: "base", keep: false },
            { name: "data", pool: "deskfleet", size: 10e9, keep: true },
            { name: "scratch", pool: "deskfleet", size: GiB, keep: false },
            { name: "kept", pool: "deskfleet", image: "base", keep: true },
          ],
          interfaces: [{ network: "lan" }, { network: "lan" }],
        }),
      ],
    },
  ],
  [
    "every non-default value",
    yaml(
      "pools:",
      "  a: { path: /pools/a/, autostart: false }",
      "  b: { path: /pools//b }",
      "networks:",
      "  nat: { mode: nat, address: 10.1.0.1/16, autostart: false }",
      "images:",
      "  img: { source: ~/images/base.qcow2, pool: b }",
      "guests:",
      "  w:",
      "    type: kvm",
      "    memory: 1.5GiB",
      "    vcpus: 256",
      "    machine: pc-q35-7.2",
      "    firmware: uefi",
      "    disks:",
      "      root: { image: img, pool: b, size: 20GiB }",
      "      data: { pool: a, size: 16MiB }",
      "    interfaces:",
      "      - network: nat",
      '        mac: "52:54:00:AB:cd:EF"',
      "      - { network: nat }",
      "    graphics: spice",
      "    running: false",
      "    autostart: true",
    ),
    {
      ...EMPTY,
      pools: [
        { name: "a", type: "dir", path: "/pools/a", autostart: false },
        { name: "b", type: "dir", path: "/pools/b", autostart: true },
      ],
      networks: [{ name: "nat", mode: "nat", address: "10.1.0.1/16", autostart: false }],
      images: [{ name: "img", source: "/home/me/images/base.qcow2", pool: "b", format: "qcow2" }],
      guests: [
        guest("w", {
          memory: 1.5 * GiB,
          vcpus: 256,
          machine: "pc-q35-7.2",
          firmware: "uefi",
          disks: [
            { name: "root", pool: "b", image: "img", size: 20 * GiB, keep: false },
            { name: "data", pool: "a", size: 16 * MiB, keep: true },
          ],
          interfaces: [{ network: "nat", mac: "52:54:00:ab:cd:ef" }, { network: "nat" }],
          graphics: "spice",
          running: false,
          autostart: true,
        }),
      ],
    },
  ],
  [
    "entries keep the order of the file",
    yaml(
      "guests:",
      "  zeta: { memory: 1GiB }",
      "  alpha: { memory: 1GiB }",
      "  mid.1: { memory: 1GiB }",
      "  '42': { memory: 1GiB }",
    ),
    { ...EMPTY, guests: [guest("zeta"), guest("alpha"), guest("mid.1"), guest("42")] },
  ],
  [
    "a number or boolean written as a name is the name as written",
    yaml("guests:", "  007: { memory: 1GiB }", "  true: { memory: 1GiB }"),
    { ...EMPTY, guests: [guest("007"), guest("true")] },
  ],
  [
    "anchors, aliases and << merge keys, with templates under x- keys",
    yaml(
      "x-small: &small",
      "  type: qemu",
      "  memory: 256MiB",
      "x-tiny-disk: &disk { size: 1GiB }",
      "pools:",
      "  deskfleet: { path: /var/lib/df }",
      "guests:",
      "  a:",
      "    <<: *small",
      "    disks: { d: *disk }",
      "  b:",
      "    memory: 512MiB",
      "    <<: [*small, { vcpus: 2, memory: 1GiB }]",
    ),
    {
      ...EMPTY,
      pools: [POOL],
      guests: [
        guest("a", {
          type: "qemu",
          memory: 256 * MiB,
          disks: [{ name: "d", pool: "deskfleet", size: GiB, keep: true }],
        }),
        guest("b", { type: "qemu", memory: 512 * MiB, vcpus: 2 }),
      ],
    },
  ],
  [
    "null values mean 'not given'",
    yaml(
      "pools:",
      "images: ~",
      "networks:",
      "  lan: { address: 10.0.0.1/24, dhcp: null, bridge: }",
      "guests:",
      "  gone:",
      "  g: { memory: 1GiB, interfaces: [{ network: lan, mac: null }], disks: }",
    ),
    {
      ...EMPTY,
      networks: [{ name: "lan", mode: "isolated", address: "10.0.0.1/24", autostart: true }],
      guests: [guest("g", { interfaces: [{ network: "lan" }] })],
    },
  ],
  [
    "networks that touch but do not overlap, and a DHCP range of one address",
    yaml(
      "networks:",
      "  a: { address: 10.0.0.1/30, dhcp: { start: 10.0.0.2, end: 10.0.0.2 } }",
      "  b: { address: 10.0.0.5/30, bridge: br-b }",
      "  c: { address: 10.0.0.9/30, bridge: br-c }",
    ),
    {
      ...EMPTY,
      networks: [
        {
          name: "a",
          mode: "isolated",
          address: "10.0.0.1/30",
          dhcp: { start: "10.0.0.2", end: "10.0.0.2" },
          autostart: true,
        },
        { name: "b", mode: "isolated", bridge: "br-b", address: "10.0.0.5/30", autostart: true },
        { name: "c", mode: "isolated", bridge: "br-c", address: "10.0.0.9/30", autostart: true },
      ],
    },
  ],
  [
    "fixed DHCP addresses, inside or outside the range, MACs in lower case",
    yaml(
      "networks:",
      "  lan:",
      "    address: 10.0.0.1/24",
      "    dhcp:",
      "      start: 10.0.0.100",
      "      end: 10.0.0.200",
      "      hosts:",
      "        mail: { mac: 52:54:00:00:00:0A, ip: 10.0.0.10 }",
      "        tools: { mac: 52:54:00:00:00:0b, ip: 10.0.0.150 }",
    ),
    {
      ...EMPTY,
      networks: [
        {
          name: "lan",
          mode: "isolated",
          address: "10.0.0.1/24",
          dhcp: {
            start: "10.0.0.100",
            end: "10.0.0.200",
            hosts: [
              { name: "mail", mac: "52:54:00:00:00:0a", ip: "10.0.0.10" },
              { name: "tools", mac: "52:54:00:00:00:0b", ip: "10.0.0.150" },
            ],
          },
          autostart: true,
        },
      ],
    },
  ],
  [
    "disks of different guests in different pools may share a volume name",
    yaml(
      "pools:",
      "  p: { path: /p }",
      "  q: { path: /q }",
      "guests:",
      "  a-b: { memory: 1GiB, disks: { c: { pool: p, size: 1GiB } } }",
      "  a: { memory: 1GiB, disks: { b-c: { pool: q, size: 1GiB } } }",
    ),
    {
      ...EMPTY,
      pools: [
        { name: "p", type: "dir", path: "/p", autostart: true },
        { name: "q", type: "dir", path: "/q", autostart: true },
      ],
      guests: [
        guest("a-b", { disks: [{ name: "c", pool: "p", size: GiB, keep: true }] }),
        guest("a", { disks: [{ name: "b-c", pool: "q", size: GiB, keep: true }] }),
      ],
    },
  ],
];

test.each(cases)("%s", (_name, text, expected) => {
  expect(parseOne(text)).toStrictEqual(expected);
});

test.each([
  ["stacks/fleet.yaml", "/proj", "/proj/stacks/img/base.qcow2"],
  ["fleet.yaml", "/proj", "/proj/img/base.qcow2"],
  ["/etc/deskfleet/fleet.yaml", "/proj", "/etc/deskfleet/img/base.qcow2"],
  ["../shared/fleet.yaml", "/proj/sub", "/proj/shared/img/base.qcow2"],
])("an image source in %s (cwd %s) is %s", (file, cwd, source) => {
  const text = yaml("pools: { p: { path: /p } }", "images:", "  i: { source: img/base.qcow2 }");
  const spec = parseFleet([{ file, text }], { ...OPTIONS, cwd });
  expect(spec.images.map((i) => i.source)).toEqual([source]);
});

test.each([
  ["/abs/./x/../base.qcow2", "/abs/base.qcow2"],
  ["~/base.qcow2", "/home/me/base.qcow2"],
  ["~", "/home/me"],
])("image source %s is %s", (written, source) => {
  const text = yaml("pools: { p: { path: /p } }", "images:", `  i: { source: "${written}" }`);
  expect(parseOne(text).images.map((i) => i.source)).toEqual([source]);
});
