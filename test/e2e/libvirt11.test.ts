/**
 * Snapshots on the libvirt most desktops run: a second host with libvirt 11.3
 * and QEMU 10.0 (Debian's bookworm-backports, scripts/libvirt-11.sh, started by
 * scripts/second-host.sh), driven by the real CLI. There, a running guest's
 * internal snapshot goes through QEMU's snapshot-save job, named after the
 * snapshot: scheduled snapshots must have names QEMU accepts, and an old one
 * with ':' (taken by an earlier deskfleet) waits until the guest is shut off
 * to be pruned. A guest that has internal snapshots (from before an upgrade)
 * keeps taking internal ones; the baseline and its revert work as on 9.0.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { autosnapDescription } from "../../snapshots/names";
import type { RunReport } from "../../snapshots/run";
import { consoleText, REPO_ROOT, requireAppliance } from "../support/host";
import { secondHost } from "../support/hosts";
import type { TestProject } from "../support/project";
import { createTestProject } from "../support/project";
import { waitFor } from "../support/wait";

// A cold start of the host probes QEMU 10 (~8 s); each up, run and boot takes seconds.
jest.setTimeout(300_000);

const HOST = secondHost("v11", "11");
const GUEST = "test-v11-guest";
const CONSOLE = HOST.consoleLog(GUEST);
const LEGACY = "autosnap_2029-12-31_23:00:00_hourly";

let uri: string;
let project: TestProject;
const virsh = (...args: string[]): string =>
  execFileSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8" }).trim();

const fleet = (running: boolean, revertGeneration = 0, baseline = true) => `
pools:
  test-v11-pool: { path: ${HOST.poolDir("test-v11-pool")} }
images:
  test-v11-appliance: { source: ${requireAppliance()}, pool: test-v11-pool }
guests:
  ${GUEST}:
    type: qemu
    memory: 128MiB
    running: ${running}
    disks:
      root: { image: test-v11-appliance, size: 512MiB }
${baseline ? `    baseline: post-install\n    revertGeneration: ${revertGeneration}` : ""}
    snapshotSchedule: test-hourly
snapshotSchedules:
  test-hourly: { hourly: 2, daily: 7 }
`;

function deskfleet(...args: string[]): string {
  return execFileSync("npx", ["deskfleet", ...args, "--uri", uri, "--guest", GUEST], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}
const run = (now: string) =>
  (JSON.parse(deskfleet("snapshots", "run", "--now", now, "--json")) as RunReport).guests[0];
const snapshots = () => virsh("snapshot-list", GUEST, "--name").split("\n").filter(Boolean).sort();
/** The highest boot count the appliance has printed on its console (0 before the first). */
const bootCount = () =>
  Math.max(
    0,
    ...[...consoleText(CONSOLE).matchAll(/DESKFLEET-APPLIANCE boot=(\d+)/g)].map((m) =>
      Number(m[1]),
    ),
  );

beforeAll(async () => {
  HOST.stop(); // what an interrupted earlier run left
  uri = HOST.start();
  project = await createTestProject("test-v11", fleet(false, 0, false), uri);
});

afterAll(async () => {
  await project?.stack.destroy().catch(() => undefined);
  await project?.dispose();
  HOST.stop();
});

it("is libvirt 11.3 with QEMU 10.0", () => {
  const version = virsh("version", "--daemon");
  expect(version).toMatch(/Running hypervisor: QEMU 10\.0\./);
  expect(version).toMatch(/Running against daemon: 11\.3\./);
});

it("the preview says scheduled snapshots will be external and disks only here", async () => {
  const preview = await project.stack.preview();
  expect(preview.stdout).toContain(
    `scheduled snapshots of ${GUEST}: once it runs: external, disks only (no RAM saved; the guest pauses only to switch overlays); quiesced when the guest has a guest agent channel; libvirt 11.3.0`,
  );
});

it("up converges a guest with a baseline; an old snapshot named with ':' is there too", async () => {
  await project.stack.up();
  // Taken (internal) by an earlier deskfleet on libvirt 9.0 while the guest was off (qemu-img
  // has no job ID to refuse): the host was upgraded since.
  const xml = join(project.dir, "legacy.xml");
  writeFileSync(
    xml,
    `<domainsnapshot><name>${LEGACY}</name><description>${autosnapDescription(["hourly"])}</description>` +
      `<memory snapshot='no'/><disks><disk name='vda' snapshot='internal'/></disks></domainsnapshot>`,
  );
  virsh("snapshot-create", GUEST, xml);
  project.writeFleet(fleet(true));
  const up = await project.stack.up();
  // Asked once the guest runs (the baseline waits for it): its own snapshots decide.
  expect(up.stdout).toContain(
    `baseline "post-install" of ${GUEST}: internal, with memory (the guest pauses while its RAM is saved) (it has internal snapshots (${LEGACY}): an external overlay over them would strand them`,
  );
  await waitFor("the first boot", () => (bootCount() >= 1 ? true : undefined), 120_000);
  expect(snapshots()).toEqual([LEGACY, "post-install"]);
});

it("scheduled snapshots of the running guest are taken; the ':' one waits, not fails", () => {
  const first = run("2030-01-01T04:30:00Z");
  expect(first.errors).toEqual([]);
  expect(first.taken).toEqual(["autosnap_2030-01-01_04-30-00_daily"]);
  // Its internal snapshots keep new ones internal: an external overlay would strand them.
  expect(first.takenAs).toMatch(/^internal, with memory/);
  expect(first.takes).toMatch(
    /it has internal snapshots \(autosnap_2029-12-31_23:00:00_hourly, post-install\)/,
  );
  const second = run("2030-01-01T05:30:00Z");
  expect(second.taken).toEqual(["autosnap_2030-01-01_05-30-00_hourly"]);
  const third = run("2030-01-01T07:30:00Z");
  expect(third.errors).toEqual([]);
  expect(third.skipped.join("; ")).toMatch(
    new RegExp(`prune of ${LEGACY} waits until ${GUEST} is shut off`),
  );
  expect(snapshots()).toContain(LEGACY);
  expect(virsh("domstate", GUEST)).toBe("running");
});

it("once the guest is off, the next run prunes the ':' one", async () => {
  project.writeFleet(fleet(false));
  await project.stack.up();
  const next = run("2030-01-01T08:40:00Z");
  expect(next.errors).toEqual([]);
  expect(next.pruned).toContain(LEGACY);
  expect(snapshots().some((n) => n.includes(":"))).toBe(false);
});

it("raising revertGeneration reverts to the baseline, and the guest runs again", async () => {
  project.writeFleet(fleet(true, 1));
  await project.stack.up();
  expect(virsh("snapshot-current", GUEST, "--name")).toBe("post-install");
  expect(virsh("domstate", GUEST)).toBe("running");
});
