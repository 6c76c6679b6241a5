/**
 * Which kind of snapshot deskfleet takes of a guest, chosen per host from
 * what its libvirt can do (measured in snapshots/README.md) and per guest from
 * what it already has:
 *
 * - libvirt ≥ 9.9 (reverts external snapshots; 11.3 measured): **external**
 *   overlays. A running guest's scheduled snapshot is disks only — it pauses
 *   only while QEMU switches to the new overlays, stores only what is written
 *   afterwards, and is quiesced through the guest agent when one answers; a
 *   baseline (or a schedule asking for it) adds the memory, written to a file
 *   while the guest runs on.
 * - older libvirt (9.0 measured): **internal** qcow2 snapshots, the only kind
 *   it reverts and deletes without breaking a chain. A running guest's includes
 *   its memory (QEMU cannot take disks alone while it runs), paid with a pause
 *   while the RAM is written. A running UEFI guest, which these versions refuse
 *   to snapshot internally, is saved to disk (managed save), snapshotted shut
 *   off and restored: the best that works there, and it stops for the save.
 * - a guest keeps the kind it has: internal snapshots already on it keep new
 *   ones internal on any version (an external overlay over them would strand
 *   them), until they are pruned or deleted.
 */
import type { SnapshotDisk, SnapshotFacts } from "../xml/snapshot";
import { DomainState } from "../libvirt";

/** libvirt encodes versions as major × 1,000,000 + minor × 1,000 + micro. */
export const LIBVIRT_10_10 = 10_010_000;
/** Reverting external snapshots arrived in libvirt 9.9 (its release notes); 9.0 refuses it. */
export const LIBVIRT_EXTERNAL = 9_009_000;

export type SnapshotKind =
  | { kind: "internal"; memory: boolean }
  /** Managed save, an internal snapshot of the disks, restore: libvirt < 10.10, running UEFI. */
  | { kind: "saved-internal" }
  | { kind: "external"; memory: boolean; quiesce: boolean };

export type ModeDecision =
  | ({ ok: true; /** Why this kind, for status and reports. */ why: string } & SnapshotKind)
  | { ok: false; reason: string };

/** What the guest already has: the kinds of its snapshots (any, ours or made by hand). */
export interface ExistingSnapshots {
  /** Names of its internal snapshots. */
  internal: string[];
  external: number;
}

export interface ModeRequest {
  facts: SnapshotFacts;
  state: DomainState;
  libVersion: number;
  existing: ExistingSnapshots;
  /** A baseline, or a schedule that asks for it: a running guest's memory too. */
  memory: boolean;
}

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

/** A disk a snapshot covers: a writable disk (not a cdrom, not read-only). */
export const isWritableDisk = (d: SnapshotDisk) => d.device === "disk" && !d.readonly;

export function chooseMode(req: ModeRequest): ModeDecision {
  const { facts, state, libVersion, existing } = req;
  const version = `libvirt ${formatLibVersion(libVersion)}`;
  const live = LIVE.has(state);
  if (!live && state !== DomainState.Shutoff) {
    return { ok: false, reason: `the guest ${STATE_WORDS[state] ?? `is in state ${state}`}` };
  }
  const other = facts.disks.find((d) => isWritableDisk(d) && d.format !== "qcow2");
  if (other) {
    return {
      ok: false,
      reason: `disk ${other.target} is ${other.format || "of no declared format"}; snapshots need qcow2`,
    };
  }
  if (!facts.disks.some(isWritableDisk)) return { ok: false, reason: "it has no disk to snapshot" };
  const external = libVersion >= LIBVIRT_EXTERNAL;
  if (external && existing.internal.length === 0) {
    if (!live)
      return { ok: true, kind: "external", memory: false, quiesce: false, why: "shut off" };
    const quiesce = !req.memory && facts.agent;
    return {
      ok: true,
      kind: "external",
      memory: req.memory,
      quiesce,
      why: req.memory
        ? `${version} reverts external snapshots; memory asked for`
        : `${version} reverts external snapshots; ${facts.agent ? "quiesced by the guest agent" : "not quiesced: the guest has no guest agent channel"}`,
    };
  }
  if (!external && existing.external > 0) {
    return {
      ok: false,
      reason: `it has ${existing.external} external snapshot(s), which ${version} cannot revert; delete them (virsh snapshot-delete) to snapshot it here`,
    };
  }
  const because = external
    ? `it has internal snapshots (${existing.internal.join(", ")}): an external overlay over them would strand them, so new ones are internal until they are gone`
    : `${version} reverts only internal snapshots`;
  if (!live) return { ok: true, kind: "internal", memory: false, why: `shut off; ${because}` };
  if (facts.uefi && libVersion < LIBVIRT_10_10) {
    return {
      ok: true,
      kind: "saved-internal",
      why: `${because}, and snapshots a running UEFI guest only shut off (10.10 or later also running)`,
    };
  }
  if (facts.uefi && facts.nvramFormat !== "qcow2") {
    return {
      ok: false,
      reason: `it runs with UEFI firmware and ${facts.nvramFormat || "raw"} NVRAM; ${version} snapshots it internally only with qcow2 NVRAM (${because})`,
    };
  }
  return { ok: true, kind: "internal", memory: true, why: because };
}

