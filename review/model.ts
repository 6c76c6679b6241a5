/**
 * One stack's preview as a review: its rows per host, its alerts, its policy
 * findings per resource, the fleet graph after the change and Pulumi's own
 * text. Pure: markdown.ts and mermaid.ts write it out.
 */
import type { FleetGraph } from "./graph";
import { fleetGraph } from "./graph";
import type { PolicyFinding, PreviewData, Step } from "./preview";
import { urnName, urnType } from "./preview";
import type { Alert, AlertKind, Row } from "./rows";
import { DOMAIN, VOLUME, diskName, guestOf, subjectOf } from "./kinds";
import { describeStep } from "./rows";

export interface Finding extends PolicyFinding {
  /** `guest demo, disk data`, `network lan`: the resource in a reviewer's words. */
  subject: string;
}

export interface StackReview {
  stack: string;
  failed: boolean;
  errors: string[];
  /** How many resources each op touches: `{ create: 4, delete: 1 }`. */
  counts: Record<string, number>;
  hosts: { uri: string; rows: Row[] }[];
  alerts: Alert[];
  /** Absent when nothing said which policies ran (the preview JSON alone). */
  policies?: { packs: string[]; findings: Finding[] };
  graph: FleetGraph;
  /** Pulumi's own text of the preview, when there is one. */
  text?: string;
  /** The fleet's names of its hosts (`hosts: { desk: URI }`), by URI; {} when not known. */
  hostNames: Readonly<Record<string, string>>;
}

/** A host as a reviewer knows it: `desk (qemu:///system)` where the fleet names it, else its URI. */
export function hostLabel(uri: string, names: Readonly<Record<string, string>>): string {
  const name = Object.hasOwn(names, uri) ? names[uri] : undefined;
  return name !== undefined ? `${name} (${uri})` : uri;
}

/** The resource a finding or note names, in a reviewer's words. */
function subjectOfUrn(urn: string | undefined, steps: readonly Step[]): string {
  if (urn === undefined) return "the stack";
  const st = steps.find((s) => s.urn === urn);
  const subject = st ? subjectOf(st) : undefined;
  // A resource the preview has no step for: its name, and its kind where it is a guest's.
  if (!st || subject === undefined) {
    return urnType(urn) === DOMAIN ? `guest ${urnName(urn)}` : urnName(urn);
  }
  const guest = guestOf(st);
  return st.type === VOLUME && guest !== undefined
    ? `${subject}, disk ${diskName(st, guest)}`
    : subject;
}

/** Alerts come gravest first; every kind has its place (a new kind will not compile without one). */
const ALERT_RANK: Record<AlertKind, number> = {
  "deletes data": 0,
  removes: 1,
  replaces: 2,
  rebuilds: 3,
  moves: 4,
  restarts: 5,
};
const OP_ORDER = ["create", "import", "update", "replace", "delete"];

export function reviewStack(
  stack: string,
  preview: PreviewData,
  text?: string,
  hostNames: Readonly<Record<string, string>> = {},
): StackReview {
  const rows: Row[] = [];
  const alerts: Alert[] = [];
  const counts: Record<string, number> = {};
  for (const st of preview.steps) {
    const notes = preview.notes.filter((n) => n.urn === st.urn && n.severity !== "error");
    const described = describeStep(st, notes);
    rows.push(...described.rows);
    alerts.push(...described.alerts);
    if (subjectOf(st) !== undefined && OP_ORDER.includes(st.op)) {
      counts[st.op] = (counts[st.op] ?? 0) + 1;
    }
  }
  const uris = [...new Set(rows.map((r) => r.host))].sort();
  const bySubject = (a: Row, b: Row) =>
    Number(a.guest === undefined) - Number(b.guest === undefined) ||
    a.subject.localeCompare(b.subject) ||
    Number(a.type !== DOMAIN) - Number(b.type !== DOMAIN);
  return {
    stack,
    failed: preview.failed,
    errors: preview.errors,
    counts,
    hosts: uris.map((uri) => ({
      uri,
      // Stable: a subject's rows keep the order the preview gave them.
      rows: rows.filter((r) => r.host === uri).sort(bySubject),
    })),
    alerts: alerts.sort((a, b) => ALERT_RANK[a.kind] - ALERT_RANK[b.kind]),
    ...(preview.policies
      ? {
          policies: {
            packs: preview.policies.packs,
            findings: preview.policies.findings.map((f) => ({
              ...f,
              subject: subjectOfUrn(f.urn, preview.steps),
            })),
          },
        }
      : {}),
    hostNames,
    graph: fleetGraph(preview.steps),
    ...(text !== undefined ? { text } : {}),
  };
}

/** Counts in words, in the order a change happens: `Changes: 4 to create, 1 to delete`. */
export function countsInWords(counts: Record<string, number>): string {
  const words = OP_ORDER.filter((op) => (counts[op] ?? 0) > 0).map(
    (op) => `${counts[op]} to ${op === "import" ? "adopt" : op}`,
  );
  return words.length > 0 ? `Changes: ${words.join(", ")}` : "No changes";
}
