/**
 * Reviews (model.ts) as the Markdown of one pull-request comment: first, in
 * bold, what deletes data, replaces, rebuilds, moves or restarts a guest, what a
 * mandatory policy stops and which previews failed; then per stack a table per
 * host (guest, what changes, its class), the policy findings, the fleet after
 * the change as a Mermaid flowchart, and Pulumi's own text folded away. Every
 * name and message is escaped (escape.ts).
 */
import { html, md } from "./escape";
import { fleetFlowchart } from "./mermaid";
import type { StackReview } from "./model";
import { countsInWords, hostLabel } from "./model";
import type { AlertKind } from "./rows";

/** The comment's first line: a workflow finds its earlier comment by it. */
export const MARKER = "<!-- deskfleet-review -->";

/**
 * Pulumi's text of all stacks together is cut to this, shared equally: a comment holds 65,536
 * characters in all, and the rest of the review needs room too.
 */
export const MAX_TEXT = 40_000;

const ALERT_WORDS: Record<AlertKind, string> = {
  "deletes data": "Deletes data",
  removes: "Removes a guest",
  replaces: "Replaces a guest",
  rebuilds: "Rebuilds a guest",
  moves: "Moves a guest",
  restarts: "Restarts a running guest",
};

const where = (r: StackReview, host?: string) =>
  `stack ${md(r.stack)}${host !== undefined ? `, host ${md(hostLabel(host, r.hostNames))}` : ""}`;

/** The bold lines at the top, over every stack. */
function attention(reviews: readonly StackReview[]): string[] {
  const lines = reviews.flatMap((r) => [
    ...r.errors.map((e) => `- **The preview failed: ${md(e)}** (${where(r)})`),
    ...r.alerts.map((a) => `- **${ALERT_WORDS[a.kind]}: ${md(a.text)}** (${where(r, a.host)})`),
    ...(r.policies?.findings ?? [])
      .filter((f) => f.level === "mandatory")
      .map(
        (f) =>
          `- **Policy ${md(f.policy)} stops this change: ${md(f.subject)}: ${md(f.message)}** (${where(r)})`,
      ),
  ]);
  return lines.length > 0
    ? lines
    : ["Nothing here deletes data, removes, replaces, rebuilds, moves or restarts a guest."];
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

function hostSections(r: StackReview): string[] {
  if (r.hosts.length === 0) return ["No guest, network or pool changes.", ""];
  return r.hosts.flatMap((h) => [
    `#### Host ${md(hostLabel(h.uri, r.hostNames))}`,
    "",
    ...table(
      ["guest", "what changes", "class"],
      h.rows.map((row) => [
        md(row.guest ?? row.subject),
        md(row.what),
        row.class === "deletes data" ? `**${row.class}**` : row.class,
      ]),
    ),
    "",
  ]);
}

function policySection(r: StackReview): string[] {
  const head = "#### Policies";
  if (!r.policies) {
    return [head, "", "Not checked here: policy findings come from the preview's event log."];
  }
  const packs = r.policies.packs.map(md).join(", ");
  if (r.policies.findings.length === 0) {
    return [
      head,
      "",
      packs === "" ? "No policy pack ran." : `No violations (policy packs: ${packs}).`,
    ];
  }
  return [
    head,
    "",
    ...table(
      ["resource", "policy", "level", "message"],
      r.policies.findings.map((f) => [md(f.subject), md(f.policy), md(f.level), md(f.message)]),
    ),
  ];
}

function diagram(r: StackReview): string[] {
  if (r.graph.nodes.length === 0) return [];
  return [
    "#### The fleet after the change",
    "",
    "```mermaid",
    fleetFlowchart(r.graph, (uri) => hostLabel(uri, r.hostNames)).trimEnd(),
    "```",
    "",
    "<sub>green: new · yellow: changed · red, dashed: removed</sub>",
  ];
}

/** Escape sequences of a terminal (colours), which a comment would show as text. */
const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*[A-Za-z]`, "g");

function details(r: StackReview, budget: number): string[] {
  if (r.text === undefined) return [];
  const clean = r.text.replace(ANSI, "");
  const cut =
    clean.length > budget
      ? `${clean.slice(0, budget)}\n… (${clean.length - budget} more characters: see the preview's own log)`
      : clean;
  return [
    `<details><summary>Pulumi's preview of ${html(r.stack)}</summary>`,
    "",
    `<pre>${html(cut.trimEnd())}</pre>`,
    "",
    "</details>",
  ];
}

/** Why the preview failed, when it did: a mandatory policy, or errors (listed at the top). */
function outcome(r: StackReview): string {
  if (!r.failed) return "";
  if (r.errors.length > 0) return "The preview failed (see above). ";
  const stopped = r.policies?.findings.some((f) => f.level === "mandatory") ?? false;
  return stopped ? "A mandatory policy stops this change. " : "The preview failed. ";
}

function stackSection(r: StackReview, budget: number): string[] {
  return [
    `### Stack ${md(r.stack)}`,
    "",
    `${outcome(r)}${countsInWords(r.counts)}.`,
    "",
    ...hostSections(r),
    ...policySection(r),
    "",
    ...diagram(r),
    "",
    ...details(r, budget),
  ];
}

/** The comment for `reviews`, one per stack. */
export function reviewMarkdown(reviews: readonly StackReview[]): string {
  const lines = [
    MARKER,
    "## deskfleet review",
    "",
    ...attention(reviews),
    "",
    ...reviews.flatMap((r) => [
      ...stackSection(r, Math.floor(MAX_TEXT / Math.max(1, reviews.length))),
      "",
    ]),
  ];
  // One blank line at most between blocks, one newline at the end.
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}
