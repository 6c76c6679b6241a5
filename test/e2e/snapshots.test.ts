/**
 * Baselines and schedules through the real Pulumi CLI: `pulumi up` takes the
 * baseline; raising revertGeneration previews as a revert and brings the
 * appliance's boot counter (kept on its own disk) back; refresh shows the
 * runner's last run; removing the schedule keeps the snapshots; removing the
 * baseline deletes it.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import type { DomainRef, LibvirtClient } from "../../libvirt";
import { DomainMetadataType, ErrorCode, LibvirtClient as Client, hasCode } from "../../libvirt";
import { SCHEDULE_METADATA } from "../../snapshots/metadataXml";
import { consoleText, objectsNamed, REPO_ROOT, requireAppliance, TEST_URI } from "../support/host";
import type { TestProject } from "../support/project";
import { createTestProject } from "../support/project";
import { waitFor } from "../support/wait";

jest.setTimeout(900_000);

const GUEST = "test-snape2e-demo";
const POOL_DIR = "/var/lib/libvirt/images/test-snape2e-pool";
const CONSOLE = `/var/log/libvirt/qemu/${GUEST}-console.log`;

const fleet = (guestExtra: string, schedules = "") => `
pools:
  test-snape2e-pool: { path: ${POOL_DIR} }
networks:
  test-snape2e-net: { address: 10.81.0.1/24 }
images:
  test-snape2e-appliance: { source: ${requireAppliance()}, pool: test-snape2e-pool }
guests:
  ${GUEST}:
    type: qemu
    memory: 256MiB
    disks:
      root: { image: test-snape2e-appliance, size: 512MiB }
    networks: [test-snape2e-net]
${guestExtra}
${schedules}`;
const SCHEDULES = "snapshotSchedules:\n  test-desktop: { hourly: 2, daily: 7 }\n";
const WITH_BOTH = "    baseline: post-install\n    snapshotSchedule: test-desktop\n";

/** pool, base volume, network, root volume, domain, 4 components (fleet, pool, network, guest), the stack. */
const BASE_RESOURCES = 10;

let project: TestProject;
let conn: LibvirtClient;
let dom: DomainRef;

const booted = (n: number) =>
  waitFor(
    `boot=${n}`,
    () => (consoleText(CONSOLE).includes(`DESKFLEET-APPLIANCE boot=${n}`) ? true : undefined),
    120_000,
  );
async function restart(): Promise<void> {
  if (await conn.domainIsActive(dom)) await conn.domainDestroy(dom, 0);
  await conn.domainCreate(dom, 0);
}
const snapshotNames = async () =>
  (await conn.domainListAllSnapshots(dom, 0)).map((s) => s.name).sort();
