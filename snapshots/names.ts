/**
 * Names and ownership of scheduled snapshots: `autosnap_<UTC timestamp>_<type>`
 * (sanoid's form with '-' for ':', e.g. `autosnap_2030-01-01_04-30-00_hourly`)
 * plus a marker in the description that lists every type the snapshot serves.
 * Only snapshots with both are ever pruned (cv4pve-autosnap's rule), so a
 * snapshot named like ours by hand is left alone.
 *
 * No ':' in names: libvirt ≥ 10 takes a running guest's internal snapshot
 * through QEMU's `snapshot-save` job, whose ID is built from the name, and
 * QEMU refuses ':' in IDs ("Invalid job ID"). Names that earlier versions of
 * deskfleet gave (sanoid's own `04:30:00`) are still read, kept and pruned.
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

/** Today's names use '-' between hour, minute and second; older ones ':' (never mixed). */
const NAME = /^autosnap_(\d{4})-(\d{2})-(\d{2})_(\d{2})([-:])(\d{2})\5(\d{2})_([a-z]+)$/;
const MARKER = /\[deskfleet-autosnap types=([a-z,]+)\]/;

/** "2030-01-01_04-30-00": a run's shared timestamp, UTC, to the second; no ':' (see above). */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2030-01-01T04:30:00.000Z
  return `${iso.slice(0, 10)}_${iso.slice(11, 19).replaceAll(":", "-")}`;
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

/**
 * The time and type in an autosnap name, or undefined for any other name;
 * `legacy` for a name with ':' (see above).
 */
export function parseAutosnapName(
  name: string,
): { time: number; type: SnapshotType; legacy: boolean } | undefined {
  const m = NAME.exec(name);
  if (!m || !isSnapshotType(m[8])) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[6], m[7]].map(Number);
  const time = Date.UTC(y, mo - 1, d, h, mi, s);
  const stamp = name.slice(AUTOSNAP_PREFIX.length, AUTOSNAP_PREFIX.length + 19);
  // Reject impossible dates (2030-02-31 would silently become March 3rd).
  if (formatTimestamp(time) !== stamp.replaceAll(":", "-")) return undefined;
  return { time, type: m[8], legacy: m[5] === ":" };
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
