/**
 * The runner against the real daemon: a guest with a schedule of 2 hourly and
 * 7 daily, runs at injected times, a hand-made snapshot, a dry run, a full
 * pool, the lock, and what `pulumi refresh` then reads.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DomainRef, LibvirtClient } from "../../../libvirt";
import { closeAll, getConnection } from "../../../libvirt";
import type { HostInputs, ResourceKind } from "../../../provider/kind";
import { domain } from "../../../provider/resources/domain";
import type { SnapshotScheduleInputs } from "../../../provider/resources/snapshotSchedule";
import { snapshotSchedule } from "../../../provider/resources/snapshotSchedule";
import { storagePool } from "../../../provider/resources/storagePool";
import { volume } from "../../../provider/resources/volume";
import { buildSnapshotXml } from "../../../xml/snapshot";
import type { Io } from "../../../snapshots/commands";
import { Exit, runCommand, statusCommand } from "../../../snapshots/commands";
import { acquireLock } from "../../../snapshots/lock";
import { describeKind } from "../../../snapshots/mode";
import type { RunReport } from "../../../snapshots/run";
import type { StatusReport } from "../../../snapshots/status";
import { objectsNamed, requireAppliance, TEST_URI, testUrn } from "../../support/host";
import { expectQuickDaemon } from "../../support/daemonSpeed";

// Runs take internal snapshots of a guest and prune them (seconds each); the refresh test
// runs the provider's read.
jest.setTimeout(300_000);

const POOL_DIR = "/var/lib/libvirt/images/test-run-pool";
const GUEST = "test-run-guest";
const LOCKS = mkdtempSync(join(tmpdir(), "deskfleet-run-locks-"));
const LOCK = join(LOCKS, "run.lock");

const created: { kind: ResourceKind<HostInputs>; id: string; outs: Record<string, unknown> }[] = [];
async function create<I extends HostInputs>(kind: ResourceKind<I>, news: Record<string, unknown>) {
  const { inputs, failures } = kind.check({}, { uri: TEST_URI, ...news });
  expect(failures).toEqual([]);
  const result = await kind.create(
    inputs,
    testUrn(kind.token, String((inputs as HostInputs & { name?: unknown }).name)),
  );
  created.unshift({ kind: kind, ...result });
  return { inputs, ...result };
}

let conn: LibvirtClient;
let dom: DomainRef;
let schedule: { inputs: SnapshotScheduleInputs; id: string; outs: Record<string, unknown> };

/** Runs a command in-process; returns its exit status and its JSON output. */
async function cli<T>(
  command: (io: Io) => Promise<number>,
): Promise<{ code: number; json: T; err: string }> {
  let out = "";
  let err = "";
  const code = await command({ out: (t) => (out += t), err: (t) => (err += t) });
  return { code, json: (out ? JSON.parse(out) : undefined) as T, err };
}

const run = (time: string, extra: { dryRun?: boolean } = {}) =>
  cli<RunReport>((io) =>
    runCommand(
      {
        uri: TEST_URI,
        json: true,
        guests: [GUEST],
        now: Date.parse(time),
        dryRun: false,
        lock: LOCK,
        ...extra,
      },
      io,
    ),
  );

const names = async () => (await conn.domainListAllSnapshots(dom, 0)).map((s) => s.name).sort();
const at = (hm: string, type: string) => `autosnap_2030-01-01_${hm.replace(":", "-")}-00_${type}`;

beforeAll(async () => {
  conn = await getConnection(TEST_URI);
  await expectQuickDaemon(conn, "test-run-");
  await create(storagePool, { name: "test-run-pool", path: POOL_DIR });
  await create(volume, {
    pool: "test-run-pool",
    name: "test-run-base.qcow2",
    source: requireAppliance(),
  });
  await create(volume, {
    pool: "test-run-pool",
    name: "test-run-root.qcow2",
    backingVolume: "test-run-base.qcow2",
  });
  await create(domain, {
    name: GUEST,
    type: "qemu",
    memory: 128 * 1024 ** 2,
    disks: [{ pool: "test-run-pool", volume: "test-run-root.qcow2" }],
    shutdownTimeout: 10,
  });
  dom = await conn.domainLookupByName(GUEST);
  schedule = await create(snapshotSchedule, {
    domain: GUEST,
    schedule: "desktop",
    hourly: 2,
    daily: 7,
  });
  // Made by hand: one plain, one named like ours but without our marker.
  for (const name of ["test-manual", "autosnap_2029-12-31_00:00:00_hourly"]) {
    const xml = buildSnapshotXml({
      name,
      description: "made by hand",
      memory: "internal",
      disks: [{ target: "vda", snapshot: "internal" }],
    });
    await conn.domainSnapshotCreateXml(dom, xml, 0);
  }
});

afterAll(async () => {
  for (const { kind, id, outs } of created) await kind.delete(id, outs).catch(() => undefined);
  await closeAll();
  rmSync(POOL_DIR, { recursive: true, force: true });
  rmSync(LOCKS, { recursive: true, force: true });
});

