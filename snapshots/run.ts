/**
 * One snapshot run over a host: plan (plan.ts), then per guest take the one
 * due snapshot, prune only if that succeeded, and record the outcome on the
 * guest. A failure on one guest never stops the others.
 */
import type { GuestOnHost, RunStatus, SnapshotHost } from "./host";
import type { OwnSnapshot } from "./names";
import { autosnapDescription, ownSnapshot, parseAutosnapName } from "./names";
import type { GuestPlan } from "./plan";
import { byAge, planRun } from "./plan";
import type { SnapshotType } from "./policy";

export interface RunOptions {
  /** The run's clock (ms since the epoch). */
  now: number;
  /** Plan and report only: nothing is taken, pruned or recorded. */
  dryRun?: boolean;
  /** Only these guests (exact names); default every scheduled guest. */
  guests?: readonly string[];
}

export interface GuestReport {
  name: string;
  schedule: string;
  due: SnapshotType[];
  /** Taken (or, in a dry run, to be taken). */
  taken: string[];
  /** How it was taken: its kind, what it leaves out (snapshots/mode.ts). */
  takenAs?: string;
  /** How this guest's snapshots are taken, and why that kind (also in a dry run). */
  takes?: string;
  /** Pruned (or, in a dry run, to be pruned), oldest first. */
  pruned: string[];
  skipped: string[];
  errors: string[];
}

export interface RunReport {
  now: string;
  timestamp: string;
  dryRun: boolean;
  guests: GuestReport[];
}

const EMPTY_REPORT = { schedule: "", due: [], taken: [], pruned: [], skipped: [], errors: [] };

/** Our snapshots among those listed (names and descriptions). */
export function ownSnapshots(guest: GuestOnHost): OwnSnapshot[] {
  return guest.snapshots
    .map((s) => ownSnapshot(s.name, s.description))
    .filter((s): s is OwnSnapshot => s !== undefined);
}

export async function runSnapshots(host: SnapshotHost, options: RunOptions): Promise<RunReport> {
  const listed = await host.guests(options.guests);
  const unreadable: GuestReport[] = listed.flatMap((g) =>
    g.policyError === undefined
      ? []
      : [{ ...EMPTY_REPORT, name: g.name, errors: [`read its schedule: ${g.policyError}`] }],
  );
  const found = listed.filter(
    (g): g is GuestOnHost & Required<Pick<GuestOnHost, "policy">> => g.policy !== undefined,
  );
  const plan = planRun(
    found.map((g) => ({
      name: g.name,
      policy: g.policy,
      snapshots: ownSnapshots(g),
      ...(g.blocked !== undefined ? { blocked: g.blocked } : {}),
    })),
    options.now,
  );
  const reports: GuestReport[] = [...unreadable];
  for (const [i, guestPlan] of plan.guests.entries()) {
    const guest = found[i];
    const report = options.dryRun
      ? dryReport(guest, guestPlan)
      : await execute(host, guest, guestPlan, plan.now);
    reports.push(report);
  }
  return {
    now: plan.now,
    timestamp: plan.timestamp,
    dryRun: options.dryRun ?? false,
    guests: reports,
  };
}

function dryReport(
  guest: GuestOnHost & { policy: { schedule: string } },
  plan: GuestPlan,
): GuestReport {
  return {
    name: plan.name,
    schedule: guest.policy.schedule,
    due: plan.due,
    taken: plan.take ? [plan.take.name] : [],
    pruned: plan.prune,
    skipped: plan.skipped,
    errors: [],
    ...(guest.takes !== undefined ? { takes: guest.takes } : {}),
  };
}

async function execute(
  host: SnapshotHost,
  guest: GuestOnHost & { policy: { schedule: string; memory: boolean } },
  plan: GuestPlan,
  now: string,
): Promise<GuestReport> {
  const report: GuestReport = { ...dryReport(guest, plan), taken: [], pruned: [] };
  const fail = (what: string, err: unknown) => report.errors.push(`${what}: ${errorText(err)}`);
  let tookOrNothingDue = true;
  if (plan.take) {
    try {
      report.takenAs = await host.createSnapshot(
        plan.name,
        plan.take.name,
        autosnapDescription(plan.take.types),
        guest.policy.memory,
      );
      report.taken.push(plan.take.name);
    } catch (err) {
      tookOrNothingDue = false;
      fail(`take ${plan.take.name}`, err);
    }
  }
  if (!tookOrNothingDue && plan.prune.length > 0) {
    // cv4pve-autosnap's rule: old snapshots go only once the new one exists.
    report.skipped.push(`prune of ${plan.prune.length} skipped: the new snapshot failed`);
  } else {
    // Newest first: an external snapshot can be deleted once those after it on its branch are
    // (libvirt refuses a non-leaf off the active chain), so one run clears a whole old branch.
    for (const name of [...plan.prune].reverse()) {
      try {
        await host.deleteSnapshot(plan.name, name);
        report.pruned.unshift(name);
      } catch (err) {
        if (refusedForItsName(name, err)) {
          report.skipped.push(
            `prune of ${name} waits until ${plan.name} is shut off: ${LEGACY_WAIT}`,
          );
        } else if (refusedForItsPlace(err)) {
          report.skipped.push(
            `prune of ${name} waits until the snapshots after it are pruned: ${errorText(err)}`,
          );
        } else {
          fail(`prune ${name}`, err);
        }
      }
    }
  }
  try {
    await host.recordStatus(plan.name, statusOf(guest, report, now));
  } catch (err) {
    fail("record the outcome", err);
  }
  return report;
}

/**
 * Why an old snapshot with ':' in its name is kept for now: libvirt ≥ 10 deletes a running
 * guest's internal snapshot through a QEMU job named after it, and QEMU refuses ':' in job IDs.
 * Shut off, the same delete works (qemu-img), so the next run after the guest stops prunes it.
 */
const LEGACY_WAIT = "QEMU refuses its ':' while the guest runs (libvirt 10 and later)";

/**
 * libvirt deletes an external snapshot only where its chain allows: not one with children on
 * two branches (a revert made a new one), nor a non-leaf off the active chain. Its later
 * snapshots age out first, and then it goes.
 */
function refusedForItsPlace(err: unknown): boolean {
  return /deletion of .*external .*snapshot.* not supported/i.test(errorText(err));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function refusedForItsName(name: string, err: unknown): boolean {
  return parseAutosnapName(name)?.legacy === true && /Invalid job ID/i.test(errorText(err));
}

function statusOf(guest: GuestOnHost, report: GuestReport, now: string): RunStatus {
  const left = ownSnapshots(guest).filter((s) => !report.pruned.includes(s.name));
  const newest = report.taken[0] ?? left.sort(byAge).at(-1)?.name;
  const outcome = report.errors.length > 0 ? "error" : report.skipped.length > 0 ? "skipped" : "ok";
  return {
    lastRun: now,
    outcome,
    ...(newest !== undefined ? { newest } : {}),
    ...(report.taken[0] !== undefined ? { taken: report.taken[0] } : {}),
    pruned: report.pruned.length,
    ...(report.skipped.length > 0 ? { skipped: report.skipped.join("; ") } : {}),
    ...(report.errors.length > 0 ? { error: report.errors.join("; ") } : {}),
  };
}
