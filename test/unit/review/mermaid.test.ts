/**
 * Every diagram a review draws is parsed by the real `mermaid` package (the
 * parser GitHub's renderer runs before drawing; test/support/mermaidParse.mjs),
 * and drawn by it in headless Chromium (test/support/mermaidRender.ts), so a
 * diagram that would show as an error box in a comment fails here.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { FleetGraph } from "../../../review/graph";
import { fleetFlowchart, mermaidText } from "../../../review/mermaid";
import { hostLabel, reviewStack } from "../../../review/model";
import { SCENARIOS } from "./scenarios";
import { renderMermaid } from "../../support/mermaidRender";
import type { Drawn } from "../../support/mermaidRender";

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

/** Each scenario's diagram as its review draws it (hosts named where the fleet names them). */
const scenarioDiagrams = Object.entries(SCENARIOS)
  .map(
    ([name, { stack, data, hostNames }]) =>
      [name, reviewStack(stack, data, "", hostNames)] as const,
  )
  .filter(([, review]) => review.graph.nodes.length > 0)
  .map(
    ([name, review]) =>
      [name, fleetFlowchart(review.graph, (uri) => hostLabel(uri, review.hostNames))] as const,
  );

const BROKEN = 'flowchart LR\n  n0["unclosed label]\n  n0 --- n1\n';
/** The hostile diagram with its labels as they are, unescaped: what the escaping prevents. */
const UNESCAPED = fleetFlowchart(HOSTILE).split(mermaidText(hostile)).join(hostile);

let results: Parsed[];
let drawn: Drawn[];
beforeAll(() => {
  const all = [...scenarioDiagrams.map(([, d]) => d), fleetFlowchart(HOSTILE), BROKEN, UNESCAPED];
  results = parseAll(all);
  drawn = renderMermaid(all);
});

/** What a diagram declares: its shapes, and how many of them each class styles. */
function declared(diagram: string) {
  const lines = diagram.split("\n");
  const styled = { added: 0, changed: 0, removed: 0 };
  for (const line of lines) {
    const m = /^\s*class (\S+) (added|changed|removed)$/.exec(line);
    if (m) styled[m[2] as keyof typeof styled] += m[1].split(",").length;
  }
  return { nodes: lines.filter((l) => /^\s+n\d+[[({]/.test(l)).length, styled };
}

it("draws a diagram for every scenario that has a fleet", () => {
  expect(scenarioDiagrams.length).toBeGreaterThanOrEqual(10);
});

it.each(scenarioDiagrams.map(([name], i) => [name, i] as const))(
  "the diagram of %s is a flowchart mermaid parses",
  (_name, i) => {
    expect(results[i]).toEqual({ ok: true, type: "flowchart-v2" });
  },
);

it.each(scenarioDiagrams.map(([name, diagram], i) => [name, diagram, i] as const))(
  "the diagram of %s draws in Chromium: every shape, each styled as declared",
  (_name, diagram, i) => {
    const d = drawn[i];
    expect(d).toMatchObject({ ok: true, ...declared(diagram) });
    expect(d.ok && d.width > 0 && d.height > 0).toBe(true);
  },
);

it("the hostile names draw too; the broken and unescaped diagrams do not", () => {
  const n = scenarioDiagrams.length;
  expect(drawn[n]).toMatchObject({ ok: true, ...declared(fleetFlowchart(HOSTILE)) });
  const broken = drawn[n + 1];
  expect(broken.ok ? "drew" : broken.error).toMatch(/Parse error/);
  expect(drawn[n + 2].ok).toBe(false);
});

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