/** How a snapshot of this kind is taken, and what it costs, in words for reports and status. */
export function describeKind(k: SnapshotKind): string {
  switch (k.kind) {
    case "internal":
      return k.memory
        ? "internal, with memory (the guest pauses while its RAM is saved)"
        : "internal, disks only (the guest is shut off)";
    case "saved-internal":
      return "internal, disks only, the running guest saved to disk and restored around it (it stops meanwhile)";
    case "external":
      return k.memory
        ? "external, with memory (written while the guest runs on)"
        : `external, disks only${k.quiesce ? ", quiesced" : ""} (no RAM saved; the guest pauses only to switch overlays)`;
  }
}

/** How a snapshot was taken, in words: its kind, what it leaves out, and anything that fell short. */
export function kindWords(
  k: SnapshotKind,
  facts: Pick<SnapshotFacts, "uefi" | "tpm">,
  notes: string[] = [],
): string {
  const missing = leavesOut(k, facts);
  return [
    describeKind(k),
    ...(facts.uefi && !holdsNvram(k) ? ["its NVRAM kept beside it by deskfleet"] : []),
    ...(missing.length > 0 ? [`without ${missing.join(" or ")}`] : []),
    ...notes,
  ].join("; ");
}

/** Whether libvirt's snapshot of this kind holds the NVRAM itself (internal, qcow2 NVRAM, running). */
export function holdsNvram(k: SnapshotKind): boolean {
  return k.kind === "internal" && k.memory;
}

/**
 * What a snapshot of this kind does not hold, for a TPM guest: a revert keeps
 * it as it is now. (A UEFI guest's NVRAM is always covered: inside the
 * snapshot, or kept beside it by deskfleet, snapshots/nvramCopy.ts.)
 */
export function leavesOut(k: SnapshotKind, facts: Pick<SnapshotFacts, "uefi" | "tpm">): string[] {
  const withMemory = k.kind !== "saved-internal" && k.memory;
  return facts.tpm && !withMemory ? ["TPM state"] : [];
}

/**
 * The kind a guest that is not on the host yet will take once it runs, for the
 * preview: what the host's version decides, with what depends on the guest
 * (UEFI firmware, a guest agent) said as a condition.
 */
export function prospectiveKindInWords(libVersion: number, memory: boolean): string {
  const disks = [{ target: "vda", device: "disk", format: "qcow2", readonly: false }];
  const facts = { uefi: false, nvramFormat: "", tpm: false, agent: false, disks };
  const decide = (uefi: boolean) =>
    chooseMode({
      facts: { ...facts, uefi },
      state: DomainState.Running,
      libVersion,
      existing: { internal: [], external: 0 },
      memory,
    });
  const bios = decide(false);
  const uefi = decide(true);
  if (!bios.ok || !uefi.ok) throw new Error("a fresh running qcow2 guest is always snapshotted");
  const quiesced = bios.kind === "external" && !bios.memory;
  return [
    `once it runs: ${describeKind(bios)}`,
    ...(quiesced ? ["quiesced when the guest has a guest agent channel"] : []),
    ...(uefi.kind !== bios.kind ? [`a UEFI guest: ${describeKind(uefi)}`] : []),
    `libvirt ${formatLibVersion(libVersion)}`,
  ].join("; ");
}
