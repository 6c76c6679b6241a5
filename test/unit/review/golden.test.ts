/**
 * The review's Markdown for each scenario (scenarios.ts), compared with the
 * golden files in golden/: what a reviewer reads, read once by a person and
 * then held still. `UPDATE_GOLDEN=1 npx jest test/unit/review` writes them
 * anew; the diff is then the change to review.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { reviewMarkdown } from "../../../review/markdown";
import { reviewStack } from "../../../review/model";
import { SCENARIOS } from "./scenarios";

const fileOf = (name: string) =>
  join(__dirname, "golden", `${name.replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "")}.md`);

it.each(Object.keys(SCENARIOS))("%s", (name) => {
  const { stack, data, text, hostNames } = SCENARIOS[name];
  const markdown = reviewMarkdown([reviewStack(stack, data, text, hostNames)]);
  const file = fileOf(name);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) writeFileSync(file, markdown);
  expect(markdown).toBe(readFileSync(file, "utf8"));
});

it("Pulumi's text is cut to share the comment's room between stacks, and says so", () => {
  const { data } = SCENARIOS["no changes"];
  const long = `${"x".repeat(29_999)}\n`;
  const markdown = reviewMarkdown([
    reviewStack("desk", data, long),
    reviewStack("laptop", data, "short\n"),
  ]);
  const texts = [...markdown.matchAll(/<pre>([\s\S]*?)<\/pre>/g)].map((m) => m[1]);
  expect(texts).toEqual([
    `${"x".repeat(20_000)}\n… (10000 more characters: see the preview&#39;s own log)`,
    "short",
  ]);
});
