/**
 * Pure planning of a snapshot run: which types are due, which snapshot to
 * take, which to prune. No I/O and no clock of its own: the runner, the
 * status command, the tests and the benchmark all pass `now`.
 *
 * Rules (sanoid, cv4pve-autosnap; see snapshots/README.md):
 * - due: for each type with a count > 0, the latest preferred time already
 *   passed; due when the newest snapshot serving that type is older. After a
 *   long sleep that is one catch-up per type, not one per missed slot.
 * - every type due in one run is served by ONE snapshot, named after the
 *   longest of them, at the run's shared UTC timestamp.
 * - prune, per type, oldest first: drop while age > count × period AND more
 *   than `count` remain (a snapshot exactly count × period old is kept).
 *   A snapshot is deleted only when every type it serves has dropped it.
 * - only snapshots we own (ownSnapshot) are considered at all.
 */
import type { OwnSnapshot } from "./names";
import { autosnapName, formatTimestamp } from "./names";
import type { SnapshotPolicy, SnapshotType } from "./policy";
import { SNAPSHOT_TYPES, periodMs } from "./policy";
import { latestSlot } from "./slots";

/** Types whose newest snapshot is older than their latest preferred time. */
export function dueTypes(
  policy: SnapshotPolicy,
  own: readonly OwnSnapshot[],
  now: number,
): SnapshotType[] {
  if (!policy.autosnap) return [];
  return SNAPSHOT_TYPES.filter((type) => {
    if (policy[type] <= 0) return false;
    const newest = newestOf(type, own);
    return newest === undefined || newest.time < latestSlot(type, policy, now);
  });
}

/** The newest snapshot serving `type`, if any. */
export function newestOf(type: SnapshotType, own: readonly OwnSnapshot[]): OwnSnapshot | undefined {
  let newest: OwnSnapshot | undefined;
  for (const s of own) {
    if (s.types.includes(type) && (newest === undefined || s.time > newest.time)) newest = s;
  }
  return newest;
}

/** Oldest first; equal times by name, so that every plan is deterministic. */
export function byAge(a: OwnSnapshot, b: OwnSnapshot): number {
  return a.time - b.time || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export interface Retention {
  /** Per type, the snapshots its count keeps, oldest first. */
  kept: Record<SnapshotType, OwnSnapshot[]>;
  /** Snapshots no type keeps: what a run deletes (empty when autoprune is off). */
  prunable: OwnSnapshot[];
}

export function retention(
  policy: SnapshotPolicy,
  own: readonly OwnSnapshot[],
  now: number,
): Retention {
  const sorted = [...own].sort(byAge);
  const kept = {} as Record<SnapshotType, OwnSnapshot[]>;
  const droppedBy = new Map<OwnSnapshot, number>();
  for (const type of SNAPSHOT_TYPES) {
    const list = sorted.filter((s) => s.types.includes(type));
    if (!policy.autoprune) {
      kept[type] = list;
      continue;
    }
    const count = policy[type];
    const maxAge = count * periodMs(type, policy);
    let remaining = list.length;
    let i = 0;
    // Strictly greater on both counts: sanoid's rule, and its boundary.
    while (i < list.length && remaining > count && now - list[i].time > maxAge) {
      droppedBy.set(list[i], (droppedBy.get(list[i]) ?? 0) + 1);
      remaining--;
      i++;
    }
    kept[type] = list.slice(i);
  }
  const prunable = sorted.filter((s) => droppedBy.get(s) === s.types.length);
  return { kept, prunable };
}

/** A guest as the runner found it. */
export interface GuestInput {
  name: string;
  policy: SnapshotPolicy;
  /** Only snapshots we own. */
  snapshots: OwnSnapshot[];
  /** Why no snapshot can be taken now (a full pool, UEFI while running, …), if so. */
  blocked?: string;
}

export interface GuestPlan {
  name: string;
  due: SnapshotType[];
  /** The one snapshot to take, serving every due type. */
  take?: { name: string; types: SnapshotType[] };
  /** To delete, oldest first, once `take` succeeded (or at once if nothing is taken). */
  prune: string[];
  /** Why something due is not taken. */
  skipped: string[];
}

export function planGuest(guest: GuestInput, now: number): GuestPlan {
  const { policy, snapshots } = guest;
  const timestamp = formatTimestamp(now);
  const due = dueTypes(policy, snapshots, now);
  const skipped: string[] = [];
  let take: GuestPlan["take"];
  if (due.length > 0 && guest.blocked !== undefined) {
    skipped.push(`${due.join(", ")} due, not taken: ${guest.blocked}`);
  } else if (due.length > 0) {
    take = { name: autosnapName(timestamp, due), types: due };
  }
  const after = take
    ? [...snapshots, { name: take.name, time: Math.floor(now / 1000) * 1000, types: take.types }]
    : snapshots;
  const prune = retention(policy, after, now)
    .prunable.map((s) => s.name)
    .filter((name) => name !== take?.name);
  return { name: guest.name, due, ...(take ? { take } : {}), prune, skipped };
}

export interface RunPlan {
  /** The run's clock, ISO 8601. */
  now: string;
  /** Shared by every snapshot the run takes. */
  timestamp: string;
  guests: GuestPlan[];
}

export function planRun(guests: readonly GuestInput[], now: number): RunPlan {
  return {
    now: new Date(now).toISOString(),
    timestamp: formatTimestamp(now),
    guests: guests.map((g) => planGuest(g, now)),
  };
}

/** Types due for longer than `graceMs` (the timer missed them: a stopped timer, a full pool). */
export function overdueTypes(
  policy: SnapshotPolicy,
  own: readonly OwnSnapshot[],
  now: number,
  graceMs: number,
): SnapshotType[] {
  return dueTypes(policy, own, now).filter((t) => now - latestSlot(t, policy, now) > graceMs);
}
