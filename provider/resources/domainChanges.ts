/**
 * How each change to a guest lands, decided purely from the old and new
 * inputs and whether the guest runs: the class the preview shows and the
 * steps `update` takes.
 *
 * - **live**: applied to the running guest and to its definition (memory up to
 *   `maxMemory` through the balloon, vCPUs up to `maxVcpus` by hot-plug, a
 *   CD-ROM's medium), or
 *   something only deskfleet keeps (autostart, timeouts, waits);
 * - **next boot**: the definition changes; a guest that is not running gets
 *   it when it starts;
 * - **restart**: the definition changes and a running guest needs a restart
 *   for it. Its `restart` policy decides: `never` leaves it running with the
 *   change pending, `allowed` restarts it gracefully; raising
 *   `restartGeneration` restarts it once either way;
 * - **replace**: a new guest (its name or host changed).
 */
import { changedProperties } from "../diff";
import { formatBytes } from "../units";

export type ChangeClass = "live" | "next boot" | "restart" | "replace";

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
  /** Install media: a change of medium in the same drives applies live. */
  cdroms?: readonly unknown[];
}

export interface ChangePlan {
  changes: GuestChange[];
  /** The definition must be written again. */
  redefine: boolean;
  /** Applied to the running guest after the definition (bytes, count, new media). */
  live: { memory?: number; vcpus?: number; cdroms?: true };
  /** Restart now: a change needs it (or was pending) and the policy or a new generation allows it. */
  restartNow: boolean;
  /** What still waits for a restart once `update` is done (empty when it restarts or is off). */
  pendingAfter: string[];
}

/** Kept by deskfleet alone, or applied by it at once: nothing in the definition changes. */
const DESKFLEET_ONLY = new Set([
  "autostart",
  "shutdownTimeout",
  "waitFor",
  "waitTimeout",
  "keepFirmwareState",
  "restart",
  "restartGeneration",
  "running",
]);

/** Properties whose change is a new guest (the Domain kind's replaceOn). */
export const REPLACED_ON = ["uri", "name"];

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
    const words = describe(property, value(olds), value(news));
    if (REPLACED_ON.includes(property)) return { property, class: "replace", words };
    if (DESKFLEET_ONLY.has(property)) return { property, class: "live", words };
    if (!now.active) return { property, class: "next boot", words };
    const why = notLive(property, olds, news, changed);
    if (why === undefined) {
      if (property === "memory") live.memory = news.memory;
      if (property === "vcpus") live.vcpus = news.vcpus;
      if (property === "cdroms") live.cdroms = true;
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
    redefine: changed.some((p) => !DESKFLEET_ONLY.has(p) && !REPLACED_ON.includes(p)),
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
  if (property === "cdroms") {
    // Drives cannot be plugged in or out of a running guest; their media can be changed.
    const same = (olds.cdroms?.length ?? 0) === (news.cdroms?.length ?? 0);
    return same ? undefined : "a CD-ROM drive added or removed";
  }
  return "";
}

/** `memory 2 GiB → 4 GiB`, `machine pc → q35`, `disks changed`. */
function describe(property: string, before: unknown, after: unknown): string {
  const word = (v: unknown): string | undefined => {
    if (v === undefined) return "none";
    if (typeof v === "number") return /memory/i.test(property) ? formatBytes(v) : String(v);
    if (typeof v === "string" || typeof v === "boolean") return String(v);
    return undefined;
  };
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
