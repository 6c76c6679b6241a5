/**
 * The runner over an in-memory host and a fake clock: whole sequences of
 * runs, checked snapshot by snapshot.
 */
import { autosnapDescription } from "../../../snapshots/names";
import { runSnapshots } from "../../../snapshots/run";
import { statusReport } from "../../../snapshots/status";
import { DEFAULT_TIMES } from "../../../snapshots/policy";
import { FakeHost } from "./fakeHost";

const MIN = 60_000;
const every = (from: string, to: string, minutes: number): string[] => {
  const times: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += minutes * MIN) {
    times.push(new Date(t).toISOString());
  }
  return times;
};
const HAND_MADE = [
  { name: "post-install", description: "deskfleet baseline" },
  { name: "by-hand" },
  // Named like ours but not marked: never touched.
  { name: "autosnap_2029-01-01_00:00:00_hourly", description: "made with virsh" },
];
const DONE_WHEN = ["04:30", "05:30", "06:30", "07:30", "08:40"].map((t) => `2030-01-01T${t}:00Z`);

describe("the issue's scenario: 2 hourly, 7 daily, five runs", () => {
  test("leaves the 07:30 and 08:40 hourlies and one daily, and every hand-made snapshot", async () => {
    const host = new FakeHost().add("demo", { hourly: 2, daily: 7 }, HAND_MADE);
    const reports = await host.runAt(DONE_WHEN);
    expect(host.log.filter((l) => !l.startsWith("record"))).toEqual([
      "create demo autosnap_2030-01-01_04-30-00_daily", // serves hourly and daily
      "create demo autosnap_2030-01-01_05-30-00_hourly",
      "create demo autosnap_2030-01-01_06-30-00_hourly", // 04:30 is exactly 2 h old: kept
      "create demo autosnap_2030-01-01_07-30-00_hourly", // hourly lets 04:30 go; daily keeps it
      "create demo autosnap_2030-01-01_08-40-00_hourly",
      // Newest first (an external snapshot goes once those after it have), reported oldest first.
      "delete demo autosnap_2030-01-01_06-30-00_hourly",
      "delete demo autosnap_2030-01-01_05-30-00_hourly",
    ]);
    expect(reports[4].guests[0].pruned).toEqual([
      "autosnap_2030-01-01_05-30-00_hourly",
      "autosnap_2030-01-01_06-30-00_hourly",
    ]);
    expect(host.names("demo").sort()).toEqual([
      "autosnap_2029-01-01_00:00:00_hourly",
      "autosnap_2030-01-01_04-30-00_daily",
      "autosnap_2030-01-01_07-30-00_hourly",
      "autosnap_2030-01-01_08-40-00_hourly",
      "by-hand",
      "post-install",
    ]);
    expect(reports[4].guests).toEqual([
      {
        name: "demo",
        schedule: "test",
        due: ["hourly"],
        taken: ["autosnap_2030-01-01_08-40-00_hourly"],
        takenAs: "internal, in memory (a fake host)",
        pruned: ["autosnap_2030-01-01_05-30-00_hourly", "autosnap_2030-01-01_06-30-00_hourly"],
        skipped: [],
        errors: [],
      },
    ]);
    const [status] = statusReport(await host.guests(), Date.parse(DONE_WHEN[4])).guests;
    expect(status.retained).toEqual({
      hourly: ["autosnap_2030-01-01_07-30-00_hourly", "autosnap_2030-01-01_08-40-00_hourly"],
      daily: ["autosnap_2030-01-01_04-30-00_daily"],
    });
    expect(status.unowned).toEqual(["autosnap_2029-01-01_00:00:00_hourly"]);
    expect(status.prunable).toEqual([]);
    expect(status.lastRun).toEqual({
      lastRun: "2030-01-01T08:40:00.000Z",
      outcome: "ok",
      newest: "autosnap_2030-01-01_08-40-00_hourly",
      taken: "autosnap_2030-01-01_08-40-00_hourly",
      pruned: 2,
    });
  });

  test("snapshots named before ':' was dropped are still ours: kept, counted and pruned", async () => {
    // Taken by an earlier deskfleet at 04:30 and 05:30 as autosnap_…_04:30:00_…, with our marker.
    const legacy = [
      {
        name: "autosnap_2030-01-01_04:30:00_daily",
        description: autosnapDescription(["hourly", "daily"]),
      },
      { name: "autosnap_2030-01-01_05:30:00_hourly", description: autosnapDescription(["hourly"]) },
    ];
    const host = new FakeHost().add("demo", { hourly: 2, daily: 7 }, [...HAND_MADE, ...legacy]);
    const reports = await host.runAt(DONE_WHEN.slice(2));
    expect(reports.flatMap((r) => r.guests[0].taken)).toEqual([
      "autosnap_2030-01-01_06-30-00_hourly",
      "autosnap_2030-01-01_07-30-00_hourly",
      "autosnap_2030-01-01_08-40-00_hourly",
    ]);
    // The same retention as in the scenario above: the old daily is kept, the old hourly pruned.
    expect(host.names("demo").sort()).toEqual([
      "autosnap_2029-01-01_00:00:00_hourly",
      "autosnap_2030-01-01_04:30:00_daily",
      "autosnap_2030-01-01_07-30-00_hourly",
      "autosnap_2030-01-01_08-40-00_hourly",
      "by-hand",
      "post-install",
    ]);
  });

  test("an old name QEMU cannot delete while the guest runs waits, and goes once it is off", async () => {
    const legacy = [
      { name: "autosnap_2030-01-01_05:30:00_hourly", description: autosnapDescription(["hourly"]) },
    ];
    const host = new FakeHost().add("demo", { hourly: 2, daily: 7 }, [...HAND_MADE, ...legacy]);
    host.refuseColons.add("demo"); // running, on libvirt 11
    const reports = await host.runAt(DONE_WHEN.slice(3));
    expect(reports[1].guests[0]).toMatchObject({
      taken: ["autosnap_2030-01-01_08-40-00_hourly"],
      pruned: [],
      skipped: [
        "prune of autosnap_2030-01-01_05:30:00_hourly waits until demo is shut off: " +
          "QEMU refuses its ':' while the guest runs (libvirt 10 and later)",
      ],
      errors: [],
    });
    expect(host.lastRun("demo")).toMatchObject({ outcome: "skipped" });
    expect(host.names("demo")).toContain("autosnap_2030-01-01_05:30:00_hourly");

    host.refuseColons.delete("demo"); // shut off
    const [next] = await host.runAt(["2030-01-01T08:45:00Z"]);
    expect(next.guests[0].pruned).toContain("autosnap_2030-01-01_05:30:00_hourly");
    expect(next.guests[0].errors).toEqual([]);
  });

  test("hourly changed to 0: its snapshots go at the next run, the daily stays", async () => {
    const host = new FakeHost().add("demo", { hourly: 2, daily: 7 }, HAND_MADE);
    await host.runAt(DONE_WHEN);
    host.domains.get("demo")!.policy!.hourly = 0;
    const [report] = await host.runAt(["2030-01-01T08:45:00Z"]);
    expect(report.guests[0].taken).toEqual([]);
    expect(report.guests[0].pruned).toEqual([
      "autosnap_2030-01-01_07-30-00_hourly",
      "autosnap_2030-01-01_08-40-00_hourly",
    ]);
    expect(host.names("demo")).toContain("autosnap_2030-01-01_04-30-00_daily");
  });

  test("a failed create leaves the old snapshots in place; the next run catches up", async () => {
    const host = new FakeHost().add("demo", { hourly: 2, daily: 7 }, HAND_MADE);
    await host.runAt(DONE_WHEN.slice(0, 4));
    const before = host.names("demo");
    host.failCreate.add("demo");
    const [failed] = await host.runAt([DONE_WHEN[4]]);
    expect(host.names("demo")).toEqual(before);
    expect(failed.guests[0]).toMatchObject({
      taken: [],
      pruned: [],
      skipped: ["prune of 2 skipped: the new snapshot failed"],
      errors: ["take autosnap_2030-01-01_08-40-00_hourly: no space left on device"],
    });
    expect(host.lastRun("demo")).toMatchObject({ outcome: "error", pruned: 0 });

    host.failCreate.clear();
    const [next] = await host.runAt(["2030-01-01T08:45:00Z"]);
    expect(next.guests[0].taken).toEqual(["autosnap_2030-01-01_08-45-00_hourly"]);
    expect(next.guests[0].pruned).toHaveLength(2);
  });

  test("one libvirt will not delete yet for its place in an external chain waits, and goes later", async () => {
    const host = new FakeHost().add("demo", { hourly: 2, daily: 7 }, HAND_MADE);
    await host.runAt(DONE_WHEN.slice(0, 4));
    host.pinned.add("autosnap_2030-01-01_05-30-00_hourly");
    const [waiting] = await host.runAt([DONE_WHEN[4]]);
    expect(waiting.guests[0]).toMatchObject({
      pruned: ["autosnap_2030-01-01_06-30-00_hourly"],
      skipped: [
        "prune of autosnap_2030-01-01_05-30-00_hourly waits until the snapshots after it are pruned: unsupported configuration: deletion of non-leaf external snapshot that is not in active chain is not supported",
      ],
      errors: [],
    });
    expect(host.lastRun("demo")).toMatchObject({ outcome: "skipped", pruned: 1 });
    host.pinned.clear();
    const [next] = await host.runAt(["2030-01-01T08:45:00Z"]);
    expect(next.guests[0].pruned).toEqual(["autosnap_2030-01-01_05-30-00_hourly"]);
  });

  test("--dry-run reports the same plan and changes nothing", async () => {
    const host = new FakeHost().add("demo", { hourly: 2, daily: 7 }, HAND_MADE);
    await host.runAt(DONE_WHEN.slice(0, 4));
    const log = [...host.log];
    const names = host.names("demo");
    const dry = await runSnapshots(host, { now: Date.parse(DONE_WHEN[4]), dryRun: true });
    expect(host.log).toEqual(log);
    expect(host.names("demo")).toEqual(names);
    expect(dry.dryRun).toBe(true);
    expect(dry.guests[0]).toMatchObject({
      taken: ["autosnap_2030-01-01_08-40-00_hourly"],
      pruned: ["autosnap_2030-01-01_05-30-00_hourly", "autosnap_2030-01-01_06-30-00_hourly"],
    });
  });
});

