/**
 * How each change to a guest lands, decided purely from the old and new
 * inputs and whether the guest runs: the class the preview shows and the
 * steps `update` takes.
 *
 * - **live**: applied to the running guest and to its definition (memory up to
 *   `maxMemory` through the balloon, vCPUs up to `maxVcpus` by hot-plug, a
 *   CD-ROM's medium, virtio or SCSI disks and trailing interfaces plugged in or
 *   out), or
 *   something only deskfleet keeps (autostart, timeouts, waits);
 * - **next boot**: the definition changes; a guest that is not running gets
 *   it when it starts;
 * - **restart**: the definition changes and a running guest needs a restart
 *   for it. Its `restart` policy decides: `never` leaves it running with the
 *   change pending, `allowed` restarts it gracefully; raising
 *   `restartGeneration` restarts it once either way;
 * - **move**: its host changed: stopped, copied to the new host with its
 *   state, started there (domainMove.ts); the other changes come with it.
 *
 * A new name (the fleet's `formerly:`) renames the guest in place: libvirt
 * renames a shut-off guest only, so a running one needs a restart for it.
 */
import { changedProperties } from "../diff";
import { formatBytes } from "../../units/size";
import { sameVolume } from "../../xml/domain";

export type ChangeClass = "live" | "next boot" | "restart" | "move" | "rebuild";

export interface GuestChange {
  property: string;
  class: ChangeClass;
  /** `memory 2 GiB → 4 GiB`, for the preview. */
  words: string;
  /** Why it is not live, where it could have been (`above maxVcpus 4`). */
  why?: string;
}

/** The inputs the classification reads (a subset of the Domain kind's). */
export interface ChangeInputs {
  name: string;
  memory: number;
  maxMemory?: number;
  vcpus: number;
  maxVcpus?: number;
  running: boolean;
  restart: "never" | "allowed";
  restartGeneration: number;
  /** Raised: the overlay disks are rebuilt first (domainRebuild.ts), with the guest off. */
  rebuild?: number;
  /** Install media: a change of medium in the same drives applies live. */
  cdroms?: readonly unknown[];
  /** Disks are plugged in or out of a running guest on a bus that can (not SATA). */
  disks?: readonly DiskRef[];
  diskBus?: string;
  /** Interfaces are plugged in or out at the end of the list. */
  interfaces?: readonly { network: string; mac?: string }[];
  /** Verbatim XML; a device read back that the fleet does not declare was added by hand. */
  xml?: { devices: readonly string[]; elements: readonly string[] };
}

interface DiskRef {
  pool: string;
  volume: string;
  format?: string;
  /** Whether its volume stays when the disk leaves the fleet; absent: not known. */
  keep?: boolean;
}

export interface ChangePlan {
  changes: GuestChange[];
  /** The definition must be written again. */
  redefine: boolean;
  /**
   * Applied to the running guest after the definition (bytes, count, new media, disks and
   * interfaces plugged in or out).
   */
  live: { memory?: number; vcpus?: number; cdroms?: true; devices?: true };
  /** Restart now: a change needs it (or was pending) and the policy or a new generation allows it. */
  restartNow: boolean;
  /** What still waits for a restart once `update` is done (empty when it restarts or is off). */
  pendingAfter: string[];
}

/** Kept by deskfleet alone, or applied by it at once: nothing in the definition changes. */
const DESKFLEET_ONLY = new Set([
  "movedFrom",
  "autostart",
  "shutdownTimeout",
  "move",
  "waitFor",
  "waitTimeout",
  "keepFirmwareState",
  "restart",
  "restartGeneration",
  "rebuild",
  "running",
]);

/** Properties whose change is a new guest (the Domain kind's replaceOn): none, since a new host is a move. */
export const REPLACED_ON: string[] = [];
/** Properties whose change moves the guest to another host. */
export const MOVED_ON = ["uri"];

/**
 * The plan for going from `olds` to `news` (inputs of every property in
 * `inputs`), for a guest that is `active` now with `pending` changes that
 * still wait for its restart.
 */
