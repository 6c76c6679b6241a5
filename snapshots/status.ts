/**
 * `deskfleet snapshots status`: per guest, its policy, the snapshots each type
 * keeps, the newest per type and what is due or overdue. Pure: the caller
 * lists the host and passes the clock. Every `autosnap_` snapshot on a listed
 * guest appears somewhere: under the types that keep it, in `prunable` (the
 * next run deletes it) or in `unowned` (named like ours, not marked as ours:
 * never touched). Retention is judged at the later of the clock and the newest
 * snapshot, so that status agrees with the last run even when the clock is
 * behind it.
 */
import type { GuestOnHost, RunStatus } from "./host";
import { AUTOSNAP_PREFIX } from "./names";
import { dueTypes, newestOf, overdueTypes, retention } from "./plan";
import type { SnapshotPolicy, SnapshotType } from "./policy";
import { DEFAULT_POLICY, SNAPSHOT_TYPES } from "./policy";
import { ownSnapshots } from "./run";

/** A type is overdue when due for longer than this: the timer runs every 5 minutes. */
export const OVERDUE_GRACE_MS = 15 * 60_000;

export interface GuestStatus {
  name: string;
  /** Per type (those with a count, or with snapshots), the names it keeps, oldest first. */
  retained: Partial<Record<SnapshotType, string[]>>;
  /** The schedule's name; null when none is recorded (its snapshots are then kept as they are). */
  schedule: string | null;
  policy: SnapshotPolicy | null;
  prunable: string[];
  unowned: string[];
  /** Per type, the newest snapshot serving it and its time (ISO 8601). */
  newest: Partial<Record<SnapshotType, { name: string; time: string }>>;
  due: SnapshotType[];
  overdue: SnapshotType[];
  /** Why the runner cannot take a snapshot now, if so. */
  blocked: string | null;
  /** How its next snapshot would be taken, and why that kind. */
  takes: string | null;
  /** A recorded schedule that cannot be read: the runner leaves the guest alone. */
  policyError: string | null;
  lastRun: RunStatus | null;
}

export interface StatusReport {
  guests: GuestStatus[];
  now: string;
}

export function statusReport(guests: readonly GuestOnHost[], now: number): StatusReport {
  const listed = guests.filter(
    (g) =>
      g.policy !== undefined ||
      g.policyError !== undefined ||
      g.snapshots.some((s) => s.name.startsWith(AUTOSNAP_PREFIX)),
  );
  return { guests: listed.map((g) => guestStatus(g, now)), now: new Date(now).toISOString() };
}

function guestStatus(guest: GuestOnHost, clock: number): GuestStatus {
  const own = ownSnapshots(guest);
  // Snapshots newer than the clock (runs with a later --now, a clock set back)
  // count as just taken: retention is judged as the last run judged it.
  const now = Math.max(clock, ...own.map((s) => s.time));
  // Without a policy nothing is pruned: keep-everything stands in for it.
  const policy = guest.policy ?? { ...DEFAULT_POLICY, schedule: "", autoprune: false };
  const { kept, prunable } = retention(policy, own, now);
  const retained: GuestStatus["retained"] = {};
  const newest: GuestStatus["newest"] = {};
  for (const type of SNAPSHOT_TYPES) {
    if (policy[type] > 0 || kept[type].length > 0) retained[type] = kept[type].map((s) => s.name);
    const n = newestOf(type, own);
    if (n) newest[type] = { name: n.name, time: new Date(n.time).toISOString() };
  }
  const ownNames = new Set(own.map((s) => s.name));
  return {
    name: guest.name,
    retained,
    schedule: guest.policy?.schedule ?? null,
    policy: guest.policy ?? null,
    prunable: prunable.map((s) => s.name),
    unowned: guest.snapshots
      .map((s) => s.name)
      .filter((n) => n.startsWith(AUTOSNAP_PREFIX) && !ownNames.has(n)),
    newest,
    due: guest.policy ? dueTypes(guest.policy, own, now) : [],
    overdue: guest.policy ? overdueTypes(guest.policy, own, now, OVERDUE_GRACE_MS) : [],
    blocked: guest.policy ? (guest.blocked ?? null) : null,
    takes: guest.policy ? (guest.takes ?? null) : null,
    policyError: guest.policyError ?? null,
    lastRun: guest.lastRun ?? null,
  };
}
