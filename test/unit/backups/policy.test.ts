/** Backup schedules: in the fleet file, and as the metadata pulumi up records for the runner. */
import { buildBackupXml, parseBackupXml } from "../../../backups/policy";
import type { IssueCase } from "../fleet/helpers";
import { expectIssues, parseOne, yaml } from "../fleet/helpers";

test("a backup schedule: the snapshot counts and times, and the store's directory", () => {
  const spec = parseOne(
    yaml(
      "backupSchedules:",
      "  nightly: { target: /srv/backup/deskfleet/, daily: 7, weekly: 4, monthly: 6, at: { daily: '02:30' } }",
      "guests:",
      "  mail: { memory: 1GiB, backupSchedule: nightly }",
    ),
  );
  expect(spec.backupSchedules).toHaveLength(1);
  expect(spec.backupSchedules[0]).toMatchObject({
    name: "nightly",
    target: "/srv/backup/deskfleet",
    daily: 7,
    weekly: 4,
    monthly: 6,
    hourly: 0,
  });
  expect(spec.backupSchedules[0].at.daily).toBe("02:30");
  expect(spec.guests[0].backupSchedule).toBe("nightly");
  // What the policy records, read back as the runner reads it.
  const { name, ...policy } = spec.backupSchedules[0];
  expect(parseBackupXml(buildBackupXml({ ...policy, schedule: name }))).toEqual({
    ...policy,
    schedule: name,
  });
});

const cases: IssueCase[] = [
  [
    "a relative target, and a snapshot-only field",
    ["backupSchedules:", "  nightly: { target: backups, daily: 7, memory: true }"],
    [
      [
        2,
        "backups",
        "backupSchedules.nightly.target",
        "invalid_path",
        "must be an absolute directory on the host",
      ],
      [
        2,
        "memory",
        "backupSchedules.nightly.memory",
        "unknown_key",
        'unknown key "memory"; known keys: "frequently", "hourly", "daily", "weekly", "monthly", "yearly", "frequent_period", "at", "autosnap", "autoprune", "target"',
      ],
    ],
  ],
  [
    "an unknown backup schedule",
    [
      "backupSchedules:",
      "  nightly: { target: /b }",
      "guests:",
      "  mail: { memory: 1GiB, backupSchedule: nigthly }",
    ],
    [
      [
        4,
        "nigthly",
        "guests.mail.backupSchedule",
        "unknown_reference",
        'unknown backup schedule "nigthly" (did you mean "nightly"?); known backup schedules: "nightly"',
      ],
    ],
  ],
];

test.each(cases)("%s", expectIssues);

test("malformed metadata is an error, never a guess", () => {
  expect(() => parseBackupXml("<schedule name='x'/>")).toThrow(
    /target=undefined is not a directory/,
  );
});
