/**
 * `snapshotSchedules:` — snapshot policies in sanoid's vocabulary, declared
 * once and named by guests (`snapshotSchedule: <name>`). The policy's meaning is
 * snapshots/policy.ts; its format is stacks/FORMAT.md ("Snapshots"). The
 * guest keys are in schema.ts.
 */
import { z } from "zod";
import type { FleetIssueCode } from "./errors";
import type { BackupScheduleSpec, SnapshotScheduleSpec } from "./spec";
import type { Entry } from "./validate";
import {
  DEFAULT_POLICY,
  MAX_COUNT,
  MAX_FREQUENT_PERIOD,
  TimeFormatError,
  normaliseTimes,
  parseMonthly,
  parseTimeOfDay,
  parseWeekly,
  parseYearly,
} from "../snapshots/policy";

function fail(ctx: z.RefinementCtx, code: FleetIssueCode, message: string): never {
  ctx.addIssue({ code: "custom", message, params: { code } });
  return z.NEVER;
}

/** A preferred time checked with one of the snapshots/policy.ts parsers. */
function time<T extends string | number>(
  parse: (value: T) => unknown,
  kinds: ("string" | "number")[],
) {
  return z.unknown().transform((value, ctx): T => {
    if (!kinds.includes(typeof value as "string" | "number")) {
      const wanted = kinds.map((k) => (k === "string" ? "a string" : "a number")).join(" or ");
      return fail(ctx, "invalid_time", `expected ${wanted}, got ${JSON.stringify(value)}`);
    }
    try {
      parse(value as T);
      return value as T;
    } catch (err) {
      if (err instanceof TimeFormatError) return fail(ctx, "invalid_time", err.message);
      throw err;
    }
  });
}

const count = z.number().int().min(0).max(MAX_COUNT).optional();

export const scheduleSchema = z.strictObject({
  frequently: count,
  hourly: count,
  daily: count,
  weekly: count,
  monthly: count,
  yearly: count,
  /** sanoid's spelling. */
  frequent_period: z.number().int().min(1).max(MAX_FREQUENT_PERIOD).optional(),
  at: z
    .strictObject({
      hourly: z.number().int().min(0).max(59).optional(),
      daily: time<string>(parseTimeOfDay, ["string"]).optional(),
      weekly: time<string>(parseWeekly, ["string"]).optional(),
      monthly: time<string | number>(parseMonthly, ["string", "number"]).optional(),
      yearly: time<string>(parseYearly, ["string"]).optional(),
    })
    .optional(),
  autosnap: z.boolean().optional(),
  autoprune: z.boolean().optional(),
  maxPoolUsage: z.number().int().min(1).max(100).optional(),
  memory: z.boolean().optional(),
});
export type ScheduleFields = z.output<typeof scheduleSchema>;

/**
 * `backupSchedules:` — the same counts and times, for backups, and where they
 * go: an absolute directory on the host that runs `deskfleet backup run` (its
 * timer). Snapshot-only fields (memory, maxPoolUsage) do not apply.
 */
export const backupScheduleSchema = scheduleSchema
  .omit({ memory: true, maxPoolUsage: true })
  .extend({
    target: z.string().transform((path, ctx): string => {
      if (!path.startsWith("/")) {
        return fail(ctx, "invalid_path", "must be an absolute directory on the host");
      }
      return path.length > 1 ? path.replace(/\/+$/, "") : path;
    }),
  });
export type BackupScheduleFields = z.output<typeof backupScheduleSchema>;

export function resolveBackupSchedules(
  entries: Entry<BackupScheduleFields>[],
): BackupScheduleSpec[] {
  return entries.flatMap(({ name, fields }) => {
    if (!fields) return [];
    const { memory: _m, maxPoolUsage: _p, ...policy } = scheduleSpec(name, fields);
    return [{ ...policy, target: fields.target }];
  });
}

export function resolveSchedules(entries: Entry<ScheduleFields>[]): SnapshotScheduleSpec[] {
  return entries.flatMap(({ name, fields }) => (fields ? [scheduleSpec(name, fields)] : []));
}

function scheduleSpec(name: string, f: ScheduleFields): SnapshotScheduleSpec {
  const d = DEFAULT_POLICY;
  return {
    name,
    frequently: f.frequently ?? d.frequently,
    hourly: f.hourly ?? d.hourly,
    daily: f.daily ?? d.daily,
    weekly: f.weekly ?? d.weekly,
    monthly: f.monthly ?? d.monthly,
    yearly: f.yearly ?? d.yearly,
    frequentPeriod: f.frequent_period ?? d.frequentPeriod,
    at: normaliseTimes(f.at ?? {}),
    autosnap: f.autosnap ?? d.autosnap,
    autoprune: f.autoprune ?? d.autoprune,
    maxPoolUsage: f.maxPoolUsage ?? d.maxPoolUsage,
    memory: f.memory ?? d.memory,
  };
}