export function planGuestChange(
  olds: ChangeInputs,
  news: ChangeInputs,
  inputs: readonly string[],
  now: { active: boolean; pending: readonly string[] },
): ChangePlan {
  const changed = changedProperties(olds, news, inputs);
  const live: ChangePlan["live"] = {};
  const changes = changed.map((property): GuestChange => {
    const value = (v: ChangeInputs) => (v as unknown as Record<string, unknown>)[property];
    const words = describe(property, value(olds), value(news), olds, news);
    if (MOVED_ON.includes(property)) return { property, class: "move", words };
    if (property === "rebuild") return { property, class: "rebuild", words };
    if (DESKFLEET_ONLY.has(property)) return { property, class: "live", words };
    if (!now.active) return { property, class: "next boot", words };
    const why = notLive(property, olds, news, changed);
    if (why === undefined) {
      if (property === "memory") live.memory = news.memory;
      if (property === "vcpus") live.vcpus = news.vcpus;
      if (property === "cdroms") live.cdroms = true;
      if (property === "disks" || property === "interfaces") live.devices = true;
      return { property, class: "live", words };
    }
    return { property, class: "restart", words, ...(why !== "" ? { why } : {}) };
  });
  const needed = [
    ...new Set([
      ...now.pending,
      ...changes.filter((c) => c.class === "restart").map((c) => c.property),
    ]),
  ].sort();
  const runsOn = now.active && news.running;
  const generation = news.restartGeneration > olds.restartGeneration;
  const restartNow = runsOn && (generation || (needed.length > 0 && news.restart === "allowed"));
  return {
    changes,
    redefine: changed.some((p) => !DESKFLEET_ONLY.has(p) && !MOVED_ON.includes(p)),
    live: restartNow ? {} : live,
    restartNow,
    pendingAfter: runsOn && !restartNow ? needed : [],
  };
}

/**
 * Why a change to a running guest needs a restart: undefined when it applies
 * live, "" when nothing of it ever does (the machine, a device).
 */
function notLive(
  property: string,
  olds: ChangeInputs,
  news: ChangeInputs,
  changed: readonly string[],
): string | undefined {
  if (property === "memory") {
    if (changed.includes("maxMemory")) return "maxMemory changes too";
    if (news.maxMemory !== undefined) {
      return news.memory <= news.maxMemory
        ? undefined
        : `above maxMemory ${formatBytes(news.maxMemory)}`;
    }
    // Without maxMemory, the guest started with all it can have.
    return news.memory <= olds.memory
      ? undefined
      : `above the ${formatBytes(olds.memory)} it started with; maxMemory raises that`;
  }
  if (property === "vcpus") {
    if (changed.includes("maxVcpus")) return "maxVcpus changes too";
    if (news.maxVcpus !== undefined) {
      return news.vcpus <= news.maxVcpus ? undefined : `above maxVcpus ${news.maxVcpus}`;
    }
    return news.vcpus <= olds.vcpus
      ? undefined
      : `above the ${olds.vcpus} it started with; maxVcpus raises that`;
  }
  if (property === "name") return "libvirt renames a shut-off guest only";
  if (property === "disks") {
    const kept = (news.disks ?? []).filter((d) => (olds.disks ?? []).some(sameVolume(d)));
    if (
      kept.some((d) => !(olds.disks ?? []).some((o) => sameVolume(d)(o) && o.format === d.format))
    ) {
      return "a disk's format changes";
    }
    if (changed.includes("diskBus")) return "diskBus changes too";
    return news.diskBus === "sata"
      ? "SATA disks cannot be plugged in or out while it runs"
      : undefined;
  }
  if (property === "interfaces") {
    if (changed.includes("nicModel")) return "nicModel changes too";
    const [a, b] = [olds.interfaces ?? [], news.interfaces ?? []];
    const [short, long] = a.length <= b.length ? [a, b] : [b, a];
    const samePrefix = short.every(
      (n, i) => n.network === long[i].network && n.mac === long[i].mac,
    );
    return samePrefix ? undefined : "an interface other than the last ones changes";
  }
  if (property === "cdroms") {
    // Drives cannot be plugged in or out of a running guest; their media can be changed.
    const same = (olds.cdroms?.length ?? 0) === (news.cdroms?.length ?? 0);
    return same ? undefined : "a CD-ROM drive added or removed";
  }
  return "";
}

/** An XML fragment's start tag, for a line of the preview: `<watchdog model='i6300esb' action='reset'>`. */
function brief(fragment: string): string {
  const tag = /^<[^>]*>/.exec(fragment.trim())?.[0] ?? fragment;
  return tag.length > 80 ? `${tag.slice(0, 77)}...` : tag.replace(/\/>$/, ">");
}

/** What a disk's removal does to its volume, where the fleet said (`keep`). */
function removal(d: DiskRef): string {
  if (d.keep === false) return " (deletes data: its volume is not kept)";
  return d.keep === true ? " (its volume is kept)" : "";
}

