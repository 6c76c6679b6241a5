/**
 * Each step of a preview in a reviewer's words: the guest (or network, pool,
 * image) it concerns, what changes and its class, on which host; and what a
 * reviewer must see first (alerts): data deleted, a guest replaced, restarted,
 * moved or rebuilt. The provider's own notes say how a guest's change lands
 * (notes.ts); the steps say what is created, deleted or replaced.
 */
import { formatBytes } from "../provider/units";
import type { ChangeClass } from "./notes";
import { partsOfNote } from "./notes";
import type { Note, Props, Step } from "./preview";
import { urnName, urnType } from "./preview";

export const DOMAIN = "deskfleet:libvirt:Domain";
export const VOLUME = "deskfleet:libvirt:Volume";
export const NETWORK = "deskfleet:libvirt:Network";
export const POOL = "deskfleet:libvirt:StoragePool";
export const SNAPSHOT = "deskfleet:libvirt:Snapshot";
export const SNAPSHOT_SCHEDULE = "deskfleet:libvirt:SnapshotSchedule";
export const BACKUP_SCHEDULE = "deskfleet:libvirt:BackupSchedule";
const GUEST_COMPONENT = "deskfleet:fleet:Guest";

export interface Row {
  /** The libvirt host's URI. */
  host: string;
  /** `demo` for a guest's rows; `network lan`, `pool default`, `image debian` otherwise. */
  subject: string;
  /** The guest's name, for a guest's rows. */
  guest?: string;
  /** The resource's type token: a guest's own rows come before its disks'. */
  type: string;
  what: string;
  class: ChangeClass;
}

export type AlertKind = "deletes data" | "replaces" | "restarts" | "moves" | "rebuilds";

export interface Alert {
  kind: AlertKind;
  host: string;
  text: string;
}

const s = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const n = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const inputsOf = (st: Step): Props => st.news ?? st.olds ?? {};
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

function volumeWords(p: Props): string {
  const vol = `${s(p.pool) ?? "?"}/${s(p.name) ?? "?"}`;
  if (p.iso !== undefined) return `cloud-init seed ${vol}`;
  if (p.backingVolume !== undefined) return `overlay ${vol} on ${s(p.backingVolume) ?? "?"}`;
  if (p.source !== undefined) return `image ${vol}`;
  const size = n(p.capacity);
  return `blank volume ${vol}${size !== undefined ? ` (${formatBytes(size)})` : ""}`;
}

