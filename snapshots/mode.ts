/**
 * How deskfleet snapshots a guest: always internal qcow2 snapshots, with the
 * memory of a running guest, disk-only for a shut-off one; never external
 * ones. Measured on libvirt 9.0 (snapshots/README.md): external snapshots
 * cannot be reverted there, deleting them fails or leaves the definition
 * pointing at a removed file, and mixing them with internal ones orphans
 * the internal ones. Internal snapshots create, list, revert and delete in
 * any state and never change the domain's disk paths.
 */
import type { SnapshotDisk, SnapshotFacts, SnapshotModel } from "../provider/xml/snapshot";
import { DomainState } from "../libvirt";

/** libvirt encodes versions as major × 1,000,000 + minor × 1,000 + micro. */
export const LIBVIRT_10_10 = 10_010_000;

export type ModeDecision =
  | { ok: true; memory: SnapshotModel["memory"]; disks: SnapshotModel["disks"] }
  | { ok: false; reason: string };

const LIVE: ReadonlySet<DomainState> = new Set([
  DomainState.Running,
  DomainState.Blocked,
  DomainState.Paused,
]);

const STATE_WORDS: Partial<Record<DomainState, string>> = {
  [DomainState.Shutdown]: "is shutting down",
  [DomainState.Crashed]: "has crashed",
  [DomainState.PmSuspended]: "is suspended by its own OS (S3), which libvirt cannot snapshot",
  [DomainState.NoState]: "is in no known state",
};

export function formatLibVersion(v: number): string {
  return `${Math.floor(v / 1e6)}.${Math.floor(v / 1e3) % 1000}.${v % 1000}`;
}

export function chooseMode(
  facts: SnapshotFacts,
  state: DomainState,
  libVersion: number,
): ModeDecision {
  const live = LIVE.has(state);
  if (!live && state !== DomainState.Shutoff) {
    return { ok: false, reason: `the guest ${STATE_WORDS[state] ?? `is in state ${state}`}` };
  }
  if (live && facts.uefi && libVersion < LIBVIRT_10_10) {
    return {
      ok: false,
      reason: `it runs with UEFI (pflash) firmware, which libvirt ${formatLibVersion(libVersion)} snapshots internally only while shut off (10.10 or later also while running)`,
    };
  }
  const writable = (d: SnapshotDisk) => d.device === "disk" && !d.readonly;
  const other = facts.disks.find((d) => writable(d) && d.format !== "qcow2");
  if (other) {
    return {
      ok: false,
      reason: `disk ${other.target} is ${other.format || "of no declared format"}; internal snapshots need qcow2`,
    };
  }
  if (!facts.disks.some(writable)) return { ok: false, reason: "it has no disk to snapshot" };
  return {
    ok: true,
    memory: live ? "internal" : "no",
    disks: facts.disks.map((d) => ({
      target: d.target,
      snapshot: writable(d) ? "internal" : "no",
    })),
  };
}
