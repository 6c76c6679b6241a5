/**
 * README's sample comment is what `deskfleet review` writes for the real
 * preview in fixtures/ (names changed there for the reader, Pulumi's text cut
 * short): it cannot drift from the command.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { reviewMarkdown } from "../../../review/markdown";
import { reviewStack } from "../../../review/model";
import { parseEventLog } from "../../../review/preview";
import { fixture } from "./scenarios";
import { REPO_ROOT } from "../../support/host";
import { renderMermaid } from "../../support/mermaidRender";

const NAMES: [RegExp, string][] = [
  [/test-revp-app/g, "debian-13"],
  [/test-revp-pool/g, "deskfleet"],
  [/test-revp-net/g, "lan"],
  [/test-revp-a/g, "mail"],
  [/test-revp-b/g, "scratch"],
  [/test-revp-c/g, "dev"],
  [/test-revp/g, "laptop"],
];
const renamed = (text: string) => NAMES.reduce((t, [from, to]) => t.replace(from, to), text);

it("README's sample comment is the review of the real preview in fixtures/", () => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const sample = /<!-- prettier-ignore -->\n````markdown\n([\s\S]*?\n)````\n/.exec(readme)?.[1];
  const text = `${fixture("update.preview.txt").split("\n").slice(0, 12).join("\n")}\n    …\n`;
  const review = reviewMarkdown([
    reviewStack("laptop", parseEventLog(renamed(fixture("update.events.jsonl"))), renamed(text)),
  ]);
  expect(sample).toBe(review);
});

it("README's sample diagram draws in Chromium, every shape, as its image shows", () => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const diagram = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const [drawn] = renderMermaid([diagram]);
  expect(drawn).toMatchObject({
    ok: true,
    nodes: 10,
    styled: { added: 3, changed: 3, removed: 1 },
  });
  expect(readme).toContain("](review/sample-diagram.png)");
  expect(existsSync(join(REPO_ROOT, "review", "sample-diagram.png"))).toBe(true);
});
