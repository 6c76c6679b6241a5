/** stacks/example.yaml, the fleet `npm run up` converges, is valid and says what the README says. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseFleet } from "../../../fleet/load";
import { OPTIONS } from "./helpers";

test("demo keeps 2 hourly and 7 daily snapshots and has a baseline", () => {
  const file = path.join(__dirname, "../../../stacks/example.yaml");
  const spec = parseFleet(
    [{ file: "stacks/example.yaml", text: readFileSync(file, "utf8") }],
    OPTIONS,
  );
  const demo = spec.guests.find((g) => g.name === "demo");
  expect(demo).toMatchObject({
    baseline: "post-install",
    revertGeneration: 0,
    snapshotSchedule: "desktop",
  });
  expect(spec.snapshotSchedules).toEqual([
    expect.objectContaining({
      name: "desktop",
      frequently: 0,
      hourly: 2,
      daily: 7,
      weekly: 0,
      monthly: 0,
      yearly: 0,
    }),
  ]);
});

test("the README's desktop guests are valid, and mean what its comments say", () => {
  const readme = readFileSync(path.join(__dirname, "../../../README.md"), "utf8");
  const desktop = readme.match(/```yaml\n(guests:\n {2}win11:[\s\S]*?)```/)?.[1];
  expect(desktop).toBeDefined();
  const images =
    "pools:\n  p: { path: /var/lib/p }\nimages:\n  fedora-43: { source: /img/f.qcow2 }\n" +
    "  win11-iso: { source: /img/win11.iso, format: raw }\n" +
    "networks:\n  lan: { address: 10.77.0.1/24 }\n";
  const spec = parseFleet(
    [
      { file: "stacks/images.yaml", text: images },
      { file: "stacks/desktops.yaml", text: desktop ?? "" },
    ],
    OPTIONS,
  );
  const [win11, fedora, tools] = spec.guests;
  expect(win11).toMatchObject({ secureBoot: true, tpm: true, video: "qxl", hyperv: true });
  expect(win11.cdroms).toMatchObject([{ name: "install", image: "win11-iso" }]);
  expect(fedora).toMatchObject({
    secureBoot: false,
    video: "virtio",
    shares: { work: { source: "/home/me/work" } },
    usbDevices: [{ vendor: "046d", product: "c52b" }],
    waitFor: "ip",
    seed: { pool: "p", volume: "fedora-cidata.iso" },
  });
  expect(fedora.seed?.files["user-data"]).toMatch(/^ {2}- name: me$/m);
  expect(tools).toMatchObject({ graphics: "none", guestAgent: true });
});
