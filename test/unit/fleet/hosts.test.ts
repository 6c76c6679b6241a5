/** Several hosts in one fleet: where each entry goes, and every mistake in placing it. */
import { sharesByHost } from "../../../fleet/hosts";
import type { IssueCase } from "./helpers";
import { expectIssues, parseOne, yaml } from "./helpers";

const HOSTS = [
  "hosts:",
  "  desk: qemu:///system",
  "  laptop: qemu+ssh://me@laptop/system",
  "pools:",
  "  images: { path: /var/lib/libvirt/images }",
  "  fast: { path: /srv/fast, hosts: [desk] }",
  "networks:",
  "  lab: { address: 10.77.0.1/24, hosts: [desk] }",
  "  lan: { address: 10.78.0.1/24 }",
  "images:",
  "  debian: { source: /img/debian.qcow2, pool: images }",
  "  win: { source: /img/win.iso, format: raw, pool: images, hosts: [desk] }",
];

test("pools and networks default to every host, images to the hosts of their guests", () => {
  const spec = parseOne(
    yaml(
      ...HOSTS,
      "guests:",
      "  mail: { host: laptop, memory: 1GiB, networks: [lan], disks: { root: { image: debian, pool: images } } }",
      "  desk1: { host: desk, memory: 1GiB, networks: [lab], disks: { root: { pool: fast, size: 1GiB } } }",
    ),
  );
  expect(spec.hosts.map((h) => h.name)).toEqual(["desk", "laptop"]);
  expect(spec.pools.map((p) => [p.name, p.hosts])).toEqual([
    ["images", ["desk", "laptop"]],
    ["fast", ["desk"]],
  ]);
  expect(spec.networks.map((n) => [n.name, n.hosts])).toEqual([
    ["lab", ["desk"]],
    ["lan", ["desk", "laptop"]],
  ]);
  // debian is needed on the laptop only (its one guest is there); win is listed for the desk.
  expect(spec.images.map((i) => [i.name, i.hosts])).toEqual([
    ["debian", ["laptop"]],
    ["win", ["desk"]],
  ]);
  expect(spec.guests.map((g) => [g.name, g.host])).toEqual([
    ["mail", "laptop"],
    ["desk1", "desk"],
  ]);

  const shares = sharesByHost(spec, "qemu:///ignored");
  expect(shares.map((s) => [s.name, s.uri, s.spec.guests.map((g) => g.name)])).toEqual([
    ["desk", "qemu:///system", ["desk1"]],
    ["laptop", "qemu+ssh://me@laptop/system", ["mail"]],
  ]);
  expect(shares[1].spec.pools.map((p) => p.name)).toEqual(["images"]);
  expect(shares[1].spec.networks.map((n) => n.name)).toEqual(["lan"]);
  expect(shares[1].spec.images.map((i) => i.name)).toEqual(["debian"]);
});

test("a fleet with one host puts its guests there without `host`", () => {
  const spec = parseOne(
    yaml("hosts: { desk: qemu:///system }", "guests:", "  a: { memory: 1GiB }"),
  );
  expect(spec.guests[0].host).toBe("desk");
});

test("a fleet without hosts is one share on the stack's URI, and names no host", () => {
  const spec = parseOne(yaml("pools: { p: { path: /p } }", "guests:", "  a: { memory: 1GiB }"));
  expect(spec.hosts).toEqual([]);
  expect(spec.pools[0].hosts).toBeUndefined();
  expect(spec.guests[0].host).toBeUndefined();
  expect(sharesByHost(spec, "qemu+ssh://x/system")).toEqual([{ uri: "qemu+ssh://x/system", spec }]);
});

test("movedFrom: a host's name stands for its URI; a URI is kept, with or without hosts", () => {
  const guests = parseOne(
    yaml(
      ...HOSTS,
      "guests:",
      "  a: { host: laptop, movedFrom: desk, memory: 1GiB }",
      "  b: { host: desk, movedFrom: 'qemu+ssh://me@oldbox/system', memory: 1GiB }",
      "  c: { host: desk, memory: 1GiB }",
    ),
  ).guests;
  expect(guests.map((g) => g.movedFrom)).toEqual([
    "qemu:///system",
    "qemu+ssh://me@oldbox/system",
    undefined,
  ]);
  const single = parseOne(
    yaml("guests:", "  a: { movedFrom: 'qemu+ssh://me@desk/system', memory: 1GiB }"),
  );
  expect(single.guests[0].movedFrom).toBe("qemu+ssh://me@desk/system");
});

const NO_HOSTS =
  'the fleet declares no hosts: add a "hosts" section (e.g. hosts: { desk: "qemu:///system" }) or remove this';

