/**
 * The snapshot schedule that `pulumi up` records in a domain's <metadata>,
 * and the outcome of the runner's last run: two elements in namespaces of
 * their own (xml/metadata.ts has deskfleet's others).
 * https://libvirt.org/formatdomain.html#general-metadata
 */
import type { RunStatus } from "./host";
import type { SnapshotPolicy } from "./policy";
import { normaliseTimes } from "./policy";
import type { XmlNode } from "../xml/xml";
import { attr, buildXml, child, parseXml } from "../xml/xml";

/** Written by `pulumi up` (deskfleet:libvirt:SnapshotSchedule). */
export const SCHEDULE_METADATA = {
  uri: "https://deskfleet.invalid/xmlns/snapshot-schedule/1",
  key: "deskfleet",
} as const;

/** Written by `deskfleet snapshots run`. */
export const RUN_METADATA = {
  uri: "https://deskfleet.invalid/xmlns/snapshot-run/1",
  key: "deskfleet-run",
} as const;

const COUNTS = ["frequently", "hourly", "daily", "weekly", "monthly", "yearly"] as const;

export function buildScheduleXml(p: SnapshotPolicy): string {
  const node: XmlNode = { "@_name": p.schedule };
  for (const c of COUNTS) node[`@_${c}`] = String(p[c]);
  node["@_frequent_period"] = String(p.frequentPeriod);
  node["@_autosnap"] = yesNo(p.autosnap);
  node["@_autoprune"] = yesNo(p.autoprune);
  node["@_max_pool_usage"] = String(p.maxPoolUsage);
  node["@_memory"] = yesNo(p.memory);
  node.at = {
    "@_hourly": String(p.at.hourly),
    "@_daily": p.at.daily,
    "@_weekly": p.at.weekly,
    "@_monthly": p.at.monthly,
    "@_yearly": p.at.yearly,
  };
  return buildXml("schedule", node);
}

/** Malformed metadata (edited by hand, or by a newer deskfleet) is an error, never a guess. */
export function parseScheduleXml(xml: string): SnapshotPolicy {
  const el = parseXml(xml, "schedule");
  const at = child(el, "at");
  const int = (node: XmlNode | undefined, name: string): number => {
    const v = Number(attr(node, name));
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(
        `snapshot schedule metadata: ${name}=${JSON.stringify(attr(node, name))} is not a count`,
      );
    }
    return v;
  };
  const counts = Object.fromEntries(COUNTS.map((c) => [c, int(el, c)])) as Record<
    (typeof COUNTS)[number],
    number
  >;
  return {
    schedule: attr(el, "name") ?? "",
    ...counts,
    frequentPeriod: int(el, "frequent_period"),
    at: normaliseTimes({
      hourly: int(at, "hourly"),
      daily: attr(at, "daily"),
      weekly: attr(at, "weekly"),
      monthly: attr(at, "monthly"),
      yearly: attr(at, "yearly"),
    }),
    autosnap: attr(el, "autosnap") !== "no",
    autoprune: attr(el, "autoprune") !== "no",
    maxPoolUsage: int(el, "max_pool_usage"),
    // Absent in schedules recorded before it existed: disks only.
    memory: attr(el, "memory") === "yes",
  };
}

export function buildRunXml(s: RunStatus): string {
  return buildXml("run", {
    "@_last": s.lastRun,
    "@_outcome": s.outcome,
    ...(s.newest !== undefined ? { "@_newest": s.newest } : {}),
    ...(s.taken !== undefined ? { "@_taken": s.taken } : {}),
    "@_pruned": String(s.pruned),
    ...(s.skipped !== undefined ? { "@_skipped": s.skipped } : {}),
    ...(s.error !== undefined ? { "@_error": s.error } : {}),
  });
}

export function parseRunXml(xml: string): RunStatus {
  const el = parseXml(xml, "run");
  const outcome = attr(el, "outcome");
  const optional = (name: string) => {
    const v = attr(el, name);
    return v !== undefined ? { [name]: v } : {};
  };
  return {
    lastRun: attr(el, "last") ?? "",
    outcome: outcome === "ok" || outcome === "skipped" ? outcome : "error",
    ...optional("newest"),
    ...optional("taken"),
    pruned: Number(attr(el, "pruned") ?? "0"),
    ...optional("skipped"),
    ...optional("error"),
  };
}

function yesNo(b: boolean): string {
  return b ? "yes" : "no";
}
