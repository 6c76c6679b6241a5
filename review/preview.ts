/**
 * What a review reads from a preview, in one shape whatever it came from: the
 * steps (what happens to each resource, with its old and new inputs), the notes
 * the provider attached to resources (provider/engineLog.ts: the change classes
 * in words), policy findings, and whether the preview failed.
 *
 * Two sources, both the engine's own: `pulumi preview --json` (steps and
 * diagnostics, but no policy events: the JSON digest drops them) and the
 * engine's event log (`--event-log FILE`, one JSON event a line: steps as
 * resourcePreEvents, notes as diagnosticEvents, policy findings as
 * policyEvents). Shapes checked against pulumi v3.259.0's real output
 * (test/unit/review/fixtures/).
 */

export type Props = Record<string, unknown>;

export interface Step {
  /** The engine's op: create, update, replace, delete, same, import, … */
  op: string;
  urn: string;
  /** The resource's type token, e.g. `deskfleet:libvirt:Volume`. */
  type: string;
  /** The resource's Pulumi name (the URN's last part). */
  name: string;
  /** The parent resource's URN. */
  parent?: string;
  /** Inputs before the change (absent on create). */
  olds?: Props;
  /** Inputs after the change (absent on delete). */
  news?: Props;
  /** Properties whose change makes it a replacement. */
  replaceReasons: string[];
}

export interface Note {
  urn?: string;
  severity: string;
  message: string;
}

export interface PolicyFinding {
  urn?: string;
  pack: string;
  policy: string;
  /** mandatory, advisory, remediate, … as the policy pack says. */
  level: string;
  /** What the policy says of itself (its description). */
  description: string;
  /** What it reported about this resource. */
  message: string;
}

export interface PreviewData {
  steps: Step[];
  notes: Note[];
  /** Absent when the source cannot say (the JSON alone drops policy events). */
  policies?: { packs: string[]; findings: PolicyFinding[] };
  failed: boolean;
  /** Error diagnostics, without Pulumi's "preview failed" line. */
  errors: string[];
}

/** Input that is not what `pulumi preview --json` or `--event-log` writes. */
export class ReviewInputError extends Error {
  constructor(
    readonly code: "NOT_JSON" | "NOT_A_PREVIEW" | "NOT_AN_EVENT_LOG",
    message: string,
  ) {
    super(message);
    this.name = "ReviewInputError";
  }
}

/** Steps that are part of another (a replacement's halves) or not a change at all. */
const SKIPPED_OPS = new Set(["refresh", "create-replacement", "delete-replaced", "read"]);