const cases: IssueCase[] = [
  [
    "a guest without host when there are several",
    [...HOSTS, "guests:", "  mail: { memory: 1GiB }"],
    [
      [
        14,
        "{ memory",
        "guests.mail",
        "missing_key",
        'missing required key "host" (the fleet has several hosts: "desk", "laptop")',
      ],
    ],
  ],
  [
    "an unknown host, with a suggestion",
    [...HOSTS, "guests:", "  mail: { host: lapop, memory: 1GiB }"],
    [
      [
        14,
        "lapop",
        "guests.mail.host",
        "unknown_reference",
        'unknown host "lapop" (did you mean "laptop"?); known hosts: "desk", "laptop"',
      ],
    ],
  ],
  [
    "a pool, a network and an image the guest's host does not have",
    [
      ...HOSTS,
      "guests:",
      "  mail:",
      "    host: laptop",
      "    memory: 1GiB",
      "    networks: [lab]",
      "    disks:",
      "      root: { pool: fast, size: 1GiB }",
      "      install: { cdrom: win }",
    ],
    [
      [
        17,
        "lab",
        "guests.mail.networks[0]",
        "unknown_reference",
        'network "lab" is not on host "laptop" (it is on "desk"); add the host to its "hosts" or remove that list',
      ],
      [
        19,
        "fast",
        "guests.mail.disks.root.pool",
        "unknown_reference",
        'pool "fast" is not on host "laptop" (it is on "desk"); add the host to its "hosts" or remove that list',
      ],
      [
        20,
        "win",
        "guests.mail.disks.install.cdrom",
        "unknown_reference",
        'image "win" is not on host "laptop" (it is on "desk"); add the host to its "hosts" or remove that list',
      ],
    ],
  ],
  [
    "an image on a host its pool is not on",
    [...HOSTS, "  old: { source: /img/old.qcow2, pool: fast, hosts: [laptop] }"],
    [
      [
        13,
        "fast",
        "images.old.pool",
        "unknown_reference",
        'pool "fast" is not on host "laptop" (it is on "desk"); add the host to its "hosts" or remove that list',
      ],
    ],
  ],
  [
    "an unknown host in a pool's hosts",
    ["hosts: { desk: qemu:///system }", "pools:", "  p: { path: /p, hosts: [desk, nas] }"],
    [
      [
        3,
        "nas",
        "pools.p.hosts[1]",
        "unknown_reference",
        'unknown host "nas"; known hosts: "desk"',
      ],
    ],
  ],
  [
    "two names for one URI",
    ["hosts:", "  desk: qemu:///system", "  local: qemu:///system"],
    [
      [
        3,
        "qemu:///system",
        "hosts.local",
        "duplicate_name",
        'qemu:///system is already the URI of host "desk"',
      ],
    ],
  ],
  [
    "a host that is not a libvirt URI",
    ["hosts:", "  desk: laptop.local"],
    [
      [
        2,
        "laptop.local",
        "hosts.desk",
        "invalid_value",
        'expected a libvirt URI like "qemu:///system" or "qemu+ssh://me@laptop/system"',
      ],
    ],
  ],
  [
    "host and hosts in a fleet without hosts",
    ["pools:", "  p: { path: /p, hosts: [desk] }", "guests:", "  a: { host: desk, memory: 1GiB }"],
    [
      [2, "[desk]", "pools.p.hosts", "unknown_reference", NO_HOSTS],
      [4, "desk", "guests.a.host", "unknown_reference", NO_HOSTS],
    ],
  ],
  [
    "movedFrom that is neither a host nor a URI, or is the guest's own host",
    [
      ...HOSTS,
      "guests:",
      "  a: { host: laptop, movedFrom: dsk, memory: 1GiB }",
      "  b: { host: desk, movedFrom: desk, memory: 1GiB }",
    ],
    [
      [
        14,
        "dsk",
        "guests.a.movedFrom",
        "unknown_reference",
        'expected a host of "desk", "laptop" or the libvirt URI of the host it leaves, like "qemu+ssh://me@desk/system"',
      ],
      [
        15,
        31,
        "guests.b.movedFrom",
        "invalid_value",
        '"desk" is the guest\'s own host; name the host it leaves, or remove movedFrom',
      ],
    ],
  ],
  [
    "movedFrom naming a host in a fleet without hosts",
    ["guests:", "  a: { movedFrom: desk, memory: 1GiB }"],
    [
      [
        2,
        "desk",
        "guests.a.movedFrom",
        "unknown_reference",
        'expected the libvirt URI of the host it leaves, like "qemu+ssh://me@desk/system"',
      ],
    ],
  ],
];

test.each(cases)("%s", expectIssues);
