/**
 * deskfleet:libvirt:Snapshot and :SnapshotSchedule against the real daemon,
 * on a guest booting the appliance, whose boot counter lives on its disk:
 * a revert must bring the counter back.
 */
import { rmSync } from "node:fs";
import type { DomainRef, LibvirtClient } from "../../../libvirt";
import {
  DomainMetadataType,
  DomainState,
  ErrorCode,
  closeAll,
  getConnection,
  hasCode,
  uuidToString,
} from "../../../libvirt";
import type { HostInputs, ResourceKind } from "../../../provider/kind";
import { domain } from "../../../provider/resources/domain";
import type { SnapshotInputs } from "../../../provider/resources/snapshot";
import { snapshot } from "../../../provider/resources/snapshot";
import { snapshotSchedule } from "../../../provider/resources/snapshotSchedule";
import { storagePool } from "../../../provider/resources/storagePool";
import { volume } from "../../../provider/resources/volume";
import { SCHEDULE_METADATA } from "../../../snapshots/metadataXml";
import { consoleText, objectsNamed, requireAppliance, TEST_URI, testUrn } from "../../support/host";
import { waitFor } from "../../support/wait";
import { expectQuickDaemon } from "../../support/daemonSpeed";

// Tests boot the appliance, snapshot it running and shut off (each snapshot saves its RAM),
// revert and wait for it to boot again: tens of seconds each under emulation.
jest.setTimeout(300_000);

const POOL_DIR = "/var/lib/libvirt/images/test-snap-pool";
const GUEST = "test-snap-guest";
const CONSOLE = `/var/log/libvirt/qemu/${GUEST}-console.log`;

function checked<I extends HostInputs>(
  kind: ResourceKind<I>,
  news: Record<string, unknown>,
  olds = {},
): I {
  const { inputs, failures } = kind.check(olds, { uri: TEST_URI, ...news });
  expect(failures).toEqual([]);
  return inputs;
}

const created: { kind: ResourceKind<HostInputs>; id: string; outs: Record<string, unknown> }[] = [];
async function create<I extends HostInputs>(kind: ResourceKind<I>, news: Record<string, unknown>) {
  const inputs = checked(kind, news);
  const result = await kind.create(
    inputs,
    testUrn(kind.token, String((inputs as HostInputs & { name?: unknown }).name)),
  );
  created.unshift({ kind: kind, ...result });
  return { inputs, ...result };
}

let conn: LibvirtClient;
let dom: DomainRef;
let domainId: string;
let domainOuts: Record<string, unknown>;

/** The boot counter the appliance printed since its last start. */
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

async function scheduleMetadata(): Promise<string | undefined> {
  try {
    return await conn.domainGetMetadata(dom, DomainMetadataType.Element, SCHEDULE_METADATA.uri, 2);
  } catch (err) {
    if (hasCode(err, ErrorCode.NoDomainMetadata)) return undefined;
    throw err;
  }
}

beforeAll(async () => {
  conn = await getConnection(TEST_URI);
  await expectQuickDaemon(conn, "test-snap-");
  await create(storagePool, { name: "test-snap-pool", path: POOL_DIR });
  await create(volume, {
    pool: "test-snap-pool",
    name: "test-snap-base.qcow2",
    source: requireAppliance(),
  });
  await create(volume, {
    pool: "test-snap-pool",
    name: "test-snap-root.qcow2",
    backingVolume: "test-snap-base.qcow2",
  });
  const d = await create(domain, {
    name: GUEST,
    type: "qemu",
    memory: 256 * 1024 ** 2,
    disks: [{ pool: "test-snap-pool", volume: "test-snap-root.qcow2" }],
    shutdownTimeout: 20,
  });
  domainId = d.id;
  domainOuts = d.outs;
  dom = await conn.domainLookupByName(GUEST);
  await booted(1);
});

afterAll(async () => {
  for (const { kind, id, outs } of created) await kind.delete(id, outs).catch(() => undefined);
  await closeAll();
  rmSync(POOL_DIR, { recursive: true, force: true });
});

