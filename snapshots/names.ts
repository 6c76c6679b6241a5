/**
 * Names and ownership of scheduled snapshots: `autosnap_<UTC timestamp>_<type>`
 * (sanoid's form, e.g. `autosnap_2030-01-01_04:30:00_hourly`) plus a marker in
 * the description that lists every type the snapshot serves. Only snapshots
 * with both are ever pruned (cv4pve-autosnap's rule), so a snapshot named
 * like ours by hand is left alone.
 */
import type { SnapshotType } from "./policy";
import { SNAPSHOT_TYPES, isSnapshotType } from "./policy";

export const AUTOSNAP_PREFIX = "autosnap_";

/** A snapshot the runner made, as read back from the host. */
export interface OwnSnapshot {
  name: string;
  /** The timestamp in its name (ms since the epoch): the run's clock, not libvirt's. */
  time: number;
  /** Every type it serves (one snapshot may be the hourly and the daily). */
  types: SnapshotType[];
}

const NAME = /^autosnap_(\d{4})-(\d{2})-(\d{2})_(\d{2}):(\d{2}):(\d{2})_([a-z]+)$/;
const MARKER = /\[deskfleet-autosnap types=([a-z,]+)\]/;

/** "2030-01-01_04:30:00": a run's shared timestamp, UTC, to the second. */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2030-01-01T04:30:00.000Z
  return `${iso.slice(0, 10)}_${iso.slice(11, 19)}`;
}

/**
 * The name of the snapshot a run takes for `types` at `timestamp`: named after
 * the type with the longest period it serves (its longest-lived role).
 */
export function autosnapName(timestamp: string, types: readonly SnapshotType[]): string {
  const longest = SNAPSHOT_TYPES.filter((t) => types.includes(t)).at(-1);
  if (longest === undefined) throw new Error("a snapshot serves at least one type");
  return `${AUTOSNAP_PREFIX}${timestamp}_${longest}`;
}

/** The description that marks a snapshot as ours and lists the types it serves. */
export function autosnapDescription(types: readonly SnapshotType[]): string {
  const list = SNAPSHOT_TYPES.filter((t) => types.includes(t)).join(",");
  return `[deskfleet-autosnap types=${list}] taken by "deskfleet snapshots run", which also prunes it`;
}

/** The time and type in an autosnap name, or undefined for any other name. */
export function parseAutosnapName(name: string): { time: number; type: SnapshotType } | undefined {
  const m = NAME.exec(name);
  if (!m || !isSnapshotType(m[7])) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const time = Date.UTC(y, mo - 1, d, h, mi, s);
  // Reject impossible dates (2030-02-31 would silently become March 3rd).
  if (formatTimestamp(time) !== name.slice(AUTOSNAP_PREFIX.length, AUTOSNAP_PREFIX.length + 19)) {
    return undefined;
  }
  return { time, type: m[7] };
}

/**
 * Ours when the name parses and the description carries the marker; the
 * types are the marker's (which must include the name's own type).
 */
export function ownSnapshot(
  name: string,
  description: string | undefined,
): OwnSnapshot | undefined {
  const parsed = parseAutosnapName(name);
  const marker = MARKER.exec(description ?? "");
  if (!parsed || !marker) return undefined;
  const listed = marker[1].split(",").filter(isSnapshotType);
  if (!listed.includes(parsed.type)) return undefined;
  return { name, time: parsed.time, types: SNAPSHOT_TYPES.filter((t) => listed.includes(t)) };
}
