/**
 * Every diagram a review draws is parsed by the real `mermaid` package (the
 * parser GitHub's renderer runs before drawing; test/support/mermaidParse.mjs),
 * so a diagram that would show as an error box in a comment fails here.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { FleetGraph } from "../../../review/graph";
import { fleetFlowchart, mermaidText } from "../../../review/mermaid";
import { reviewStack } from "../../../review/model";
import { SCENARIOS } from "./scenarios";

// One Node process for mermaid with jsdom takes a second or two.
jest.setTimeout(60_000);

type Parsed = { ok: true; type: string } | { ok: false; error: string };

function parseAll(diagrams: string[]): Parsed[] {
  const out = execFileSync(process.execPath, [join(__dirname, "../../support/mermaidParse.mjs")], {
    input: JSON.stringify(diagrams),
    encoding: "utf8",
  });
  return JSON.parse(out) as Parsed[];
}

const hostile = '<script>"x"</script> ]) }} --> end; class #1; `md` & \' | [link]';
const HOSTILE: FleetGraph = {
  hosts: ["qemu+ssh://me@host/system?keyfile=/a b", hostile],
  nodes: [
    { id: "n0", kind: "guest", host: hostile, label: hostile, status: "added" },
    { id: "n1", kind: "network", host: hostile, label: `network ${hostile}`, status: "removed" },
    { id: "n2", kind: "disk", host: hostile, label: `${hostile} 1 GiB`, status: "changed" },
    {
      id: "n3",
      kind: "guest",
      host: "qemu+ssh://me@host/system?keyfile=/a b",
      label: "plain",
      status: "same",
    },
  ],
  edges: [
    { from: "n0", to: "n1", removed: true },
    { from: "n0", to: "n2", removed: false },
  ],
};

const scenarioDiagrams = Object.entries(SCENARIOS)
  .map(([name, { stack, data }]) => [name, reviewStack(stack, data).graph] as const)
  .filter(([, graph]) => graph.nodes.length > 0)
  .map(([name, graph]) => [name, fleetFlowchart(graph)] as const);

const BROKEN = 'flowchart LR\n  n0["unclosed label]\n  n0 --- n1\n';
/** The hostile diagram with its labels as they are, unescaped: what the escaping prevents. */
const UNESCAPED = fleetFlowchart(HOSTILE).split(mermaidText(hostile)).join(hostile);

let results: Parsed[];
beforeAll(() => {
  results = parseAll([
    ...scenarioDiagrams.map(([, d]) => d),
    fleetFlowchart(HOSTILE),
    BROKEN,
    UNESCAPED,
  ]);
});

it("draws a diagram for every scenario that has a fleet", () => {
  expect(scenarioDiagrams.length).toBeGreaterThanOrEqual(10);
});

it.each(scenarioDiagrams.map(([name], i) => [name, i] as const))(
  "the diagram of %s is a flowchart mermaid parses",
  (_name, i) => {
    expect(results[i]).toEqual({ ok: true, type: "flowchart-v2" });
  },
);

it("names full of Mermaid's and HTML's syntax still make a diagram mermaid parses", () => {
  expect(results[scenarioDiagrams.length]).toEqual({ ok: true, type: "flowchart-v2" });
});

it("a broken diagram fails to parse (the check is not vacuous)", () => {
  const broken = results[scenarioDiagrams.length + 1];
  expect(broken.ok).toBe(false);
  expect(broken.ok ? "" : broken.error).toMatch(/^Parse error on line \d+/);
});

it("the same names unescaped break the diagram (the escaping is what keeps it whole)", () => {
  expect(results[scenarioDiagrams.length + 2].ok).toBe(false);
});

it.each([
  ["demo-1.qcow2 (16 MiB)", "demo-1.qcow2 (16 MiB)"],
  ['a"b', "a#34;b"],
  ["<b>", "#60;b#62;"],
  ["x]y", "x#93;y"],
  ["a|b", "a#124;b"],
  ["→", "#8594;"],
])("mermaidText(%j) is %j", (text, label) => {
  expect(mermaidText(text)).toBe(label);
});

it("the flowchart puts each host in a subgraph and styles added, changed and removed apart", () => {
  const lines = fleetFlowchart(HOSTILE).split("\n");
  expect(lines.filter((l) => /^\s*(subgraph|end|class |n0 )/.test(l))).toEqual([
    '  subgraph h0["host qemu+ssh://me#64;host/system#63;keyfile#61;/a b"]',
    "  end",
    `  subgraph h1["host ${mermaidText(hostile)}"]`,
    "  end",
    "  n0 -.- n1",
    "  n0 --- n2",
    "  class n0 added",
    "  class n2 changed",
    "  class n1 removed",
  ]);
  expect(lines).toContain(`    n1{{"network ${mermaidText(hostile)} (removed)"}}`);
  expect(lines).toContain(`    n2[("${mermaidText(hostile)} 1 GiB (changed)")]`);
});
