/**
 * Preferred times → the latest slot already passed, per snapshot type
 * (sanoid's due rule: a type is due when its newest snapshot is older than
 * this). All arithmetic is UTC on epoch milliseconds.
 */
import type { SnapshotPolicy, SnapshotType } from "./policy";
import { parseMonthly, parseTimeOfDay, parseWeekly, parseYearly } from "./policy";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The latest preferred time of `type` at or before `now` (ms since the epoch, UTC). */
export function latestSlot(
  type: SnapshotType,
  policy: Pick<SnapshotPolicy, "frequentPeriod" | "at">,
  now: number,
): number {
  const day = Math.floor(now / DAY) * DAY;
  switch (type) {
    case "frequently": {
      // Aligned to midnight, so that a period of 15 gives :00, :15, :30, :45.
      const period = policy.frequentPeriod * MINUTE;
      return day + Math.floor((now - day) / period) * period;
    }
    case "hourly": {
      const slot = Math.floor(now / HOUR) * HOUR + policy.at.hourly * MINUTE;
      return slot <= now ? slot : slot - HOUR;
    }
    case "daily": {
      const slot = day + parseTimeOfDay(policy.at.daily) * MINUTE;
      return slot <= now ? slot : slot - DAY;
    }
    case "weekly": {
      const { weekday, minutes } = parseWeekly(policy.at.weekly);
      const back = (new Date(day).getUTCDay() - weekday + 7) % 7;
      const slot = day - back * DAY + minutes * MINUTE;
      return slot <= now ? slot : slot - 7 * DAY;
    }
    case "monthly": {
      const { day: mday, minutes } = parseMonthly(policy.at.monthly);
      const d = new Date(now);
      const at = (year: number, month: number) =>
        Date.UTC(year, month, Math.min(mday, daysIn(year, month))) + minutes * MINUTE;
      const slot = at(d.getUTCFullYear(), d.getUTCMonth());
      if (slot <= now) return slot;
      const prev = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
      return at(prev.getUTCFullYear(), prev.getUTCMonth());
    }
    case "yearly": {
      const { month, day: mday, minutes } = parseYearly(policy.at.yearly);
      const at = (year: number) =>
        Date.UTC(year, month - 1, Math.min(mday, daysIn(year, month - 1))) + minutes * MINUTE;
      const year = new Date(now).getUTCFullYear();
      const slot = at(year);
      return slot <= now ? slot : at(year - 1);
    }
  }
}

/** Days in a month (0-based month), leap years included. */
function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}
