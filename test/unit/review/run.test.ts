/**
 * `deskfleet review` running previews, against a stand-in for pulumi that
 * records how it was run and writes the engine's event log it was asked for
 * (a real one, fixtures/): the arguments and environment of each preview, the
 * text kept, and a preview that wrote no events. The e2e test runs the real CLI.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reviewCommand } from "../../../cli/review";

const FIXTURES = join(__dirname, "fixtures");

/** A `pulumi` that records its arguments and env per stack, then acts as the stack's name says. */
const FAKE = `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
const stack = args[args.indexOf("--stack") + 1];
const env = process.env;
fs.writeFileSync(process.cwd() + "/ran-" + stack + ".json", JSON.stringify({ args, env: {
  debug: env.PULUMI_DEBUG_COMMANDS, backend: env.PULUMI_BACKEND_URL,
  passphrase: env.PULUMI_CONFIG_PASSPHRASE, path0: env.PATH.split(":")[0] } }));
if (stack === "broken") { process.stderr.write("error: no stack named 'broken' found\\n"); process.exit(255); }
const real = fs.readFileSync(${JSON.stringify(FIXTURES)} + "/" + (stack === "clean" ? "create" : "update") + ".events.jsonl", "utf8");
// "clean": the create without its policy violation, as a preview that succeeded.
const log = stack !== "clean" ? real : real.split("\\n")
  .filter((l) => !l.includes('"policyEvent"') && !l.includes('"severity": "error"'))
  .join("\\n").replace('"result": "failed"', '"result": "succeeded"');
fs.writeFileSync(args[args.indexOf("--event-log") + 1], log);
process.stdout.write("Previewing update (" + stack + "):\\n");
process.exit(stack === "clean" ? 0 : 1);
`;

let dir: string;
let pulumi: string;
const backend = process.env.PULUMI_BACKEND_URL;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "test-review-run-"));
  mkdirSync(join(dir, "bin"));
  pulumi = join(dir, "bin", "pulumi");
  writeFileSync(pulumi, FAKE);
  chmodSync(pulumi, 0o755);
  mkdirSync(join(dir, "policies"));
  writeFileSync(join(dir, "policies", "PulumiPolicy.yaml"), "runtime: nodejs\n");
  delete process.env.PULUMI_BACKEND_URL;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (backend !== undefined) process.env.PULUMI_BACKEND_URL = backend;
});

const options = (stacks: string[], pulumiArgs: string[] = []) => ({
  stacks,
  from: [],
  eventLogs: [],
  texts: [],
  policyPacks: [],
  pulumiArgs,
  pulumi,
  cwd: dir,
  out: join(dir, "review.md"),
});

function capture() {
  const err: string[] = [];
  return { io: { out: () => undefined, err: (t: string) => err.push(t) }, err };
}

const ran = (stack: string) =>
  JSON.parse(readFileSync(join(dir, `ran-${stack}.json`), "utf8")) as {
    args: string[];
    env: Record<string, string>;
  };

it("runs one preview per stack with the event log, the project's policy pack and the extra arguments", async () => {
  const { io, err } = capture();
  const code = await reviewCommand(options(["clean", "desk"], ["--config", "a=b"]), io);
  expect(code).toBe(1);
  expect(err).toEqual(["deskfleet review: the preview of desk failed (the review says why)\n"]);
  for (const stack of ["clean", "desk"]) {
    const { args, env } = ran(stack);
    const log = args[args.indexOf("--event-log") + 1];
    expect(log).toMatch(/\/deskfleet-review-[^/]+\/events\.jsonl$/);
    expect(args).toEqual([
      ...["preview", "--diff", "--non-interactive", "--color", "never", "--stack", stack],
      ...["--event-log", log, "--policy-pack", join(dir, "policies"), "--config", "a=b"],
    ]);
    expect(env).toEqual({
      debug: "true",
      backend: `file://${join(dir, ".state")}`,
      passphrase: process.env.PULUMI_CONFIG_PASSPHRASE ?? "",
      path0: join(dir, "bin"),
    });
  }
  const review = readFileSync(join(dir, "review.md"), "utf8");
  expect(review.match(/^### Stack .*$/gm)).toEqual(["### Stack clean", "### Stack desk"]);
  expect(review).toContain("### Stack clean\n\nChanges: 6 to create.\n");
  expect(review).toContain("No violations (policy packs: deskfleet).");
  expect(review).toContain("<pre>Previewing update (desk):</pre>");
});

it("a preview that wrote no events is an error that says what pulumi said", async () => {
  const { io } = capture();
  await expect(reviewCommand(options(["broken"]), io)).rejects.toThrow(
    `pulumi preview of stack "broken" did not run: error: no stack named 'broken' found`,
  );
});

it("a stack's policy config (stacks/policy.<stack>.json) goes with its preview, and only its", async () => {
  mkdirSync(join(dir, "stacks"));
  writeFileSync(join(dir, "stacks", "policy.desk.json"), '{ "memory-budget": "advisory" }\n');
  await reviewCommand(options(["clean", "desk"]), capture().io);
  const config = join(dir, "stacks", "policy.desk.json");
  expect(ran("desk").args.slice(-2)).toEqual(["--policy-pack-config", config]);
  expect(ran("clean").args).not.toContain("--policy-pack-config");
});
