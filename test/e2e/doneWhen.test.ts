/**
 * Issue #4's acceptance scenario, automated: the example fleet (stacks/example.yaml,
 * whose demo keeps 2 hourly and 7 daily snapshots and has a baseline), up through
 * the real Pulumi CLI with every host object renamed test-done-…; a snapshot made
 * by hand with virsh; five runs of the real `npx deskfleet snapshots run --now`;
 * then `npx deskfleet snapshots status --json`.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { LibvirtClient } from "../../libvirt";
import { LibvirtClient as Client } from "../../libvirt";
import type { GuestStatus } from "../../snapshots/status";
import { objectsNamed, REPO_ROOT, requireAppliance, TEST_URI } from "../support/host";
import type { TestProject } from "../support/project";
import { createTestProject } from "../support/project";

jest.setTimeout(900_000);

const PREFIX = "test-done-";
const GUEST = `${PREFIX}demo`;
const POOL_DIR = `/var/lib/libvirt/images/${PREFIX}pool`;

interface ExampleFleet {
  pools: Record<string, { path: string }>;
  networks: Record<string, { address: string; dhcp?: { start: string; end: string } }>;
  images: Record<string, { source: string; pool: string }>;
  guests: Record<
    string,
    { disks: Record<string, { image: string }>; interfaces: { network: string }[] }
  >;
  snapshotSchedules: Record<string, unknown>;
}

/** stacks/example.yaml with every host object renamed test-done-… and its own subnet. */
function exampleAsTest(): string {
  const ex = parse(readFileSync(join(REPO_ROOT, "stacks", "example.yaml"), "utf8")) as ExampleFleet;
  const rename = <T>(map: Record<string, T>, each: (v: T) => T) =>
    Object.fromEntries(Object.entries(map).map(([k, v]) => [PREFIX + k, each(v)]));
  return stringify({
    pools: rename(ex.pools, () => ({ path: POOL_DIR })),
    networks: rename(ex.networks, (n) => ({
      ...n,
      address: "10.82.0.1/24",
      ...(n.dhcp ? { dhcp: { start: "10.82.0.100", end: "10.82.0.199" } } : {}),
    })),
    images: rename(ex.images, (i) => ({ ...i, source: requireAppliance(), pool: PREFIX + i.pool })),
    guests: rename(ex.guests, (g) => ({
      ...g,
      disks: Object.fromEntries(
        Object.entries(g.disks).map(([k, d]) => [k, { ...d, image: PREFIX + d.image }]),
      ),
      interfaces: g.interfaces.map((n) => ({ ...n, network: PREFIX + n.network })),
    })),
    snapshotSchedules: ex.snapshotSchedules,
  });
}

/** The real command, as a person types it in the repository (after npm run build). */
function deskfleet(...args: string[]): string {
  return execFileSync("npx", ["deskfleet", "snapshots", ...args, "--uri", TEST_URI], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

let project: TestProject;
let conn: LibvirtClient;

beforeAll(async () => {
  conn = await Client.connect(TEST_URI);
  project = await createTestProject("test-done", exampleAsTest());
});

afterAll(async () => {
  await project?.stack.destroy().catch(() => undefined);
  await project?.dispose();
  await conn?.close();
  rmSync(POOL_DIR, { recursive: true, force: true });
});

it("the example stack is up, with demo's baseline", async () => {
  const up = await project.stack.up();
  expect(up.summary.result).toBe("succeeded");
  const dom = await conn.domainLookupByName(GUEST);
  expect((await conn.domainListAllSnapshots(dom, 0)).map((s) => s.name)).toEqual(["post-install"]);
});

it("five runs leave the 07:30 and 08:40 hourlies, one daily, the baseline and the hand-made one", async () => {
  execFileSync("virsh", ["-c", TEST_URI, "snapshot-create-as", GUEST, "by-hand"], {
    stdio: "pipe",
  });
  for (const t of ["04:30", "05:30", "06:30", "07:30", "08:40"]) {
    // --guest: a test must never snapshot the guests of a real fleet on this host.
    deskfleet("run", "--now", `2030-01-01T${t}:00Z`, "--guest", GUEST);
  }
  const dom = await conn.domainLookupByName(GUEST);
  expect((await conn.domainListAllSnapshots(dom, 0)).map((s) => s.name).sort()).toEqual([
    "autosnap_2030-01-01_04-30-00_daily",
    "autosnap_2030-01-01_07-30-00_hourly",
    "autosnap_2030-01-01_08-40-00_hourly",
    "by-hand",
    "post-install",
  ]);
});

it("status --json lists them, and every autosnap_ snapshot on the host appears in it", async () => {
  const text = deskfleet("status", "--json");
  expect(text).toMatch(/^\{"guests":\[\{"name":/);
  const status = JSON.parse(text) as { guests: GuestStatus[] };
  const demo = status.guests.find((g) => g.name === GUEST);
  expect(demo?.retained).toEqual({
    hourly: ["autosnap_2030-01-01_07-30-00_hourly", "autosnap_2030-01-01_08-40-00_hourly"],
    daily: ["autosnap_2030-01-01_04-30-00_daily"],
  });
  // The whole host (status only reads): any guest's autosnap_ snapshots, listed somewhere.
  for (const dom of await conn.listAllDomains(0)) {
    const autosnaps = (await conn.domainListAllSnapshots(dom, 0))
      .map((s) => s.name)
      .filter((n) => n.startsWith("autosnap_"));
    if (autosnaps.length === 0) continue;
    const entry = status.guests.find((g) => g.name === dom.name);
    const listed = new Set([
      ...Object.values(entry?.retained ?? {}).flat(),
      ...(entry?.prunable ?? []),
      ...(entry?.unowned ?? []),
    ]);
    expect(autosnaps.filter((n) => !listed.has(n))).toEqual([]);
  }
});

it("destroy leaves nothing with the test prefix", async () => {
  await project.stack.destroy();
  expect(await objectsNamed(conn, PREFIX)).toEqual({
    domains: [],
    networks: [],
    pools: [],
    volumes: [],
  });
});
