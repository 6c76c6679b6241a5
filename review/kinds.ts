/**
 * What a step is about, read from its inputs and URNs: the kind tokens of the
 * provider (provider/resources/*.ts, written here again so that review/ loads
 * none of the provider's code), the guest and host of a step, its subject in a
 * reviewer's words, and small words for volumes, guests and changed inputs.
 */
import { formatBytes } from "../units/size";
import type { Props, Step } from "./preview";
import { urnName, urnType } from "./preview";

export const DOMAIN = "deskfleet:libvirt:Domain";
export const VOLUME = "deskfleet:libvirt:Volume";
export const NETWORK = "deskfleet:libvirt:Network";
export const POOL = "deskfleet:libvirt:StoragePool";
export const SNAPSHOT = "deskfleet:libvirt:Snapshot";
export const SNAPSHOT_SCHEDULE = "deskfleet:libvirt:SnapshotSchedule";
export const BACKUP_SCHEDULE = "deskfleet:libvirt:BackupSchedule";
const GUEST_COMPONENT = "deskfleet:fleet:Guest";

const s = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const n = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
export const inputsOf = (st: Step): Props => st.news ?? st.olds ?? {};
export const hostOf = (st: Step): string => s(inputsOf(st).uri) ?? "(default host)";

/** The guest a step belongs to: a Domain's name, or its parent Guest component's name. */
export function guestOf(st: Step): string | undefined {
  if (st.type === DOMAIN) return s(inputsOf(st).name) ?? st.name;
  if (st.parent !== undefined && urnType(st.parent) === GUEST_COMPONENT) return urnName(st.parent);
  return undefined;
}

/** A volume that holds what the user made: blank (no image, no base, not a seed). */
export const isDataVolume = (p: Props): boolean =>
  p.source === undefined && p.backingVolume === undefined && p.iso === undefined;

/** `data` for the Volume `demo-data` of guest `demo`; the volume's name otherwise. */
export function diskName(st: Step, guest: string | undefined): string {
  return guest !== undefined && st.name.startsWith(`${guest}-`)
    ? st.name.slice(guest.length + 1)
    : (s(inputsOf(st).name) ?? st.name);
}

export function volumeWords(p: Props): string {
  const vol = `${s(p.pool) ?? "?"}/${s(p.name) ?? "?"}`;
  if (p.iso !== undefined) return `cloud-init seed ${vol}`;
  if (p.backingVolume !== undefined) return `overlay ${vol} on ${s(p.backingVolume) ?? "?"}`;
  if (p.source !== undefined) return `image ${vol}`;
  const size = n(p.capacity);
  return `blank volume ${vol}${size !== undefined ? ` (${formatBytes(size)})` : ""}`;
}

export function guestWords(p: Props): string {
  const memory = n(p.memory);
  const vcpus = n(p.vcpus) ?? 1;
  const disks = Array.isArray(p.disks) ? p.disks.length : 0;
  return [
    memory !== undefined ? formatBytes(memory) : undefined,
    `${vcpus} vCPU${vcpus === 1 ? "" : "s"}`,
    `${disks} disk${disks === 1 ? "" : "s"}`,
    p.running === false ? "not started" : "started",
  ]
    .filter((w) => w !== undefined)
    .join(", ");
}

/** `name test-a.qcow2 → test-b.qcow2`, for the properties that changed. */
export function changedWords(st: Step, props: readonly string[]): string {
  const word = (v: unknown) =>
    typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : "none";
  const simple = (v: unknown) => typeof v !== "object" || v === null;
  return props
    .map((k) =>
      simple(st.olds?.[k]) && simple(st.news?.[k])
        ? `${k} ${word(st.olds?.[k])} → ${word(st.news?.[k])}`
        : `${k} changes`,
    )
    .join(", ");
}

/** Top-level inputs whose values differ. */
export function changedProps(st: Step): string[] {
  const keys = new Set([...Object.keys(st.olds ?? {}), ...Object.keys(st.news ?? {})]);
  return [...keys]
    .filter((k) => JSON.stringify(st.olds?.[k]) !== JSON.stringify(st.news?.[k]))
    .sort();
}

/** The subject of a step, or undefined for what a reviewer need not see (components, the stack). */
export function subjectOf(st: Step): string | undefined {
  const p = inputsOf(st);
  const guest = guestOf(st);
  switch (st.type) {
    case DOMAIN:
      return `guest ${guest ?? st.name}`;
    case VOLUME:
      return guest !== undefined
        ? `guest ${guest}`
        : p.source !== undefined
          ? `image ${s(p.name) ?? st.name}`
          : `volume ${s(p.pool) ?? "?"}/${s(p.name) ?? st.name}`;
    case NETWORK:
      return `network ${s(p.name) ?? st.name}`;
    case POOL:
      return `pool ${s(p.name) ?? st.name}`;
    case SNAPSHOT:
    case SNAPSHOT_SCHEDULE:
    case BACKUP_SCHEDULE:
      return guest !== undefined ? `guest ${guest}` : st.name;
    default:
      return undefined;
  }
}
