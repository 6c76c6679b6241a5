// Parses Mermaid diagrams with the real `mermaid` package, as GitHub's renderer
// would before drawing them: JSON list of diagram texts on stdin, a JSON list of
// { ok, type } or { ok: false, error } on stdout. A separate Node process
// because mermaid is ESM only (jest runs tests as CommonJS); jsdom gives it the
// DOM its label sanitizer (DOMPurify) needs even to parse.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const { window } = new JSDOM("");
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");

const results = [];
for (const text of JSON.parse(readFileSync(0, "utf8"))) {
  try {
    const parsed = await mermaid.parse(text);
    results.push({ ok: true, type: parsed.diagramType });
  } catch (err) {
    results.push({ ok: false, error: String(err?.message ?? err) });
  }
}
process.stdout.write(JSON.stringify(results));