/** `disk pool/vol.qcow2 added`, `interface on lan removed`, …; undefined for other changes. */
function describeDevices(olds: ChangeInputs, news: ChangeInputs, property: string) {
  if (property === "disks") {
    const [a, b] = [olds.disks ?? [], news.disks ?? []];
    const name = (d: DiskRef) => `disk ${d.pool}/${d.volume}`;
    const parts = [
      ...b.filter((d) => !a.some(sameVolume(d))).map((d) => `${name(d)} added`),
      ...a.filter((d) => !b.some(sameVolume(d))).map((d) => `${name(d)} removed${removal(d)}`),
      ...b
        .filter((d) => a.some((o) => sameVolume(d)(o) && o.format !== d.format))
        .map((d) => `${name(d)} format → ${d.format ?? "qcow2"}`),
    ];
    return parts.length > 0 ? parts.join(", ") : undefined;
  }
  if (property === "xml") {
    const [a, b] = [
      olds.xml ?? { devices: [], elements: [] },
      news.xml ?? { devices: [], elements: [] },
    ];
    const parts = [
      ...a.devices
        .filter((d) => !b.devices.includes(d))
        .map((d) => `device ${brief(d)} removed (it is not in the fleet file)`),
      ...b.devices.filter((d) => !a.devices.includes(d)).map((d) => `device ${brief(d)} added`),
      ...a.elements
        .filter((e) => !b.elements.includes(e))
        .map((e) => `element ${brief(e)} removed`),
      ...b.elements.filter((e) => !a.elements.includes(e)).map((e) => `element ${brief(e)} added`),
    ];
    return parts.length > 0 ? parts.join(", ") : undefined;
  }
  if (property === "interfaces") {
    const [a, b] = [olds.interfaces ?? [], news.interfaces ?? []];
    const name = (n: { network: string; mac?: string }) =>
      `interface on ${n.network}${n.mac !== undefined ? ` (${n.mac})` : ""}`;
    const same = Math.min(a.length, b.length);
    const changed = [...Array(same).keys()].filter(
      (i) => a[i].network !== b[i].network || a[i].mac !== b[i].mac,
    );
    const parts = [
      ...changed.map((i) => `${name(a[i])} → ${b[i].network}`),
      ...b.slice(same).map((n) => `${name(n)} added`),
      ...a.slice(same).map((n) => `${name(n)} removed`),
    ];
    return parts.length > 0 ? parts.join(", ") : undefined;
  }
  return undefined;
}

/** `memory 2 GiB → 4 GiB`, `machine pc → q35`, `disk p/v added`, `xml changed`. */
function describe(
  property: string,
  before: unknown,
  after: unknown,
  olds: ChangeInputs,
  news: ChangeInputs,
): string {
  const devices = describeDevices(olds, news, property);
  if (devices !== undefined) return devices;
  const word = (v: unknown): string | undefined => {
    if (v === undefined) return "none";
    if (typeof v === "number") return /memory/i.test(property) ? formatBytes(v) : String(v);
    if (typeof v === "string" || typeof v === "boolean") return String(v);
    return undefined;
  };
  if (property === "name") {
    return `renamed ${String(before)} → ${String(after)} in place (disks, UUID, MACs, NVRAM, TPM state and snapshots kept)`;
  }
  const [a, b] = [word(before), word(after)];
  return a !== undefined && b !== undefined ? `${property} ${a} → ${b}` : `${property} changed`;
}

/**
 * One line for the preview: every change with its class, and what a running
 * guest still waits for, e.g. `guest demo: memory 1 GiB → 2 GiB (live);
 * machine pc → q35 (restart needed; restart: never, so pending until the
 * guest restarts)`.
 */
export function changeNote(name: string, plan: ChangePlan): string | undefined {
  const parts = plan.changes
    // A move and a rebuild have their own notes (domainMove.ts, domainRebuild.ts).
    .filter((c) => c.class !== "move" && c.class !== "rebuild")
    .filter((c) => !(c.property === "restartGeneration" && plan.restartNow))
    .map((c) => {
      if (c.class !== "restart") return `${c.words} (${c.class})`;
      const why = c.why !== undefined ? `: ${c.why}` : "";
      return plan.restartNow
        ? `${c.words} (restart${why})`
        : `${c.words} (restart needed${why}; pending until the guest restarts)`;
    });
  if (plan.restartNow) parts.push("the guest restarts gracefully");
  const waiting = plan.pendingAfter.filter((p) => !plan.changes.some((c) => c.property === p));
  if (waiting.length > 0) parts.push(`restart pending since earlier: ${waiting.join(", ")}`);
  return parts.length > 0 ? `guest ${name}: ${parts.join("; ")}` : undefined;
}