const HAND_MADE = ["autosnap_2029-12-31_00:00:00_hourly", "test-manual"];

test.each([
  ["04:30", [at("04:30", "daily")], []],
  ["05:30", [at("04:30", "daily"), at("05:30", "hourly")], []],
  // 04:30 is exactly 2 × 1 h old: kept.
  ["06:30", [at("04:30", "daily"), at("05:30", "hourly"), at("06:30", "hourly")], []],
  // The hourlies let 04:30 go, but it is also the daily.
  [
    "07:30",
    [at("04:30", "daily"), at("05:30", "hourly"), at("06:30", "hourly"), at("07:30", "hourly")],
    [],
  ],
  [
    "08:40",
    [at("04:30", "daily"), at("07:30", "hourly"), at("08:40", "hourly")],
    [at("05:30", "hourly"), at("06:30", "hourly")],
  ],
])("a run at %s leaves exactly the expected snapshots", async (hm, expected, pruned) => {
  const { code, json } = await run(`2030-01-01T${hm}:00Z`);
  expect(code).toBe(Exit.Ok);
  expect(json.guests).toEqual([
    expect.objectContaining({ name: GUEST, schedule: "desktop", pruned, skipped: [], errors: [] }),
  ]);
  expect(await names()).toEqual([...expected, ...HAND_MADE].sort());
  // The guest runs on libvirt 9.0: its snapshots are internal and include its memory.
  expect(json.guests[0].takenAs).toBe(describeKind({ kind: "internal", memory: true }));
});

test("--dry-run changes nothing and reports what a run would do", async () => {
  const before = await names();
  const { code, json } = await run("2030-01-02T09:00:00Z", { dryRun: true });
  expect(code).toBe(Exit.Ok);
  expect(json.dryRun).toBe(true);
  expect(json.guests[0]).toMatchObject({
    due: ["hourly", "daily"],
    taken: ["autosnap_2030-01-02_09-00-00_daily"],
    // With the new one, two hourlies remain: 08:40 stays however old.
    pruned: [at("07:30", "hourly")],
  });
  expect(await names()).toEqual(before);
});

test("status lists what each type keeps, and every autosnap_ snapshot", async () => {
  const { json } = await cli<StatusReport & { uri: string }>((io) =>
    statusCommand(
      { uri: TEST_URI, json: true, guests: [GUEST], now: Date.parse("2030-01-01T08:45:00Z") },
      io,
    ),
  );
  expect(json.guests).toEqual([
    expect.objectContaining({
      name: GUEST,
      schedule: "desktop",
      retained: {
        hourly: [at("07:30", "hourly"), at("08:40", "hourly")],
        daily: [at("04:30", "daily")],
      },
      prunable: [],
      unowned: ["autosnap_2029-12-31_00:00:00_hourly"],
      due: [],
      overdue: [],
      lastRun: {
        lastRun: "2030-01-01T08:40:00.000Z",
        outcome: "ok",
        newest: at("08:40", "hourly"),
        taken: at("08:40", "hourly"),
        pruned: 2,
      },
    }),
  ]);
});

test("pulumi refresh reads the last run's outcome as outputs", async () => {
  const read = await snapshotSchedule.read(schedule.id, schedule.outs);
  expect(read?.props).toMatchObject({
    lastRun: "2030-01-01T08:40:00.000Z",
    lastOutcome: "ok",
    newestSnapshot: at("08:40", "hourly"),
    lastError: "",
  });
  expect(read?.inputs).toEqual(schedule.inputs);
});

test("a pool fuller than the limit: nothing is taken, and the run says why", async () => {
  const { inputs, id, outs } = schedule;
  await snapshotSchedule.update(id, { ...outs, ...inputs }, { ...inputs, maxPoolUsage: 1 });
  const before = await names();
  const { code, json } = await run("2030-01-01T09:30:00Z");
  expect(code).toBe(Exit.Ok);
  expect(json.guests[0].taken).toEqual([]);
  expect(json.guests[0].skipped).toEqual([
    expect.stringMatching(
      /^hourly due, not taken: pool test-run-pool is [\d.]+% full \(limit 1%\)$/,
    ),
  ]);
  expect(await names()).toEqual(before);
  await snapshotSchedule.update(id, { ...outs, ...inputs }, inputs);
});

test("one run at a time: a held lock makes a run stop with 75", async () => {
  const release = acquireLock(LOCK, "snapshots run");
  try {
    const { code, err } = await run("2030-01-01T09:35:00Z");
    expect(code).toBe(Exit.Busy);
    expect(err).toMatch(
      new RegExp(
        `^deskfleet snapshots run: ${LOCK} is held by deskfleet \\(snapshots run, process ${process.pid} on [^,]+, since [^)]+\\): wait for it to finish; not running\n$`,
      ),
    );
  } finally {
    release();
  }
});

test("leaves nothing with the test prefix", async () => {
  for (const { kind, id, outs } of created) await kind.delete(id, outs);
  created.length = 0;
  expect(await objectsNamed(conn, "test-run-")).toEqual({
    domains: [],
    networks: [],
    pools: [],
    volumes: [],
  });
});