test("a week of runs every 5 minutes keeps exactly what the counts say", async () => {
  const host = new FakeHost().add("work", { frequently: 4, hourly: 24, daily: 7, weekly: 4 });
  const times = every("2030-01-01T00:00:00Z", "2030-01-07T23:55:00Z", 5);
  expect(times).toHaveLength(2016);
  await host.runAt(times);
  // Every 15-minute slot got exactly one snapshot; the other types ride along.
  expect(host.log.filter((l) => l.startsWith("create"))).toHaveLength(7 * 96);
  const [status] = statusReport(await host.guests(), Date.parse(times.at(-1)!)).guests;
  const name = (day: number, hm: string, type: string) =>
    `autosnap_2030-01-0${day}_${hm.replace(":", "-")}-00_${type}`;
  expect(status.retained.frequently).toEqual([
    name(7, "23:00", "hourly"),
    name(7, "23:15", "frequently"),
    name(7, "23:30", "weekly"),
    name(7, "23:45", "frequently"),
  ]);
  expect(status.retained.hourly).toEqual([
    name(7, "00:00", "daily"),
    ...Array.from({ length: 23 }, (_, h) =>
      name(7, `${String(h + 1).padStart(2, "0")}:00`, "hourly"),
    ),
  ]);
  // The first run's catch-up serves all four types; 23:59 dailies are taken at the next run, 00:00.
  expect(status.retained.daily).toEqual([
    name(1, "00:00", "weekly"),
    ...[2, 3, 4, 5, 6, 7].map((d) => name(d, "00:00", "daily")),
  ]);
  expect(status.retained.weekly).toEqual([name(1, "00:00", "weekly"), name(7, "23:30", "weekly")]);
  const kept = new Set(Object.values(status.retained).flat());
  expect(host.names("work").sort()).toEqual([...kept].sort());
  expect(status.due).toEqual([]);
});

