/** Run reports and status as text for a person (the CLI's default; --json gives the objects). */
import type { RunReport } from "./run";
import type { StatusReport } from "./status";
import { SNAPSHOT_TYPES } from "./policy";

export function formatRun(report: RunReport, uri: string): string {
  const lines = [
    `${report.dryRun ? "dry run (nothing changed)" : "snapshot run"} at ${report.now} on ${uri}`,
  ];
  if (report.guests.length === 0) lines.push("  no guest has a snapshot schedule");
  for (const g of report.guests) {
    const label = g.schedule ? `${g.name} [${g.schedule}]` : g.name;
    const did = [
      ...g.taken.map(
        (t) =>
          `${report.dryRun ? "would take" : "took"} ${t} (${g.due.join(", ")})` +
          (g.takenAs ? `, ${g.takenAs}` : ""),
      ),
      ...(g.pruned.length > 0
        ? [`${report.dryRun ? "would prune" : "pruned"} ${g.pruned.join(", ")}`]
        : []),
      ...g.skipped.map((s) => `skipped: ${s}`),
      ...g.errors.map((e) => `ERROR: ${e}`),
    ];
    lines.push(`  ${label}: ${did.length > 0 ? did.join("; ") : "nothing due"}`);
    if (g.takes && g.taken.length === 0) lines.push(`    takes: ${g.takes}`);
  }
  return lines.join("\n") + "\n";
}

export function formatStatus(report: StatusReport, uri: string): string {
  const lines = [`snapshots on ${uri} at ${report.now}`];
  if (report.guests.length === 0) lines.push("  no guest has a schedule or scheduled snapshots");
  for (const g of report.guests) {
    const run = g.lastRun
      ? `last run ${g.lastRun.lastRun}: ${g.lastRun.outcome}${g.lastRun.error ? ` (${g.lastRun.error})` : ""}`
      : "never run";
    lines.push(`  ${g.name} [${g.schedule ?? "no schedule: snapshots kept as they are"}] ${run}`);
    if (g.policyError) lines.push(`    ERROR: its schedule cannot be read: ${g.policyError}`);
    if (g.blocked) lines.push(`    cannot snapshot now: ${g.blocked}`);
    if (g.takes) lines.push(`    takes: ${g.takes}`);
    for (const type of SNAPSHOT_TYPES) {
      const kept = g.retained[type];
      if (kept === undefined) continue;
      const wanted = g.policy ? `/${g.policy[type]}` : "";
      const newest = g.newest[type] ? `newest ${g.newest[type].name}` : "none yet";
      const flags = g.overdue.includes(type) ? "  OVERDUE" : g.due.includes(type) ? "  due" : "";
      lines.push(`    ${type.padEnd(10)} ${`${kept.length}${wanted}`.padEnd(7)} ${newest}${flags}`);
    }
    if (g.prunable.length > 0) lines.push(`    next run prunes: ${g.prunable.join(", ")}`);
    if (g.unowned.length > 0)
      lines.push(`    not deskfleet's, never touched: ${g.unowned.join(", ")}`);
  }
  return lines.join("\n") + "\n";
}
