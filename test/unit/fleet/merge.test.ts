/**
 * Several fleet files merged in order: maps deeply, lists whole, null deletes;
 * every issue points into the file that wrote the offending value.
 */
import { FleetConfigError } from "../../../fleet/errors";
import type { FleetSource } from "../../../fleet/load";
import { parseFleet } from "../../../fleet/load";
import { GiB, MiB, OPTIONS, issuesOf, yaml } from "./helpers";
import { GUEST_SETTINGS_DEFAULTS } from "../../../xml/guestSettings";

/** file, line and column of the first `token` on `line` of `source`. */
function where(source: FleetSource, line: number, token: string) {
  const col = source.text.split("\n")[line - 1].indexOf(token) + 1;
  if (col === 0) throw new Error(`test bug: ${JSON.stringify(token)} is not on line ${line}`);
  return { file: source.file, line, col };
}

const BASE = "stacks/fleet.yaml";
const LAPTOP = "machines/laptop.yaml";

const base: FleetSource = {
  file: BASE,
  text: yaml(
    "pools:",
    "  deskfleet: { path: /var/lib/df }",
    "networks:",
    "  lan: { address: 10.77.0.1/24, dhcp: { start: 10.77.0.100, end: 10.77.0.199 } }",
    "images:",
    "  appliance: { source: images/app.qcow2 }",
    "guests:",
    "  demo:",
    "    memory: 256MiB",
    "    disks:",
    "      root: { image: appliance }",
    "    networks: [lan, lan]",
    "  work:",
    "    memory: 4GiB",
    "    disks: { root: { image: appliance } }",
    "  old: { memory: 1GiB }",
  ),
};

const laptop: FleetSource = {
  file: LAPTOP,
  text: yaml(
    "networks:",
    "  lan: { dhcp: null, bridge: dfbr-lan }",
    "images:",
    "  appliance: { source: ../images/laptop.qcow2 }",
    "guests:",
    "  demo:",
    "    memory: 1GiB",
    "    disks:",
    "      data: { size: 10GiB }",
    "    networks: [lan]",
    "  old: null",
    "  new: { memory: 512MiB }",
    "  never: null",
  ),
};

const guest = {
  ...GUEST_SETTINGS_DEFAULTS,
  cdroms: [],
  type: "kvm",
  vcpus: 1,
  machine: "pc",
  firmware: "bios",
  interfaces: [],
  graphics: "none",
  running: true,
  autostart: false,
} as const;

test("a later file overrides, adds and deletes; maps merge deeply, lists are replaced", () => {
  expect(parseFleet([base, laptop], OPTIONS)).toStrictEqual({
    hosts: [],
    snapshotSchedules: [],
    backupSchedules: [],
    pools: [{ name: "deskfleet", type: "dir", path: "/var/lib/df", autostart: true }],
    networks: [
      {
        name: "lan",
        mode: "isolated",
        bridge: "dfbr-lan",
        address: "10.77.0.1/24",
        autostart: true,
      },
    ],
    // Relative to machines/, the directory of the file that wrote the source.
    images: [
      {
        name: "appliance",
        source: "/proj/images/laptop.qcow2",
        pool: "deskfleet",
        format: "qcow2",
      },
    ],
    guests: [
      {
        ...guest,
        name: "demo",
        memory: GiB,
        disks: [
          { name: "root", pool: "deskfleet", image: "appliance", keep: false },
          { name: "data", pool: "deskfleet", size: 10 * GiB, keep: true },
        ],
        interfaces: [{ network: "lan" }],
      },
      {
        ...guest,
        name: "work",
        memory: 4 * GiB,
        disks: [{ name: "root", pool: "deskfleet", image: "appliance", keep: false }],
      },
      { ...guest, name: "new", memory: 512 * MiB, disks: [] },
    ],
  });
});

test("the base alone is unchanged by the existence of overrides", () => {
  const spec = parseFleet([base], OPTIONS);
  expect(spec.guests.map((g) => g.name)).toEqual(["demo", "work", "old"]);
  expect(spec.images[0].source).toBe("/proj/stacks/images/app.qcow2");
  expect(spec.networks[0].dhcp).toEqual({ start: "10.77.0.100", end: "10.77.0.199" });
  expect(spec.guests[0].interfaces).toEqual([{ network: "lan" }, { network: "lan" }]);
});

test("an overridden key keeps its place; a deleted and re-added key moves to the end", () => {
  const first = {
    file: "a.yaml",
    text: yaml("guests:", "  a: { memory: 1GiB }", "  b: { memory: 1GiB }"),
  };
  const second = { file: "b.yaml", text: yaml("guests:", "  a: { memory: 2GiB }") };
  const drop = { file: "c.yaml", text: yaml("guests:", "  a: null") };
  const readd = { file: "d.yaml", text: yaml("guests:", "  a: { memory: 3GiB }") };
  const names = (...files: FleetSource[]) =>
    parseFleet(files, OPTIONS).guests.map((g) => `${g.name}=${g.memory / GiB}`);
  expect(names(first, second)).toEqual(["a=2", "b=1"]);
  expect(names(first, drop)).toEqual(["b=1"]);
  expect(names(first, drop, readd)).toEqual(["b=1", "a=3"]);
});

test("a scalar may replace a map and a map a scalar", () => {
  const first = { file: "a.yaml", text: yaml("guests:", "  a: 1GiB", "  b: { memory: 1GiB }") };
  const second = { file: "b.yaml", text: yaml("guests:", "  a: { memory: 2GiB }", "  b: 2GiB") };
  expect(issuesOf(() => parseFleet([first, second], OPTIONS))).toEqual([
    {
      file: "b.yaml",
      line: 3,
      col: 6,
      path: "guests.b",
      code: "invalid_type",
      message: 'expected a map, got "2GiB"',
    },
  ]);
});

