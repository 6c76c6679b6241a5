/**
 * The fleet graph (graph.ts) as a Mermaid flowchart, for GitHub to draw in a
 * comment: a subgraph per host; networks as hexagons, guests as boxes, disks as
 * cylinders; added, changed and removed items in classes of their own (and
 * named so in their labels, for readers who do not see colours).
 */
import type { FleetGraph, GraphNode, Status } from "./graph";

/**
 * Text for a quoted Mermaid label: every character that could end the label or
 * be read as markup becomes Mermaid's entity code (`#60;` for `<`), which it
 * draws as the character itself.
 */
export function mermaidText(text: string): string {
  return [...text]
    .map((c) => (/[A-Za-z0-9 ._,:/+\-()]/.test(c) ? c : `#${c.codePointAt(0)};`))
    .join("");
}

const SHAPES: Record<GraphNode["kind"], [string, string]> = {
  network: ["{{", "}}"],
  guest: ["[", "]"],
  disk: ["[(", ")]"],
};

const MARKS: Record<Status, string> = {
  added: " (new)",
  changed: " (changed)",
  removed: " (removed)",
  same: "",
};

/** GitHub's own colours for additions, changes and deletions in diffs. */
const CLASS_DEFS = [
  "classDef added fill:#dafbe1,stroke:#1a7f37,color:#116329",
  "classDef changed fill:#fff8c5,stroke:#9a6700,color:#7d4e00",
  "classDef removed fill:#ffebe9,stroke:#cf222e,color:#a40e26,stroke-dasharray:5 3",
];

/** `label` names a host (by URI) in its subgraph's title. */
export function fleetFlowchart(
  graph: FleetGraph,
  label: (uri: string) => string = (uri) => uri,
): string {
  const lines = ["flowchart LR"];
  graph.hosts.forEach((host, i) => {
    lines.push(`  subgraph h${i}["${mermaidText(`host ${label(host)}`)}"]`);
    for (const node of graph.nodes.filter((n) => n.host === host)) {
      const [open, close] = SHAPES[node.kind];
      lines.push(`    ${node.id}${open}"${mermaidText(node.label + MARKS[node.status])}"${close}`);
    }
    lines.push("  end");
  });
  for (const edge of graph.edges) {
    lines.push(`  ${edge.from} ${edge.removed ? "-.-" : "---"} ${edge.to}`);
  }
  lines.push(...CLASS_DEFS.map((d) => `  ${d}`));
  for (const status of ["added", "changed", "removed"] as const) {
    const ids = graph.nodes.filter((n) => n.status === status).map((n) => n.id);
    if (ids.length > 0) lines.push(`  class ${ids.join(",")} ${status}`);
  }
  return `${lines.join("\n")}\n`;
}
