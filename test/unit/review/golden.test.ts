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
  const { stack, data, text } = SCENARIOS[name];
  const markdown = reviewMarkdown([reviewStack(stack, data, text)]);
  const file = fileOf(name);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) writeFileSync(file, markdown);
  expect(markdown).toBe(readFileSync(file, "utf8"));
});
