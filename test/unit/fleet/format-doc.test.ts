/** The examples in stacks/FORMAT.md are valid, and mean what the document says. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseFleet } from "../../../fleet/load";
import { GiB, MiB, OPTIONS } from "./helpers";
import { KVM_PRESETS, PRESET_NAMES, PRESETS } from "../../../fleet/presets";
import { diskSchema, guestSchema } from "../../../fleet/schema";
import { cloudInitSchema } from "../../../fleet/cloudInit";

const doc = readFileSync(path.join(__dirname, "../../../stacks/FORMAT.md"), "utf8");
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);

test("FORMAT.md has the stack config, the complete example, hosts, verbatim XML, a rename, backups, an override and templates", () => {
  expect(blocks).toHaveLength(8);
  expect(blocks[0]).toContain("deskfleet:fleet:");
});

test("the hosts example puts each entry where Hosts says", () => {
  const spec = parseFleet([{ file: "stacks/fleet.yaml", text: blocks[2] }], OPTIONS);
  expect(spec.hosts).toEqual([
    { name: "desk", uri: "qemu:///system" },
    { name: "laptop", uri: "qemu+ssh://me@laptop/system" },
  ]);
  expect(spec.pools.map((p) => [p.name, p.hosts])).toEqual([["default", ["desk", "laptop"]]]);
  expect(spec.networks.map((n) => [n.name, n.hosts])).toEqual([["lab", ["desk"]]]);
  expect(spec.guests.map((g) => [g.name, g.host])).toEqual([
    ["mail", "desk"],
    ["tools", "laptop"],
  ]);
});

test("the backups example schedules the guest's backups", () => {
  const spec = parseFleet([{ file: "stacks/fleet.yaml", text: blocks[5] }], OPTIONS);
  expect(spec.backupSchedules.map((b) => [b.name, b.target, b.daily, b.weekly, b.monthly])).toEqual(
    [["nightly", "/srv/backup/deskfleet", 7, 4, 6]],
  );
  expect(spec.guests[0].backupSchedule).toBe("nightly");
});

test("the verbatim XML example is valid and kept as written", () => {
  const [guest] = parseFleet([{ file: "stacks/tools.yaml", text: blocks[3] }], OPTIONS).guests;
  expect(guest.xml).toEqual({
    devices: ["<watchdog model='i6300esb' action='reset'/>"],
    elements: ["<cpu mode='host-model'><feature policy='disable' name='vmx'/></cpu>"],
  });
});

test("the renamed guest keeps the volume names of its first name, as Renaming says", () => {
  const pools = "pools: { default: { path: /var/lib/libvirt/images } }\n";
  const images = "images: { debian-13: { source: /img/debian-13.qcow2 } }\n";
  const [guest] = parseFleet(
    [{ file: "stacks/mail.yaml", text: pools + images + blocks[4] }],
    OPTIONS,
  ).guests;
  expect(guest.name).toBe("post");
  expect(guest.formerly).toEqual(["mail"]);
  expect(guest.disks.map((d) => [d.name, d.volume])).toEqual([
    ["root", "mail-root.qcow2"],
    ["files", "mail-data.qcow2"],
  ]);
});

test("the complete example, the laptop override and the templates merge into a valid fleet", () => {
  const [, complete, , , , , laptop, templates] = blocks;
  const spec = parseFleet(
    [
      { file: "stacks/example.yaml", text: complete },
      { file: "stacks/laptop.yaml", text: laptop },
      { file: "stacks/templates.yaml", text: templates },
    ],
    OPTIONS,
  );
  expect(spec.networks.map((n) => [n.name, n.dhcp])).toEqual([["lan", undefined]]);
  expect(spec.guests.map((g) => [g.name, g.type, g.memory])).toEqual([
    ["desk", "qemu", 4 * GiB],
    ["demo", "qemu", GiB],
    ["mail", "qemu", 256 * MiB],
    ["notes", "qemu", 512 * MiB],
  ]);
  // The desktop guest: its preset's devices, without what needs kvm, and its USB device.
  expect(spec.guests[0]).toMatchObject({
    machine: "q35",
    firmware: "uefi",
    graphics: "spice",
    video: "virtio",
    cpu: "default",
    usbDevices: [{ vendor: "046d", product: "c52b" }],
    seed: { pool: "deskfleet", volume: "desk-cidata.iso" },
  });
  expect(spec.guests[0].seed?.files["user-data"]).toContain("- spice-vdagent");
  expect(spec.guests[1].disks.map((d) => [d.name, d.keep])).toEqual([
    ["root", false],
    ["data", true],
    ["scratch", true],
  ]);
  expect(spec.guests[3].interfaces).toEqual([{ network: "lan" }]);
  expect(spec.guests[1]).toMatchObject({
    snapshotSchedule: "workstation",
    baseline: "post-install",
    revertGeneration: 1,
  });
  expect(spec.snapshotSchedules).toMatchObject([
    { name: "workstation", hourly: 24, daily: 7, weekly: 4, monthly: 3, at: { daily: "03:00" } },
  ]);
});

describe("the Guests tables and the presets table say what the code does", () => {
  const section = (title: string) => {
    const from = doc.indexOf(`\n### ${title}\n`);
    const to = doc.indexOf("\n#", from + 1);
    return doc.slice(from, to);
  };
  /** The first column of each table row under a heading: `key` names. */
  const keysOf = (text: string) => [...text.matchAll(/^\| `([A-Za-z]+)`/gm)].map((m) => m[1]);

  test("the cloud-init table and the Disks table list exactly the keys of their entries", () => {
    expect(keysOf(section("cloud-init")).sort()).toEqual(Object.keys(cloudInitSchema.shape).sort());
    expect(keysOf(section("Disks")).sort()).toEqual(Object.keys(diskSchema.shape).sort());
  });

  test("every key of a guest entry is in the Guests or Desktop devices table, and no other", () => {
    const guests = doc.slice(doc.indexOf("\n## Guests\n"), doc.indexOf("\n### Presets\n"));
    expect(keysOf(guests).sort()).toEqual(Object.keys(guestSchema.shape).sort());
  });

  test.each(PRESET_NAMES)("preset %s sets exactly what the table says", (name) => {
    const row = section("Presets")
      .split("\n")
      .find((l) => l.startsWith(`| \`${name}\``));
    const [, , sets, kvm] = (row ?? "").split("|");
    const pairs = (cell: string) =>
      Object.fromEntries(
        [...cell.matchAll(/`(\w+): ([^`]+)`/g)].map(([, k, v]) => [
          k,
          v === "true" ? true : v === "false" ? false : /^\d+$/.test(v) ? Number(v) : v,
        ]),
      );
    expect(pairs(sets)).toEqual(PRESETS[name]);
    expect(pairs(kvm)).toEqual(KVM_PRESETS[name]);
  });
});
