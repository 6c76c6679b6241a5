/**
 * Each step of a preview in a reviewer's words: the guest (or network, pool,
 * image) it concerns, what changes and its class, on which host; and what a
 * reviewer must see first (alerts): data deleted, a guest replaced, restarted,
 * moved or rebuilt. The provider's own notes say how a guest's change lands
 * (notes.ts); the steps say what is created, deleted or replaced.
 */
import type { ChangeClass } from "./notes";
import { partsOfNote } from "./notes";
import type { Note, Step } from "./preview";
import {
  DOMAIN,
  NETWORK,
  POOL,
  SNAPSHOT,
  SNAPSHOT_SCHEDULE,
  BACKUP_SCHEDULE,
  VOLUME,
  changedProps,
  changedWords,
  diskName,
  guestOf,
  guestWords,
  hostOf,
  inputsOf,
  isDataVolume,
  subjectOf,
  volumeWords,
} from "./kinds";

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

export type AlertKind = "deletes data" | "removes" | "replaces" | "restarts" | "moves" | "rebuilds";

export interface Alert {
  kind: AlertKind;
  host: string;
  text: string;
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
      // Declared running: the delete shuts it down first (gracefully, then forced).
      const removed = old.running === false ? "guest removed" : "guest shut down and removed";
      if (old.keepFirmwareState === false && state.length > 0) {
        const what = `${removed}, with its ${state.join(" and ")} (keepFirmwareState: false)`;
        return {
          rows: [{ what, class: "deletes data" }],
          alerts: [{ kind: "deletes data", text: `guest ${name}: ${what}` }],
        };
      }
      return {
        rows: [{ what: removed, class: "removed" }],
        alerts: [{ kind: "removes", text: `guest ${name}: ${removed}` }],
      };
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
  const name = inputsOf(st).name;
  const label =
    st.type === SNAPSHOT ? `${kind} ${typeof name === "string" ? name : st.name}` : kind;
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