/** A URN's last part: `urn:pulumi:s::p::a$b::name` → `name`. */
export function urnName(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** A URN's type token: the last `$`-separated part of its type. */
export function urnType(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

/** The stack a URN belongs to: `urn:pulumi:<stack>::…`. */
export function urnStack(urn: string): string {
  return urn.split("::")[0]?.split(":")[2] ?? "";
}

const obj = (v: unknown): Props | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Props) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

function step(
  op: string,
  urn: string,
  old: Props | undefined,
  nu: Props | undefined,
  replaceReasons: unknown,
): Step | undefined {
  if (SKIPPED_OPS.has(op)) return undefined;
  const parent = str(nu?.parent) ?? str(old?.parent);
  const olds = obj(old?.inputs);
  const news = obj(nu?.inputs);
  return {
    op,
    urn,
    type: str(nu?.type) ?? str(old?.type) ?? urnType(urn),
    name: urnName(urn),
    ...(parent !== undefined ? { parent } : {}),
    ...(olds !== undefined && old !== undefined ? { olds } : {}),
    ...(news !== undefined && nu !== undefined ? { news } : {}),
    replaceReasons: strings(replaceReasons),
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ReviewInputError("NOT_JSON", `${what}: ${(err as Error).message}`);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const isFailure = (n: Note) => n.severity === "error";
const errorsOf = (notes: Note[]) =>
  notes
    .filter(isFailure)
    .map((n) => n.message.trim().replace(/^error: /, ""))
    .filter((m) => m !== "preview failed");

/** `pulumi preview --json` output. */
export function parsePreviewJson(text: string, what = "preview JSON"): PreviewData {
  const doc = obj(parseJson(text, what));
  if (!doc || !Array.isArray(doc.steps)) {
    throw new ReviewInputError(
      "NOT_A_PREVIEW",
      `${what}: not the output of \`pulumi preview --json\` (no "steps")`,
    );
  }
  const steps = doc.steps.flatMap((s) => {
    const o = obj(s);
    const urn = str(o?.urn);
    if (!o || urn === undefined) return [];
    const made = step(str(o.op) ?? "", urn, obj(o.oldState), obj(o.newState), o.replaceReasons);
    return made ? [made] : [];
  });
  const notes = (Array.isArray(doc.diagnostics) ? doc.diagnostics : []).flatMap((d) => {
    const o = obj(d);
    if (!o) return [];
    const urn = str(o.urn);
    return [
      {
        ...(urn !== undefined ? { urn } : {}),
        severity: str(o.severity) ?? "info",
        message: str(o.message) ?? "",
      },
    ];
  });
  return { steps, notes, failed: notes.some(isFailure), errors: errorsOf(notes) };
}

/** Splits what the engine writes for a policy finding: the policy's description, then its message. */
function splitPolicyMessage(text: string): { description: string; message: string } {
  const lines = text.trim().split("\n");
  return lines.length > 1
    ? { description: lines[0], message: lines.slice(1).join("\n") }
    : { description: "", message: lines[0] ?? "" };
}

/** The engine's event log (`--event-log FILE`): one JSON event a line. */
export function parseEventLog(text: string, what = "event log"): PreviewData {
  const steps: Step[] = [];
  const notes: Note[] = [];
  const findings: PolicyFinding[] = [];
  const packs = new Set<string>();
  let summary: Props | undefined;
  let events = 0;
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    if (events === 0 && isJson(text) && !isJson(line)) {
      throw new ReviewInputError(
        "NOT_AN_EVENT_LOG",
        `${what}: one JSON document, not an engine event a line (\`pulumi preview --json\` output goes to --from)`,
      );
    }
    const e = obj(parseJson(line, `${what}:${i + 1}`));
    if (!e || typeof e.sequence !== "number") {
      throw new ReviewInputError(
        "NOT_AN_EVENT_LOG",
        `${what}:${i + 1}: not an engine event (written by \`pulumi preview --event-log FILE\`)`,
      );
    }
    events++;
    const pre = obj(obj(e.resourcePreEvent)?.metadata);
    const urn = str(pre?.urn);
    if (pre && urn !== undefined) {
      const made = step(str(pre.op) ?? "", urn, obj(pre.old), obj(pre.new), pre.keys);
      if (made) steps.push(made);
    }
    const diag = obj(e.diagnosticEvent);
    if (diag && diag.severity !== "debug") {
      const durn = str(diag.urn);
      notes.push({
        ...(durn !== undefined ? { urn: durn } : {}),
        severity: str(diag.severity) ?? "info",
        message: str(diag.message) ?? "",
      });
    }
    const policy = obj(e.policyEvent);
    if (policy) {
      const purn = str(policy.resourceUrn);
      const pack = str(policy.policyPackName) ?? "";
      packs.add(pack);
      findings.push({
        ...(purn !== undefined && purn !== "" ? { urn: purn } : {}),
        pack,
        policy: str(policy.policyName) ?? "",
        level: str(policy.enforcementLevel) ?? "advisory",
        ...splitPolicyMessage(str(policy.message) ?? ""),
      });
    }
    summary = obj(e.summaryEvent) ?? summary;
  });
  if (events === 0) {
    throw new ReviewInputError("NOT_AN_EVENT_LOG", `${what}: no engine events in it`);
  }
  for (const key of Object.keys(obj(summary?.PolicyPacks) ?? {})) packs.add(key.split("|")[0]);
  const failed = summary ? summary.result === "failed" : true;
  return {
    steps,
    notes,
    policies: { packs: [...packs].filter((p) => p !== "").sort(), findings },
    failed: failed || notes.some(isFailure),
    errors: [...errorsOf(notes), ...(summary ? [] : ["the preview did not finish"])],
  };
}

/**
 * One preview from the JSON and the event log of the same run. The event log
 * is the fuller record (the JSON leaves out unchanged resources, which the
 * diagram draws, and every policy finding), so it wins; the JSON alone still
 * gives every change and note.
 */
export function combine(json: PreviewData | undefined, events: PreviewData | undefined) {
  if (events !== undefined) return events;
  if (json !== undefined) return json;
  throw new ReviewInputError("NOT_A_PREVIEW", "a review needs a preview's JSON or event log");
}
