/** Preferred times → the latest slot at or before now, per type (UTC). */
import type { SnapshotType } from "../../../snapshots/policy";
import {
  DEFAULT_TIMES,
  TimeFormatError,
  normaliseTimes,
  parseMonthly,
  parseTimeOfDay,
  parseWeekly,
  parseYearly,
  periodMs,
} from "../../../snapshots/policy";
import { latestSlot } from "../../../snapshots/slots";
import { policy } from "./fakeHost";

const iso = (ms: number) => new Date(ms).toISOString();
const at = (t: Partial<typeof DEFAULT_TIMES>) =>
  policy({ at: { ...DEFAULT_TIMES, ...t }, frequentPeriod: 15 });

describe("latestSlot", () => {
  test.each<[SnapshotType, Partial<typeof DEFAULT_TIMES>, string, string]>([
    // frequently: multiples of 15 minutes after 00:00 UTC
    ["frequently", {}, "2030-01-01T04:31:00Z", "2030-01-01T04:30:00.000Z"],
    ["frequently", {}, "2030-01-01T04:30:00Z", "2030-01-01T04:30:00.000Z"],
    ["frequently", {}, "2030-01-01T04:29:59.999Z", "2030-01-01T04:15:00.000Z"],
    // hourly at :00 (default) and at :20
    ["hourly", {}, "2030-01-01T04:30:00Z", "2030-01-01T04:00:00.000Z"],
    ["hourly", {}, "2030-01-01T00:00:00Z", "2030-01-01T00:00:00.000Z"],
    ["hourly", { hourly: 20 }, "2030-01-01T04:19:00Z", "2030-01-01T03:20:00.000Z"],
    ["hourly", { hourly: 20 }, "2030-01-01T04:20:00Z", "2030-01-01T04:20:00.000Z"],
    // daily at 23:59 (default): before it, yesterday's
    ["daily", {}, "2030-01-01T04:30:00Z", "2029-12-31T23:59:00.000Z"],
    ["daily", {}, "2030-01-01T23:59:00Z", "2030-01-01T23:59:00.000Z"],
    ["daily", { daily: "03:00" }, "2030-01-01T04:30:00Z", "2030-01-01T03:00:00.000Z"],
    // weekly: 2030-01-01 is a Tuesday; default mon 23:30
    ["weekly", {}, "2030-01-01T04:30:00Z", "2029-12-31T23:30:00.000Z"],
    ["weekly", {}, "2029-12-31T23:29:00Z", "2029-12-24T23:30:00.000Z"],
    ["weekly", { weekly: "tue 05:00" }, "2030-01-01T04:30:00Z", "2029-12-25T05:00:00.000Z"],
    ["weekly", { weekly: "sun 00:00" }, "2030-01-06T00:00:00Z", "2030-01-06T00:00:00.000Z"],
    // monthly: the 31st is the last day of a short month
    ["monthly", {}, "2030-01-01T04:30:00Z", "2030-01-01T00:00:00.000Z"],
    ["monthly", { monthly: "31 12:00" }, "2030-03-01T00:00:00Z", "2030-02-28T12:00:00.000Z"],
    ["monthly", { monthly: "31 12:00" }, "2030-03-31T12:00:00Z", "2030-03-31T12:00:00.000Z"],
    ["monthly", { monthly: "15 00:00" }, "2030-01-10T00:00:00Z", "2029-12-15T00:00:00.000Z"],
    // yearly, with 02-29 in common and leap years
    ["yearly", {}, "2030-06-01T00:00:00Z", "2030-01-01T00:00:00.000Z"],
    ["yearly", { yearly: "07-01 00:00" }, "2030-06-01T00:00:00Z", "2029-07-01T00:00:00.000Z"],
    ["yearly", { yearly: "02-29 00:00" }, "2030-03-01T00:00:00Z", "2030-02-28T00:00:00.000Z"],
    ["yearly", { yearly: "02-29 00:00" }, "2032-03-01T00:00:00Z", "2032-02-29T00:00:00.000Z"],
  ])("%s %j at %s → %s", (type, times, now, slot) => {
    expect(iso(latestSlot(type, at(times), Date.parse(now)))).toBe(slot);
  });

  test("a slot is never after now and never more than one period before it", () => {
    const p = at({ hourly: 7, daily: "05:05", weekly: "fri 13:13", monthly: "30 01:00" });
    for (
      let t = Date.parse("2030-01-01T00:00:00Z");
      t < Date.parse("2030-04-01T00:00:00Z");
      t += 47 * 60_000
    ) {
      for (const type of ["frequently", "hourly", "daily", "weekly"] as const) {
        const slot = latestSlot(type, p, t);
        expect(slot).toBeLessThanOrEqual(t);
        expect(t - slot).toBeLessThan(periodMs(type, p));
      }
      expect(t - latestSlot("monthly", p, t)).toBeLessThan(periodMs("monthly", p));
    }
  });
});

describe("preferred time formats", () => {
  test.each([
    ["00:00", 0],
    ["3:05", 185],
    ["23:59", 1439],
  ])("time %s", (text, minutes) => expect(parseTimeOfDay(text)).toBe(minutes));

  test.each(["24:00", "12:60", "noon", "12", ""])("bad time %j", (text) => {
    expect(() => parseTimeOfDay(text)).toThrow(TimeFormatError);
  });

  test("weekly, monthly and yearly", () => {
    expect(parseWeekly("Sun 01:02")).toEqual({ weekday: 0, minutes: 62 });
    expect(parseWeekly("sat")).toEqual({ weekday: 6, minutes: 0 });
    expect(() => parseWeekly("monday 03:00")).toThrow(
      'expected a weekday and time like "mon 03:00"',
    );
    expect(parseMonthly(15)).toEqual({ day: 15, minutes: 0 });
    expect(parseMonthly("31 23:00")).toEqual({ day: 31, minutes: 1380 });
    expect(() => parseMonthly(0)).toThrow("expected a day of the month (1-31)");
    expect(() => parseMonthly("32")).toThrow(TimeFormatError);
    expect(parseYearly("02-29")).toEqual({ month: 2, day: 29, minutes: 0 });
    expect(() => parseYearly("02-30")).toThrow('expected a date like "01-01"');
    expect(() => parseYearly("13-01")).toThrow(TimeFormatError);
  });

  test("normaliseTimes fills sanoid's defaults and writes every time in full", () => {
    expect(normaliseTimes({})).toEqual({
      hourly: 0,
      daily: "23:59",
      weekly: "mon 23:30",
      monthly: "1 00:00",
      yearly: "01-01 00:00",
    });
    expect(
      normaliseTimes({ hourly: 15, daily: "3:00", weekly: "SUN", monthly: 31, yearly: "12-24" }),
    ).toEqual({
      hourly: 15,
      daily: "03:00",
      weekly: "sun 00:00",
      monthly: "31 00:00",
      yearly: "12-24 00:00",
    });
    expect(() => normaliseTimes({ hourly: 60 })).toThrow(
      "hourly: expected a minute past the hour (0-59), got 60",
    );
  });

  test("prune periods: a month is 31 days, a year 365.25 days", () => {
    const p = policy({ frequentPeriod: 10 });
    const day = 86_400_000;
    expect(periodMs("frequently", p)).toBe(600_000);
    expect(periodMs("hourly", p)).toBe(3_600_000);
    expect(periodMs("daily", p)).toBe(day);
    expect(periodMs("weekly", p)).toBe(7 * day);
    expect(periodMs("monthly", p)).toBe(31 * day);
    expect(periodMs("yearly", p)).toBe(365.25 * day);
  });
});
