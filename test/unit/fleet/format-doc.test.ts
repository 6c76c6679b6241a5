/** The examples in stacks/FORMAT.md are valid, and mean what the document says. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseFleet } from "../../../fleet/load";
import { GiB, MiB, OPTIONS } from "./helpers";

const doc = readFileSync(path.join(__dirname, "../../../stacks/FORMAT.md"), "utf8");
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);

test("FORMAT.md has the stack config, the complete example, an override and templates", () => {
  expect(blocks).toHaveLength(4);
  expect(blocks[0]).toContain("deskfleet:fleet:");
});

test("the complete example, the laptop override and the templates merge into a valid fleet", () => {
  const [, complete, laptop, templates] = blocks;
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
    ["demo", "qemu", GiB],
    ["mail", "qemu", 256 * MiB],
    ["notes", "qemu", 512 * MiB],
  ]);
  expect(spec.guests[0].disks.map((d) => [d.name, d.keep])).toEqual([
    ["root", false],
    ["data", true],
    ["scratch", true],
  ]);
  expect(spec.guests[2].interfaces).toEqual([{ network: "lan" }]);
  expect(spec.guests[0]).toMatchObject({
    snapshotSchedule: "workstation",
    baseline: "post-install",
    revertGeneration: 1,
  });
  expect(spec.snapshotSchedules).toMatchObject([
    { name: "workstation", hourly: 24, daily: 7, weekly: 4, monthly: 3, at: { daily: "03:00" } },
  ]);
});
