/** Due and prune decisions, pure: sanoid's rules over a fake clock. */
import type { OwnSnapshot } from "../../../snapshots/names";
import { dueTypes, overdueTypes, planGuest, planRun, retention } from "../../../snapshots/plan";
import type { SnapshotType } from "../../../snapshots/policy";
import { policy } from "./fakeHost";

const H = 3_600_000;
const T0 = Date.parse("2030-01-01T00:00:00Z");
const snap = (hoursAfterT0: number, ...types: SnapshotType[]): OwnSnapshot => {
  const time = T0 + hoursAfterT0 * H;
  const stamp = new Date(time).toISOString().slice(0, 19).replace("T", "_");
  return { name: `autosnap_${stamp}_${types.at(-1)}`, time, types };
};

describe("the prune rule: age > count × period AND remaining > count", () => {
  const hourly2 = policy({ hourly: 2 });
  const three = [snap(0, "hourly"), snap(1, "hourly"), snap(2, "hourly")];

  test("a snapshot exactly count × period old is kept", () => {
    expect(retention(hourly2, three, T0 + 2 * H).prunable).toEqual([]);
  });

  test("one millisecond older, it goes", () => {
    expect(retention(hourly2, three, T0 + 2 * H + 1).prunable).toEqual([three[0]]);
  });

  test("old snapshots stay while no more than `count` remain (sanoid#429)", () => {
    // Both are days old, but only two remain of the two wanted.
    expect(retention(hourly2, three.slice(0, 2), T0 + 100 * H).prunable).toEqual([]);
    expect(retention(hourly2, three, T0 + 100 * H).prunable).toEqual([three[0]]);
  });

  test("oldest first, stopping at the first young enough", () => {
    const list = [
      snap(0, "hourly"),
      snap(1, "hourly"),
      snap(2.5, "hourly"),
      snap(3, "hourly"),
      snap(4, "hourly"),
    ];
    const { kept, prunable } = retention(hourly2, list, T0 + 4.5 * H);
    expect(prunable).toEqual(list.slice(0, 2));
    expect(kept.hourly).toEqual(list.slice(2));
  });

  test("a snapshot serving two types goes only when both have dropped it", () => {
    const p = policy({ hourly: 2, daily: 7 });
    const both = snap(0, "hourly", "daily");
    const list = [both, snap(1, "hourly"), snap(2, "hourly"), snap(3, "hourly")];
    const r = retention(p, list, T0 + 3.5 * H);
    expect(r.prunable).toEqual([list[1]]);
    expect(r.kept.hourly).toEqual(list.slice(2));
    expect(r.kept.daily).toEqual([both]);
  });

  test("count 0 drops every snapshot of that type; other types keep theirs", () => {
    const p = policy({ hourly: 0, daily: 7 });
    const list = [snap(0, "hourly", "daily"), snap(1, "hourly"), snap(2, "hourly")];
    expect(retention(p, list, T0 + 2 * H + 1).prunable).toEqual(list.slice(1));
  });

  test("autoprune off keeps everything", () => {
    const p = policy({ hourly: 0, autoprune: false });
    const { kept, prunable } = retention(p, three, T0 + 100 * H);
    expect(prunable).toEqual([]);
    expect(kept.hourly).toEqual(three);
  });
});

describe("due", () => {
  const p = policy({ hourly: 24, daily: 7, weekly: 4, at: { ...policy({}).at, daily: "03:00" } });

  test.each<[string, OwnSnapshot[], SnapshotType[]]>([
    ["nothing yet: every type with a count", [], ["hourly", "daily", "weekly"]],
    ["an hourly since 04:00", [snap(4.2, "hourly")], ["daily", "weekly"]],
    ["an hourly before 04:00", [snap(3.9, "hourly", "daily", "weekly")], ["hourly"]],
    ["all fresh", [snap(4, "hourly", "daily", "weekly")], []],
  ])("at 04:30: %s", (_, own, expected) => {
    expect(dueTypes(p, own, T0 + 4.5 * H)).toEqual(expected);
  });

  test("autosnap off: nothing is due", () => {
    expect(dueTypes({ ...p, autosnap: false }, [], T0)).toEqual([]);
  });

  test("overdue: due for longer than the grace", () => {
    const own = [snap(3.9, "hourly", "daily", "weekly")];
    expect(overdueTypes(p, own, T0 + 4 * H + 15 * 60_000, 15 * 60_000)).toEqual([]);
    expect(overdueTypes(p, own, T0 + 4 * H + 15 * 60_000 + 1, 15 * 60_000)).toEqual(["hourly"]);
  });
});

describe("planGuest", () => {
  test("every due type is served by one snapshot named after the longest", () => {
    const plan = planGuest(
      { name: "demo", policy: policy({ hourly: 2, daily: 7 }), snapshots: [] },
      Date.parse("2030-01-01T04:30:17.250Z"),
    );
    expect(plan).toEqual({
      name: "demo",
      due: ["hourly", "daily"],
      take: { name: "autosnap_2030-01-01_04-30-17_daily", types: ["hourly", "daily"] },
      prune: [],
      skipped: [],
    });
  });

  test("the new snapshot counts when pruning, and is never pruned itself", () => {
    const own = [snap(0, "hourly"), snap(1, "hourly")];
    const plan = planGuest(
      { name: "demo", policy: policy({ hourly: 1 }), snapshots: own },
      T0 + 2 * H,
    );
    expect(plan.take?.name).toBe("autosnap_2030-01-01_02-00-00_hourly");
    // 01:00 is exactly 1 × 1 h old: kept until the next run.
    expect(plan.prune).toEqual([own[0].name]);
  });

  test("blocked: what is due is skipped with the reason; pruning still frees space", () => {
    const own = [snap(0, "hourly"), snap(1, "hourly"), snap(2, "hourly")];
    const plan = planGuest(
      {
        name: "demo",
        policy: policy({ hourly: 2 }),
        snapshots: own,
        blocked: "pool deskfleet is 97% full (limit 95%)",
      },
      T0 + 3.5 * H,
    );
    expect(plan).toEqual({
      name: "demo",
      due: ["hourly"],
      prune: [own[0].name],
      skipped: ["hourly due, not taken: pool deskfleet is 97% full (limit 95%)"],
    });
  });

  test("planRun shares one timestamp between guests", () => {
    const run = planRun(
      [
        { name: "a", policy: policy({ hourly: 1 }), snapshots: [] },
        { name: "b", policy: policy({ daily: 1 }), snapshots: [] },
      ],
      Date.parse("2030-01-01T04:30:00Z"),
    );
    expect(run.timestamp).toBe("2030-01-01_04-30-00");
    expect(run.guests.map((g) => g.take?.name)).toEqual([
      "autosnap_2030-01-01_04-30-00_hourly",
      "autosnap_2030-01-01_04-30-00_daily",
    ]);
  });
});
