/** `snapshotSchedules:` and the guest keys `snapshotSchedule`, `baseline`, `revertGeneration`. */
import { parseFleet } from "../../../fleet/load";
import type { IssueCase } from "./helpers";
import { GiB, OPTIONS, expectIssues, parseOne, yaml } from "./helpers";

const GUEST = "  demo: { memory: 1GiB, snapshotSchedule: workstation, baseline: post-install }";

test("a schedule gets sanoid's defaults; guests name it and declare a baseline", () => {
  const spec = parseOne(
    yaml(
      "snapshotSchedules:",
      "  workstation: { hourly: 24, daily: 7 }",
      "guests:",
      GUEST,
      "  other: { memory: 1GiB }",
    ),
  );
  expect(spec.snapshotSchedules).toEqual([
    {
      name: "workstation",
      frequently: 0,
      hourly: 24,
      daily: 7,
      weekly: 0,
      monthly: 0,
      yearly: 0,
      frequentPeriod: 15,
      at: {
        hourly: 0,
        daily: "23:59",
        weekly: "mon 23:30",
        monthly: "1 00:00",
        yearly: "01-01 00:00",
      },
      autosnap: true,
      autoprune: true,
      maxPoolUsage: 95,
      memory: false,
    },
  ]);
  expect(spec.guests[0]).toMatchObject({
    snapshotSchedule: "workstation",
    baseline: "post-install",
    revertGeneration: 0,
  });
  // Nothing declared, nothing added.
  expect(Object.keys(spec.guests[1])).not.toContain("snapshotSchedule");
  expect(Object.keys(spec.guests[1])).not.toContain("revertGeneration");
});

test("every key, with preferred times in each accepted form", () => {
  const spec = parseOne(
    yaml(
      "snapshotSchedules:",
      "  all:",
      "    frequently: 4",
      "    frequent_period: 10",
      "    hourly: 48",
      "    daily: 14",
      "    weekly: 8",
      "    monthly: 6",
      "    yearly: 2",
      '    at: { hourly: 5, daily: "3:00", weekly: "Sun 04:30", monthly: 31, yearly: "12-24 18:00" }',
      "    autosnap: false",
      "    autoprune: false",
      "    maxPoolUsage: 80",
      "    memory: true",
    ),
  );
  expect(spec.snapshotSchedules[0]).toEqual({
    name: "all",
    frequently: 4,
    frequentPeriod: 10,
    hourly: 48,
    daily: 14,
    weekly: 8,
    monthly: 6,
    yearly: 2,
    at: {
      hourly: 5,
      daily: "03:00",
      weekly: "sun 04:30",
      monthly: "31 00:00",
      yearly: "12-24 18:00",
    },
    autosnap: false,
    autoprune: false,
    maxPoolUsage: 80,
    memory: true,
  });
});

test("an override file changes one count and bumps the revert generation", () => {
  const base = yaml(
    "snapshotSchedules:",
    "  workstation: { hourly: 24, daily: 7, at: { daily: '03:00' } }",
    "guests:",
    GUEST,
  );
  const laptop = yaml(
    "snapshotSchedules:",
    "  workstation: { hourly: 6 }",
    "guests:",
    "  demo: { revertGeneration: 2 }",
  );
  const spec = parseFleet(
    [
      { file: "stacks/fleet.yaml", text: base },
      { file: "stacks/laptop.yaml", text: laptop },
    ],
    OPTIONS,
  );
  expect(spec.snapshotSchedules[0]).toMatchObject({ hourly: 6, daily: 7, at: { daily: "03:00" } });
  expect(spec.guests[0]).toMatchObject({
    memory: GiB,
    baseline: "post-install",
    revertGeneration: 2,
  });
});