describe("Snapshot", () => {
  let base: SnapshotInputs;
  let id: string;
  let outs: Record<string, unknown>;

  it("takes the baseline of a running guest with its memory, and reads back as declared", async () => {
    const made = await create(snapshot, { domain: GUEST, name: "test-baseline" });
    ({ inputs: base, id, outs } = made);
    expect(base).toEqual({
      uri: TEST_URI,
      domain: GUEST,
      name: "test-baseline",
      revertGeneration: 0,
      revert: "none",
    });
    expect(outs).toMatchObject({ snapshotState: "running", domainUuid: domainId });
    const read = await snapshot.read(id, outs);
    expect(read?.inputs).toEqual(base);
    expect(snapshot.diff(id, read!.inputs, base).changes).toBe(false);
    await expect(snapshot.create(base, testUrn(snapshot.token, base.name))).rejects.toThrow(
      `take snapshot "test-baseline" of guest "${GUEST}": a snapshot with this name already exists on ${TEST_URI}`,
    );
  });

  it("raising revertGeneration previews as a revert and brings the boot counter back", async () => {
    await restart();
    await booted(2); // the disk now says 2; the baseline says 1
    const news = checked(
      snapshot,
      { domain: GUEST, name: "test-baseline", revertGeneration: 1 },
      base,
    );
    expect(news.revert).toBe(`${GUEST} to test-baseline (generation 1)`);
    expect(snapshot.diff(id, base, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    outs = await snapshot.update(id, { ...outs, ...base }, news);
    expect((await conn.domainGetState(dom, 0)).state).toBe(DomainState.Running);
    // Resumed from the baseline's memory: the next boot counts from the baseline's 1.
    await restart();
    await booted(2);
    expect(consoleText(CONSOLE)).not.toContain("boot=3");
    base = news;
  });

  it("refuses to lower revertGeneration", () => {
    const { failures } = snapshot.check(
      { ...base },
      {
        uri: TEST_URI,
        domain: GUEST,
        name: "test-baseline",
      },
    );
    expect(failures).toEqual([
      {
        property: "revertGeneration",
        reason: "it may only go up (it is 1): raising it reverts the guest",
      },
    ]);
  });

  it("a snapshot of a shut-off guest is disks only; a revert leaves the guest off", async () => {
    const off = { ...(domainOuts as object), running: false };
    domainOuts = await domain.update(domainId, domainOuts as never, checked(domain, off));
    const made = await create(snapshot, { domain: GUEST, name: "test-off" });
    expect(made.outs.snapshotState).toBe("shutoff");
    await conn.domainCreate(dom, 0);
    await booted(3);
    await conn.domainDestroy(dom, 0);
    const news = checked(
      snapshot,
      { domain: GUEST, name: "test-off", revertGeneration: 1 },
      made.inputs,
    );
    await snapshot.update(made.id, { ...made.outs, ...made.inputs }, news);
    expect(await conn.domainIsActive(dom)).toBe(false);
    await conn.domainCreate(dom, 0);
    await booted(3); // 2 on the disk at the snapshot, not 3
    expect(consoleText(CONSOLE)).not.toContain("boot=4");
  });

  it("delete removes only that snapshot; deleting again is fine", async () => {
    await snapshot.delete(id, outs);
    expect(await snapshot.read(id, outs)).toBeUndefined();
    await snapshot.delete(id, outs);
    expect((await conn.domainListAllSnapshots(dom, 0)).map((s) => s.name)).toEqual(["test-off"]);
  });
});

describe("SnapshotSchedule", () => {
  it("records the policy as metadata, updates counts in place, survives redefinition and revert, removes it", async () => {
    const made = await create(snapshotSchedule, {
      domain: GUEST,
      schedule: "workstation",
      hourly: 2,
      daily: 7,
      at: { daily: "03:00" },
    });
    expect(made.inputs).toMatchObject({
      hourly: 2,
      daily: 7,
      frequentPeriod: 15,
      at: {
        hourly: 0,
        daily: "03:00",
        weekly: "mon 23:30",
        monthly: "1 00:00",
        yearly: "01-01 00:00",
      },
    });
    expect(made.outs).toMatchObject({
      lastRun: "",
      lastOutcome: "",
      newestSnapshot: "",
      lastError: "",
    });
    expect(await scheduleMetadata()).toMatch(
      /^<schedule name="workstation" frequently="0" hourly="2" daily="7"/,
    );
    const read = await snapshotSchedule.read(made.id, made.outs);
    expect(read?.inputs).toEqual(made.inputs);

    const news = checked(snapshotSchedule, { ...made.inputs, hourly: 3 });
    expect(snapshotSchedule.diff(made.id, made.inputs, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    await snapshotSchedule.update(made.id, { ...made.outs, ...made.inputs }, news);
    expect((await snapshotSchedule.read(made.id, made.outs))?.inputs.hourly).toBe(3);

    // A hardware change redefines the domain: the metadata stays.
    const bigger = checked(domain, { ...(domainOuts as object), memory: 288 * 1024 ** 2 });
    domainOuts = await domain.update(domainId, domainOuts as never, bigger);
    expect(await scheduleMetadata()).toContain('hourly="3"');
    // A revert restores the definition saved in the snapshot (without metadata): it stays too.
    const off = (await snapshot.read(`${domainId}/test-off`, { uri: TEST_URI }))!;
    await snapshot.update(
      `${domainId}/test-off`,
      { ...off.props, ...off.inputs },
      {
        ...off.inputs,
        revertGeneration: 1,
        revert: "",
      },
    );
    expect(await scheduleMetadata()).toContain('hourly="3"');
    expect((await conn.domainGetInfo(dom)).maxMem).toBe(BigInt(288 * 1024));

    await snapshotSchedule.delete(made.id, made.outs);
    expect(await scheduleMetadata()).toBeUndefined();
    expect(await snapshotSchedule.read(made.id, made.outs)).toBeUndefined();
    expect((await conn.domainListAllSnapshots(dom, 0)).map((s) => s.name)).toEqual(["test-off"]);
  });
});

describe("a renamed guest (formerly)", () => {
  it("keeps its snapshots and its schedule: each is an update of the name it shows", async () => {
    const schedule = await create(snapshotSchedule, { domain: GUEST, schedule: "s", hourly: 1 });
    const renamed = `${GUEST}-2`;
    // Shut off (the last revert left it so): renamed at once, then started.
    const news = checked(domain, { ...(domainOuts as object), name: renamed, running: true });
    expect(domain.diff(domainId, domainOuts as never, news)).toMatchObject({ replaces: [] });
    domainOuts = await domain.update(domainId, domainOuts as never, news);
    const now = await conn.domainLookupByName(renamed);
    expect(uuidToString(now.uuid)).toBe(domainId);
    expect(await conn.domainIsActive(now)).toBe(true);
    await expect(conn.domainLookupByName(GUEST)).rejects.toThrow();

    const off = (await snapshot.read(`${domainId}/test-off`, { uri: TEST_URI }))!;
    expect(off.inputs.domain).toBe(renamed);
    const before = { ...off.inputs, domain: GUEST };
    expect(snapshot.diff(`${domainId}/test-off`, before, off.inputs)).toMatchObject({
      changes: true,
      replaces: [],
    });
    const policy = (await snapshotSchedule.read(schedule.id, schedule.outs))!;
    expect(policy.inputs).toMatchObject({ domain: renamed, hourly: 1 });
    expect(snapshotSchedule.diff(schedule.id, schedule.inputs, policy.inputs).replaces).toEqual([]);
    // The name back, while the guest runs and may not restart: it waits, pending.
    const back = checked(domain, { ...(domainOuts as object), name: GUEST, restart: "never" });
    domainOuts = await domain.update(domainId, domainOuts as never, back);
    expect(domainOuts.restartPending).toEqual(["name"]);
    expect((await domain.read(domainId, domainOuts))?.inputs.name).toBe(renamed);
  });
});

test("leaves nothing with the test prefix", async () => {
  for (const { kind, id, outs } of created) await kind.delete(id, outs);
  created.length = 0;
  expect(await objectsNamed(conn, "test-snap-")).toEqual({
    domains: [],
    networks: [],
    pools: [],
    volumes: [],
  });
});