async function hasSchedule(): Promise<boolean> {
  try {
    await conn.domainGetMetadata(dom, DomainMetadataType.Element, SCHEDULE_METADATA.uri, 2);
    return true;
  } catch (err) {
    if (hasCode(err, ErrorCode.NoDomainMetadata)) return false;
    throw err;
  }
}
function deskfleet(...args: string[]): string {
  return execFileSync("npx", ["deskfleet", ...args, "--uri", TEST_URI, "--guest", GUEST], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

beforeAll(async () => {
  conn = await Client.connect(TEST_URI);
  project = await createTestProject("test-snape2e", fleet(""));
});

afterAll(async () => {
  await project?.stack.destroy().catch(() => undefined);
  await project?.dispose();
  await conn?.close();
  rmSync(POOL_DIR, { recursive: true, force: true });
});

it("a guest without snapshots boots", async () => {
  const up = await project.stack.up();
  expect(up.summary.resourceChanges).toEqual({ create: BASE_RESOURCES });
  dom = await conn.domainLookupByName(GUEST);
  await booted(1);
});

it("pulumi up takes the baseline and records the schedule", async () => {
  project.writeFleet(fleet(WITH_BOTH, SCHEDULES));
  const preview = await project.stack.preview();
  expect(preview.changeSummary).toEqual({ same: BASE_RESOURCES, create: 2 });
  // The preview says which kind each takes on this host (libvirt 9.0) and why.
  expect(preview.stdout).toContain(
    `baseline "post-install" of ${GUEST}: internal, with memory (the guest pauses while its RAM is saved) (libvirt 9.0.0 reverts only internal snapshots)`,
  );
  expect(preview.stdout).toContain(
    `scheduled snapshots of ${GUEST}: internal, with memory (the guest pauses while its RAM is saved) (libvirt 9.0.0 reverts only internal snapshots)`,
  );
  const up = await project.stack.up();
  expect(up.summary.resourceChanges).toEqual({ same: BASE_RESOURCES, create: 2 });
  expect(await snapshotNames()).toEqual(["post-install"]);
  expect(await hasSchedule()).toBe(true);
  // Taken while running, with memory; the disk said boot=1.
  const again = await project.stack.up();
  expect(again.summary.resourceChanges).toEqual({ same: BASE_RESOURCES + 2 });
});

it("raising revertGeneration previews as a revert, and the boot counter goes back", async () => {
  await restart();
  await booted(2);
  await restart();
  await booted(3);
  project.writeFleet(fleet(`${WITH_BOTH}    revertGeneration: 1\n`, SCHEDULES));
  const preview = await project.stack.preview({ diff: true });
  expect(preview.changeSummary).toEqual({ same: BASE_RESOURCES + 1, update: 1 });
  expect(preview.stdout).toContain(`~ deskfleet:libvirt:Snapshot: (update)`);
  expect(preview.stdout).toContain(
    `revert          : "none" => "${GUEST} to post-install (generation 1)"`,
  );
  const up = await project.stack.up();
  expect(up.summary.resourceChanges).toEqual({ same: BASE_RESOURCES + 1, update: 1 });
  // Back in the baseline's memory: the next boot counts from the baseline's 1, not from 3.
  await restart();
  await booted(2);
  expect(consoleText(CONSOLE)).not.toContain("boot=4");
  expect(await hasSchedule()).toBe(true);
});

it("pulumi refresh shows the runner's last run", async () => {
  deskfleet("snapshots", "run", "--now", "2030-01-01T04:30:00Z");
  await project.stack.refresh();
  const state = await project.stack.exportStack();
  const schedule = (
    state.deployment as { resources: { type: string; outputs: Record<string, unknown> }[] }
  ).resources.find((r) => r.type === "deskfleet:libvirt:SnapshotSchedule");
  expect(schedule?.outputs).toMatchObject({
    lastRun: "2030-01-01T04:30:00.000Z",
    lastOutcome: "ok",
    newestSnapshot: "autosnap_2030-01-01_04-30-00_daily",
    lastError: "",
  });
  expect((await project.stack.preview()).changeSummary).toEqual({ same: BASE_RESOURCES + 2 });
});

it("removing the schedule removes the policy and keeps every snapshot", async () => {
  project.writeFleet(fleet(`    baseline: post-install\n    revertGeneration: 1\n`));
  const up = await project.stack.up();
  expect(up.summary.resourceChanges).toEqual({ same: BASE_RESOURCES + 1, delete: 1 });
  expect(await hasSchedule()).toBe(false);
  expect(await snapshotNames()).toEqual(["autosnap_2030-01-01_04-30-00_daily", "post-install"]);
  // No schedule, no run: a later run leaves the guest alone.
  deskfleet("snapshots", "run", "--now", "2030-02-01T04:30:00Z");
  expect(await snapshotNames()).toEqual(["autosnap_2030-01-01_04-30-00_daily", "post-install"]);
});

it("removing the baseline previews as its deletion and deletes it", async () => {
  project.writeFleet(fleet(""));
  const preview = await project.stack.preview({ diff: true });
  expect(preview.changeSummary).toEqual({ same: BASE_RESOURCES, delete: 1 });
  expect(preview.stdout).toMatch(
    /- deskfleet:libvirt:Snapshot: \(delete\)[\s\S]*::test-snape2e-demo-post-install\]/,
  );
  await project.stack.up();
  expect(await snapshotNames()).toEqual(["autosnap_2030-01-01_04-30-00_daily"]);
});

it("destroy leaves nothing with the test prefix", async () => {
  await project.stack.destroy();
  expect(await objectsNamed(conn, "test-snape2e-")).toEqual({
    domains: [],
    networks: [],
    pools: [],
    volumes: [],
  });
});