test("a laptop asleep for 3 days takes one catch-up snapshot, then nothing until the next slot", async () => {
  const host = new FakeHost().add("laptop", { hourly: 24, daily: 7, weekly: 4, monthly: 3 });
  await host.runAt(every("2030-01-01T00:00:00Z", "2030-01-01T12:00:00Z", 5));
  const before = host.log.length;
  const [wake, after] = await host.runAt(["2030-01-04T09:17:00Z", "2030-01-04T09:22:00Z"]);
  expect(wake.guests[0]).toMatchObject({
    due: ["hourly", "daily"],
    taken: ["autosnap_2030-01-04_09-17-00_daily"],
    // 14 hourlies are all older than 24 h, but no more than 24 remain: all kept (the AND rule).
    pruned: [],
  });
  expect(after.guests[0]).toMatchObject({ due: [], taken: [], pruned: [] });
  expect(host.log.slice(before).filter((l) => !l.startsWith("record"))).toEqual([
    "create laptop autosnap_2030-01-04_09-17-00_daily",
  ]);
});

test("UTC names: runs across a DST change give 24 distinct hourlies a day", async () => {
  const host = new FakeHost().add("demo", { hourly: 48 });
  // Europe switches on 2030-03-31 at 01:00 UTC, the US on 2030-03-10: irrelevant in UTC.
  await host.runAt(every("2030-03-30T23:00:00Z", "2030-04-01T00:55:00Z", 5));
  const names = host.names("demo");
  expect(new Set(names).size).toBe(names.length);
  expect(names.filter((n) => n.startsWith("autosnap_2030-03-31_"))).toHaveLength(24);
});

