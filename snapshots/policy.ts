/**
 * A snapshot schedule (sanoid's vocabulary: counts per type, a frequent
 * period, preferred times, autosnap/autoprune), as the fleet file declares
 * it, the provider records it in domain metadata and the runner reads it.
 * Every time is UTC (sanoid#155: local times make duplicates at a DST change).
 * Semantics: shared/reference/snapshots.md; snapshots/README.md.
 */

/** Snapshot types, shortest period first (the order of every list here). */
export const SNAPSHOT_TYPES = [
  "frequently",
  "hourly",
  "daily",
  "weekly",
  "monthly",
  "yearly",
] as const;
export type SnapshotType = (typeof SNAPSHOT_TYPES)[number];

export function isSnapshotType(s: string): s is SnapshotType {
  return (SNAPSHOT_TYPES as readonly string[]).includes(s);
}

/** Preferred times, normalised (every field present, times "HH:MM" UTC). */
export interface PreferredTimes {
  /** Minute past each hour, 0–59 (sanoid `hourly_min`). */
  hourly: number;
  /** "HH:MM". */
  daily: string;
  /** "ddd HH:MM", ddd one of mon…sun. */
  weekly: string;
  /** "D HH:MM": day of month 1–31 (past a short month's end: its last day). */
  monthly: string;
  /** "MM-DD HH:MM" (02-29 in a common year: 02-28). */
  yearly: string;
}

export interface SnapshotPolicy {
  /** The schedule's name in the fleet file; informational only. */
  schedule: string;
  /** How many snapshots of each type to keep; 0 takes none and prunes the existing ones. */
  frequently: number;
  hourly: number;
  daily: number;
  weekly: number;
  monthly: number;
  yearly: number;
  /** Minutes between `frequently` snapshots (sanoid `frequent_period`), slots aligned to 00:00 UTC. */
  frequentPeriod: number;
  at: PreferredTimes;
  /** Take snapshots when due (false: a prune-only policy). */
  autosnap: boolean;
  /** Delete snapshots that the counts no longer keep. */
  autoprune: boolean;
  /** Take no snapshot while a pool holding one of the guest's disks is fuller than this (percent). */
  maxPoolUsage: number;
  /**
   * A running guest's memory too. Off by default where the host takes external snapshots:
   * disks only, no pause for RAM (snapshots/mode.ts). Internal snapshots of a running guest
   * always hold its memory.
   */
  memory: boolean;
}

/** sanoid's defaults (sanoid.defaults.conf), in UTC. */
export const DEFAULT_TIMES: PreferredTimes = {
  hourly: 0,
  daily: "23:59",
  weekly: "mon 23:30",
  monthly: "1 00:00",
  yearly: "01-01 00:00",
};

export const DEFAULT_POLICY: Omit<SnapshotPolicy, "schedule"> = {
  frequently: 0,
  hourly: 0,
  daily: 0,
  weekly: 0,
  monthly: 0,
  yearly: 0,
  frequentPeriod: 15,
  at: DEFAULT_TIMES,
  autosnap: true,
  autoprune: true,
  maxPoolUsage: 95,
  memory: false,
};

export const MAX_COUNT = 10_000;
export const MAX_FREQUENT_PERIOD = 1440;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Prune periods: a month is 31 days and a year 365.25 days, as sanoid counts them. */
export function periodMs(
  type: SnapshotType,
  policy: Pick<SnapshotPolicy, "frequentPeriod">,
): number {
  switch (type) {
    case "frequently":
      return policy.frequentPeriod * MINUTE;
    case "hourly":
      return HOUR;
    case "daily":
      return DAY;
    case "weekly":
      return 7 * DAY;
    case "monthly":
      return 31 * DAY;
    case "yearly":
      return 365.25 * DAY;
  }
}

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/** A malformed preferred time; `message` says what was expected. */
export class TimeFormatError extends Error {}

/** "HH:MM" → minutes after midnight. */
export function parseTimeOfDay(text: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) {
    throw new TimeFormatError(
      `expected a time like "03:00" (24-hour, UTC), got ${JSON.stringify(text)}`,
    );
  }
  return Number(m[1]) * 60 + Number(m[2]);
}

export function formatTimeOfDay(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** "mon 03:00" (or "mon": 00:00) → weekday (0 = sunday) and minutes. */
export function parseWeekly(text: string): { weekday: number; minutes: number } {
  const m = /^([a-z]{3})(?:\s+(\S+))?$/i.exec(text.trim());
  const weekday = m ? WEEKDAYS.indexOf(m[1].toLowerCase() as (typeof WEEKDAYS)[number]) : -1;
  if (!m || weekday < 0) {
    throw new TimeFormatError(
      `expected a weekday and time like "mon 03:00", got ${JSON.stringify(text)}`,
    );
  }
  return { weekday, minutes: m[2] !== undefined ? parseTimeOfDay(m[2]) : 0 };
}

/** 15, "15" or "15 03:00" → day of month and minutes. */
export function parseMonthly(value: number | string): { day: number; minutes: number } {
  const m = /^(\d{1,2})(?:\s+(\S+))?$/.exec(String(value).trim());
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 31) {
    throw new TimeFormatError(
      `expected a day of the month (1-31), optionally with a time like "1 03:00", got ${JSON.stringify(value)}`,
    );
  }
  return { day: Number(m[1]), minutes: m[2] !== undefined ? parseTimeOfDay(m[2]) : 0 };
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** "MM-DD" or "MM-DD HH:MM" → month (1–12), day and minutes. */
export function parseYearly(text: string): { month: number; day: number; minutes: number } {
  const m = /^(\d{2})-(\d{2})(?:\s+(\S+))?$/.exec(text.trim());
  const month = m ? Number(m[1]) : 0;
  const day = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]) {
    throw new TimeFormatError(
      `expected a date like "01-01", optionally with a time like "01-01 03:00", got ${JSON.stringify(text)}`,
    );
  }
  return { month, day, minutes: m[3] !== undefined ? parseTimeOfDay(m[3]) : 0 };
}

/** The preferred times in their normal form, or a TimeFormatError naming the bad one. */
export function normaliseTimes(
  at: Partial<Record<keyof PreferredTimes, number | string>>,
): PreferredTimes {
  const hourly = at.hourly ?? DEFAULT_TIMES.hourly;
  if (typeof hourly !== "number" || !Number.isInteger(hourly) || hourly < 0 || hourly > 59) {
    throw new TimeFormatError(
      `hourly: expected a minute past the hour (0-59), got ${JSON.stringify(hourly)}`,
    );
  }
  const weekly = parseWeekly(String(at.weekly ?? DEFAULT_TIMES.weekly));
  const monthly = parseMonthly(at.monthly ?? DEFAULT_TIMES.monthly);
  const yearly = parseYearly(String(at.yearly ?? DEFAULT_TIMES.yearly));
  return {
    hourly,
    daily: formatTimeOfDay(parseTimeOfDay(String(at.daily ?? DEFAULT_TIMES.daily))),
    weekly: `${WEEKDAYS[weekly.weekday]} ${formatTimeOfDay(weekly.minutes)}`,
    monthly: `${monthly.day} ${formatTimeOfDay(monthly.minutes)}`,
    yearly: `${pad(yearly.month)}-${pad(yearly.day)} ${formatTimeOfDay(yearly.minutes)}`,
  };
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
