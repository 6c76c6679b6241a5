/**
 * Draws Mermaid diagrams the way a pull-request page does: in a browser.
 * Headless Chromium (Debian's package) opens a page of our own that runs the
 * real mermaid bundle (node_modules/mermaid/dist/mermaid.min.js) on each
 * diagram and writes what it drew into the page, which Chromium then dumps.
 * Parsing (mermaidParse.mjs) catches syntax; drawing also catches what only
 * layout finds: a label that will not measure, an edge to nowhere, a style
 * that does not apply.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./host";

export type Drawn =
  | {
      ok: true;
      /** Shapes drawn (Mermaid's `g.node`). */
      nodes: number;
      /** Shapes drawn with each class (`class n1,n2 added`). */
      styled: Record<string, number>;
      width: number;
      height: number;
    }
  | { ok: false; error: string };

const MERMAID = join(REPO_ROOT, "node_modules", "mermaid", "dist", "mermaid.min.js");
const CLASSES = ["added", "changed", "removed"];

/** The page: the diagrams as JSON, drawn one by one; the results base64 JSON in #out. */
function page(diagrams: string[], visible: boolean): string {
  const data = JSON.stringify(diagrams).replace(/</g, "\\u003c");
  return `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#fff">
<div id="drawing"></div><pre id="out"></pre>
<script id="diagrams" type="application/json">${data}</script>
<script src="file://${MERMAID}"></script>
<script>
(async () => {
  const diagrams = JSON.parse(document.getElementById("diagrams").textContent);
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
  const results = [];
  for (const [i, text] of diagrams.entries()) {
    const box = document.createElement("div");
    document.getElementById("drawing").appendChild(box);
    try {
      const { svg } = await mermaid.render("d" + i, text);
      box.innerHTML = svg;
      const el = box.querySelector("svg");
      const bb = el.getBBox();
      const styled = {};
      for (const c of ${JSON.stringify(CLASSES)}) styled[c] = el.querySelectorAll("g.node." + c).length;
      results.push({ ok: true, nodes: el.querySelectorAll("g.node").length, styled,
        width: Math.round(bb.width), height: Math.round(bb.height) });
      if (!${visible}) box.remove();
    } catch (e) {
      results.push({ ok: false, error: String(e && e.message || e) });
      box.remove();
    }
  }
  const json = JSON.stringify(results);
  document.getElementById("out").textContent = btoa(unescape(encodeURIComponent(json)));
  if (${visible}) document.getElementById("out").remove();
})();
</script></body></html>`;
}

/** Runs Chromium on the page with `args`; returns its stdout. */
function chromium(html: string, args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "deskfleet-mermaid-"));
  try {
    const file = join(dir, "page.html");
    writeFileSync(file, html);
    return execFileSync(
      "chromium",
      [
        "--headless",
        "--no-sandbox", // tests run as root, where Chromium's sandbox will not start
        "--disable-gpu",
        "--allow-file-access-from-files",
        `--user-data-dir=${join(dir, "profile")}`,
        // Virtual time: the page's scripts run to the end before the dump, however slow the machine.
        "--virtual-time-budget=60000",
        ...args,
        `file://${file}`,
      ],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Draws each diagram; one result per diagram, in order. */
export function renderMermaid(diagrams: string[]): Drawn[] {
  const dom = chromium(page(diagrams, false), ["--dump-dom"]);
  const out = /<pre id="out">([A-Za-z0-9+/=]*)<\/pre>/.exec(dom)?.[1];
  if (!out) throw new Error(`the page did not finish drawing:\n${dom.slice(0, 2000)}`);
  return JSON.parse(Buffer.from(out, "base64").toString("utf8")) as Drawn[];
}

/** Draws one diagram into a PNG of its own size (README's sample). */
export function screenshotMermaid(diagram: string, png: string): void {
  const [drawn] = renderMermaid([diagram]);
  if (!drawn.ok) throw new Error(`the diagram does not draw: ${drawn.error}`);
  const size = `--window-size=${drawn.width + 8},${drawn.height + 8}`;
  chromium(page([diagram], true), [`--screenshot=${png}`, size, "--hide-scrollbars"]);
}