test("guests without a schedule, and guests not selected, are never touched", async () => {
  const marked = {
    name: "autosnap_2029-01-01_00:00:00_hourly",
    description: autosnapDescription(["hourly"]),
  };
  const host = new FakeHost()
    .add("scheduled", { hourly: 1 })
    .add("unscheduled", undefined, [marked])
    .add("other", { hourly: 1 }, [marked]);
  const [report] = await host.runAt(["2030-01-01T04:30:00Z"], ["scheduled", "unscheduled"]);
  expect(report.guests.map((g) => g.name)).toEqual(["scheduled"]);
  expect(host.names("unscheduled")).toEqual([marked.name]);
  expect(host.names("other")).toEqual([marked.name]);
  // Status still lists the unscheduled guest's snapshots, kept as they are.
  const status = statusReport(await host.guests(), Date.parse("2030-01-01T04:30:00Z"));
  expect(status.guests.find((g) => g.name === "unscheduled")).toMatchObject({
    schedule: null,
    retained: { hourly: [marked.name] },
    due: [],
  });
});

test("autosnap off is a prune-only policy", async () => {
  const old = {
    name: "autosnap_2029-01-01_00:00:00_hourly",
    description: autosnapDescription(["hourly"]),
  };
  const host = new FakeHost().add("demo", { hourly: 0, autosnap: false, at: DEFAULT_TIMES }, [old]);
  const [report] = await host.runAt(["2030-01-01T04:30:00Z"]);
  expect(report.guests[0]).toMatchObject({ due: [], taken: [], pruned: [old.name] });
});

test("status agrees with the last run even when the clock is behind the snapshots", async () => {
  const host = new FakeHost().add("demo", { hourly: 2, daily: 7 }, HAND_MADE);
  await host.runAt(DONE_WHEN);
  const [status] = statusReport(await host.guests(), Date.parse("2026-11-23T12:00:00Z")).guests;
  expect(status.retained).toEqual({
    hourly: ["autosnap_2030-01-01_07-30-00_hourly", "autosnap_2030-01-01_08-40-00_hourly"],
    daily: ["autosnap_2030-01-01_04-30-00_daily"],
  });
  expect(status.due).toEqual([]);
});