const cases: IssueCase[] = [
  [
    "an unknown schedule, with a suggestion",
    [
      "snapshotSchedules:",
      "  workstation: { hourly: 1 }",
      "guests:",
      "  demo: { memory: 1GiB, snapshotSchedule: workstaton }",
    ],
    [
      [
        4,
        "workstaton",
        "guests.demo.snapshotSchedule",
        "unknown_reference",
        'unknown snapshot schedule "workstaton" (did you mean "workstation"?); known snapshot schedules: "workstation"',
      ],
    ],
  ],
  [
    "a schedule when the fleet declares none",
    ["guests:", "  demo: { memory: 1GiB, snapshotSchedule: daily }"],
    [
      [
        2,
        "daily",
        "guests.demo.snapshotSchedule",
        "unknown_reference",
        'unknown snapshot schedule "daily"; the fleet declares no snapshot schedules',
      ],
    ],
  ],
  [
    "malformed preferred times",
    [
      "snapshotSchedules:",
      "  s:",
      '    at: { hourly: 60, daily: "25:00", weekly: "monday 03:00", monthly: "0", yearly: 1 }',
    ],
    [
      [3, "60", "snapshotSchedules.s.at.hourly", "too_big", "must be at most 59"],
      [
        3,
        '"25:00"',
        "snapshotSchedules.s.at.daily",
        "invalid_time",
        'expected a time like "03:00" (24-hour, UTC), got "25:00"',
      ],
      [
        3,
        '"monday',
        "snapshotSchedules.s.at.weekly",
        "invalid_time",
        'expected a weekday and time like "mon 03:00", got "monday 03:00"',
      ],
      [
        3,
        '"0"',
        "snapshotSchedules.s.at.monthly",
        "invalid_time",
        'expected a day of the month (1-31), optionally with a time like "1 03:00", got "0"',
      ],
      [3, "1 }", "snapshotSchedules.s.at.yearly", "invalid_time", "expected a string, got 1"],
    ],
  ],
  [
    "counts, period and pool limit out of range; sanoid's other spellings",
    [
      "snapshotSchedules:",
      "  s: { hourly: -1, daily: 1.5, frequent_period: 0, maxPoolUsage: 101 }",
      "  t: { at: { hourly_min: 5 } }",
    ],
    [
      [2, "-1", "snapshotSchedules.s.hourly", "too_small", "must be at least 0"],
      [2, "1.5", "snapshotSchedules.s.daily", "invalid_type", "expected a whole number, got 1.5"],
      [2, "0,", "snapshotSchedules.s.frequent_period", "too_small", "must be at least 1"],
      [2, "101", "snapshotSchedules.s.maxPoolUsage", "too_big", "must be at most 100"],
      [
        3,
        "hourly_min",
        "snapshotSchedules.t.at.hourly_min",
        "unknown_key",
        'unknown key "hourly_min"; known keys: "hourly", "daily", "weekly", "monthly", "yearly"',
      ],
    ],
  ],
  [
    "baseline names: libvirt-safe, and not a scheduled snapshot's",
    [
      "guests:",
      "  a: { memory: 1GiB, baseline: autosnap_mine }",
      '  b: { memory: 1GiB, baseline: "post install" }',
    ],
    [
      [
        2,
        "autosnap_mine",
        "guests.a.baseline",
        "invalid_name",
        'snapshot names starting with "autosnap_" belong to scheduled snapshots; choose another, e.g. "post-install"',
      ],
      [
        3,
        '"post install"',
        "guests.b.baseline",
        "invalid_name",
        'invalid snapshot name "post install": use 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit',
      ],
    ],
  ],
  [
    "a revert generation without a baseline",
    ["guests:", "  demo: { memory: 1GiB, revertGeneration: 2 }"],
    [
      [
        2,
        "{",
        "guests.demo",
        "missing_key",
        'missing required key "baseline" (revertGeneration reverts to the baseline)',
      ],
    ],
  ],
  [
    "a schedule name libvirt metadata could not carry",
    ["snapshotSchedules:", "  'my schedule': { hourly: 1 }"],
    [
      [
        2,
        "'my",
        'snapshotSchedules["my schedule"]',
        "invalid_name",
        'invalid name "my schedule": use 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit',
      ],
    ],
  ],
];

test.each(cases)("%s", expectIssues);