test("a later file can delete a bad value of an earlier one", () => {
  const first = { file: "a.yaml", text: yaml("guests:", "  g: { memory: 1GiB, colour: red }") };
  const second = { file: "b.yaml", text: yaml("guests:", "  g: { colour: null }") };
  expect(parseFleet([first, second], OPTIONS).guests.map((g) => g.name)).toEqual(["g"]);
});

test("empty files merge as nothing", () => {
  const empty = { file: "empty.yaml", text: "" };
  expect(parseFleet([empty, base, empty], OPTIONS)).toStrictEqual(parseFleet([base], OPTIONS));
});

describe("positions after merging", () => {
  const shared: FleetSource = {
    file: BASE,
    text: yaml(
      "pools: { p: { path: /p } }",
      "guests:",
      "  demo:",
      "    vcpus: 2",
      "  work:",
      "    memory: 1GiB",
      "    firmware: efi",
      "    disks: { root: { size: 1GiB } }",
      "  both: { memory: 1GiB, interfaces: [{ network: lan }] }",
    ),
  };
  const override: FleetSource = {
    file: LAPTOP,
    text: yaml(
      "guests:",
      "  demo:",
      "    machine: q35",
      "  work:",
      "    vcpus: 0",
      "    disks: { root: { size: 0.5B } }",
      "    colour: red",
      "  fresh:",
      "    vcpus: 1",
      "  both: { interfaces: [{ network: wan, mac: 1 }] }",
    ),
  };

  const known = expect.stringMatching(
    /^unknown key "colour"; known keys: "formerly", "adopt", /,
  ) as string;
  const expected = [
    // Defined in the shared file, so a missing key points there.
    {
      ...where(shared, 4, "vcpus"),
      path: "guests.demo",
      code: "missing_key",
      message: 'missing required key "memory"',
    },
    {
      ...where(shared, 7, "efi"),
      path: "guests.work.firmware",
      code: "invalid_value",
      message: 'expected one of "bios", "uefi", got "efi" (did you mean "uefi"?)',
    },
    {
      ...where(override, 5, "0"),
      path: "guests.work.vcpus",
      code: "too_small",
      message: "must be at least 1",
    },
    {
      ...where(override, 6, "0.5B"),
      path: "guests.work.disks.root.size",
      code: "invalid_size",
      message: '"0.5B" is not a whole number of bytes',
    },
    {
      ...where(override, 7, "colour"),
      path: "guests.work.colour",
      code: "unknown_key",
      message: known,
    },
    // Defined first in the override.
    {
      ...where(override, 9, "vcpus"),
      path: "guests.fresh",
      code: "missing_key",
      message: 'missing required key "memory"',
    },
    // The list came whole from the override.
    {
      ...where(override, 10, "1 }"),
      path: "guests.both.interfaces[0].mac",
      code: "invalid_type",
      message: "expected a string, got 1",
    },
  ];

  test("each issue is in the file, line and column that wrote the value", () => {
    expect(issuesOf(() => parseFleet([shared, override], OPTIONS))).toEqual(expected);
  });

  test("the error message lists them one per line, in file order", () => {
    let message = "";
    try {
      parseFleet([shared, override], OPTIONS);
    } catch (err) {
      if (err instanceof FleetConfigError) message = err.message;
    }
    const lines = message.split("\n");
    expect(lines).toHaveLength(expected.length);
    expect(lines[0]).toBe(`${BASE}:4:5: guests.demo: missing required key "memory"`);
    expect(lines[3]).toBe(
      `${LAPTOP}:6:28: guests.work.disks.root.size: "0.5B" is not a whole number of bytes`,
    );
    expect(lines[4]).toMatch(
      /^machines\/laptop\.yaml:7:5: guests\.work\.colour: unknown key "colour"; /,
    );
    expect(lines[6]).toBe(
      `${LAPTOP}:10:45: guests.both.interfaces[0].mac: expected a string, got 1`,
    );
  });

  test("a reference error points at the file that wrote the reference", () => {
    const ok = { ...override, text: yaml("guests:", "  both: { interfaces: [{ network: wan }] }") };
    const fixed = {
      ...shared,
      text: shared.text
        .replace("firmware: efi", "firmware: uefi")
        .replace("    vcpus: 2", "    memory: 1GiB"),
    };
    expect(issuesOf(() => parseFleet([fixed, ok], OPTIONS))).toEqual([
      {
        ...where(ok, 2, "wan"),
        path: "guests.both.interfaces[0].network",
        code: "unknown_reference",
        message: 'unknown network "wan"; the fleet declares no networks',
      },
    ]);
  });

  test("syntax errors in several files are all reported, before any validation", () => {
    const bad1 = { file: "a.yaml", text: yaml("guests:", "  a: 1", "  a: 2") };
    const bad2 = { file: "b.yaml", text: yaml("guests: [", "pools: {}") };
    const invalid = { file: "c.yaml", text: yaml("guests: { g: { memory: 1 } }") };
    expect(issuesOf(() => parseFleet([bad1, invalid, bad2], OPTIONS))).toEqual([
      {
        ...where(bad1, 3, "a"),
        path: "",
        code: "duplicate_key",
        message: "Map keys must be unique",
      },
      {
        ...where(bad2, 2, "pools"),
        path: "",
        code: "yaml_syntax",
        message: "Flow sequence in block collection must be sufficiently indented and end with a ]",
      },
    ]);
  });
});