function guestWords(p: Props): string {
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
function changedWords(st: Step, props: readonly string[]): string {
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
function changedProps(st: Step): string[] {
  const keys = new Set([...Object.keys(st.olds ?? {}), ...Object.keys(st.news ?? {})]);
  return [...keys]
    .filter((k) => JSON.stringify(st.olds?.[k]) !== JSON.stringify(st.news?.[k]))
    .sort();
}

interface Described {
  rows: Omit<Row, "host" | "subject" | "guest" | "type">[];
  alerts: Omit<Alert, "host">[];
}

function describeVolume(st: Step, subject: string, disk: string): Described {
  const old = st.olds ?? {};
  const label = subject.startsWith("image ") ? "" : `disk ${disk}: `;
  const dataLost = isDataVolume(old) && old.retain !== true;
  switch (st.op) {
    case "create":
      return {
        rows: [{ what: `${label}new ${volumeWords(inputsOf(st))}`, class: "new" }],
        alerts: [],
      };
    case "delete": {
      if (dataLost) {
        const what = `${label}${volumeWords(old)} deleted, with the data on it`;
        return {
          rows: [{ what, class: "deletes data" }],
          alerts: [{ kind: "deletes data", text: `${subject}: ${what}` }],
        };
      }
      if (isDataVolume(old)) {
        return {
          rows: [
            {
              what: `${label}leaves the fleet; ${volumeWords(old)} stays on the host`,
              class: "kept",
            },
          ],
          alerts: [],
        };
      }
      return {
        rows: [{ what: `${label}${volumeWords(old)} removed`, class: "removed" }],
        alerts: [],
      };
    }
    case "replace": {
      const why = changedWords(
        st,
        st.replaceReasons.length > 0 ? st.replaceReasons : changedProps(st),
      );
      const what = `${label}${volumeWords(old)} made anew (${why})`;
      if (dataLost) {
        const lost = `${what}: the data on it is deleted`;
        return {
          rows: [{ what: lost, class: "deletes data" }],
          alerts: [{ kind: "deletes data", text: `${subject}: ${lost}` }],
        };
      }
      return { rows: [{ what, class: "replace" }], alerts: [] };
    }
    default:
      return { rows: [], alerts: [] };
  }
}

function describeDomain(st: Step, name: string): Described {
  switch (st.op) {
    case "create":
      return {
        rows: [{ what: `new guest (${guestWords(inputsOf(st))})`, class: "new" }],
        alerts: [],
      };
    case "import":
      return { rows: [{ what: "taken over as it is (adopted)", class: "new" }], alerts: [] };
    case "delete": {
      const old = st.olds ?? {};
      const state = [
        ...(old.firmware === "uefi" ? ["NVRAM"] : []),
        ...(old.tpm === true ? ["TPM state"] : []),
      ];
      if (old.keepFirmwareState === false && state.length > 0) {
        const what = `guest removed, with its ${state.join(" and ")} (keepFirmwareState: false)`;
        return {
          rows: [{ what, class: "deletes data" }],
          alerts: [{ kind: "deletes data", text: `guest ${name}: ${what}` }],
        };
      }
      return { rows: [{ what: "guest removed", class: "removed" }], alerts: [] };
    }
    case "replace": {
      const why = changedWords(
        st,
        st.replaceReasons.length > 0 ? st.replaceReasons : changedProps(st),
      );
      const what = `guest made anew (${why})`;
      return {
        rows: [{ what, class: "replace" }],
        alerts: [{ kind: "replaces", text: `guest ${name}: ${what}` }],
      };
    }
    default:
      return { rows: [], alerts: [] };
  }
}

/** Rows and alerts from a guest's or network's notes (how each change lands). */
function fromNotes(st: Step, subject: string, notes: readonly Note[]): Described {
  const parts = notes.flatMap((note) => partsOfNote(note.message, subject));
  const rows = parts
    // Unchanged resources speak only of what still waits for a restart.
    .filter((p) => st.op !== "same" || p.class === "restart pending")
    .map((p) => ({ what: p.text, class: p.class }));
  const alerts: Omit<Alert, "host">[] = [];
  for (const p of parts) {
    if (p.class === "move") alerts.push({ kind: "moves", text: p.text });
    if (p.class === "rebuild") alerts.push({ kind: "rebuilds", text: p.text });
  }
  if (st.op !== "same" && parts.some((p) => p.text === "the guest restarts gracefully")) {
    const why = parts
      .filter((p) => p.class === "restart")
      .filter((p) => p.text !== "the guest restarts gracefully");
    alerts.push({
      kind: "restarts",
      text: `${subject} restarts${why.length > 0 ? ` for ${why.map((p) => p.text).join("; ")}` : ""}`,
    });
  }
  if (
    st.type === DOMAIN &&
    st.op === "update" &&
    st.olds?.uri !== st.news?.uri &&
    !alerts.some((a) => a.kind === "moves")
  ) {
    alerts.push({
      kind: "moves",
      text: `${subject} moves ${String(st.olds?.uri)} → ${String(st.news?.uri)}`,
    });
  }
  return { rows, alerts };
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

const KIND_WORDS: Record<string, string> = {
  [SNAPSHOT]: "baseline snapshot",
  [SNAPSHOT_SCHEDULE]: "snapshot schedule",
  [BACKUP_SCHEDULE]: "backup schedule",
  [NETWORK]: "network",
  [POOL]: "pool",
};

/** The generic words for a step the kinds above do not describe. */
function describeOther(st: Step): Described {
  const kind = KIND_WORDS[st.type] ?? st.type;
  const label = st.type === SNAPSHOT ? `${kind} ${s(inputsOf(st).name) ?? st.name}` : kind;
  switch (st.op) {
    case "create":
      return { rows: [{ what: `new ${label}`, class: "new" }], alerts: [] };
    case "import":
      return {
        rows: [{ what: `${label} taken over as it is (adopted)`, class: "new" }],
        alerts: [],
      };
    case "delete":
      return { rows: [{ what: `${label} removed`, class: "removed" }], alerts: [] };
    case "replace":
      return {
        rows: [
          { what: `${label} made anew (${changedWords(st, st.replaceReasons)})`, class: "replace" },
        ],
        alerts: [],
      };
    default:
      return { rows: [], alerts: [] };
  }
}

/** What an update changes, in the words of its properties; a guest's disk moves with it. */
function updateWithoutNote(st: Step, guest: string | undefined): Described["rows"][number] {
  const props = changedProps(st);
  const label = st.type === VOLUME && guest !== undefined ? `disk ${diskName(st, guest)}: ` : "";
  if (st.type === VOLUME && props.length === 1 && props[0] === "uri") {
    return { what: `${label}copied to ${String(st.news?.uri)} with its guest`, class: "move" };
  }
  const what = changedWords(st, props);
  return { what: `${label}${what === "" ? "changes" : what}`, class: "change" };
}

/** A step's rows and alerts, with the notes the provider attached to it. */
export function describeStep(st: Step, notes: readonly Note[]): { rows: Row[]; alerts: Alert[] } {
  const subject = subjectOf(st);
  if (subject === undefined) return { rows: [], alerts: [] };
  const guest = guestOf(st);
  const host = hostOf(st);
  const own =
    st.type === VOLUME
      ? describeVolume(st, subject, diskName(st, guest))
      : st.type === DOMAIN
        ? describeDomain(st, guest ?? st.name)
        : describeOther(st);
  const noted = fromNotes(st, subject, notes);
  const rows = [...own.rows, ...noted.rows];
  // An update the provider said nothing about still shows what changed.
  if (st.op === "update" && rows.length === 0) rows.push(updateWithoutNote(st, guest));
  return {
    rows: rows.map((r) => ({
      host,
      subject,
      ...(guest !== undefined ? { guest } : {}),
      type: st.type,
      ...r,
    })),
    alerts: [...own.alerts, ...noted.alerts].map((a) => ({ host, ...a })),
  };
}
