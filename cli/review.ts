/**
 * `deskfleet review`: the Markdown of a pull-request comment about the
 * previews of one or more stacks (review/ writes it).
 *
 * With no `--from` or `--event-log`, it runs `pulumi preview --diff` of each
 * stack in the project folder (the working directory) once, with the policy
 * packs and the engine's event log (`--event-log`, which the engine offers
 * when PULUMI_DEBUG_COMMANDS is set, as Pulumi's Automation API does): the
 * event log gives every step, note and policy finding, the text goes in the
 * comment as it is. One run, so the text and the review cannot disagree.
 * Otherwise it reads previews made elsewhere: `--from` a `pulumi preview --json`
 * output and/or `--event-log` the engine's event log of that run, `--text` its
 * text, paired in the order given.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Io } from "../snapshots/commands";
import { Exit } from "../snapshots/commands";
import { reviewMarkdown } from "../review/markdown";
import type { StackReview } from "../review/model";
import { reviewStack } from "../review/model";
import type { PreviewData } from "../review/preview";
import { combine, parseEventLog, parsePreviewJson, urnStack } from "../review/preview";
import { loadFleet } from "../fleet/load";
import { findPulumi, pathFor } from "./pulumiBinary";
import { findProjectRoot, readStackConfigs } from "./stackConfigs";

export interface ReviewOptions {
  stacks: string[];
  out?: string;
  from: string[];
  eventLogs: string[];
  texts: string[];
  policyPacks: string[];
  /** More arguments for each `pulumi preview` (`--config deskfleet:checkImages=false`). */
  pulumiArgs: string[];
  /** The pulumi binary (default: findPulumi()). */
  pulumi?: string;
  /** The Pulumi project's folder (default: the working directory). */
  cwd: string;
}

/** A preview read from files: its data, its text, and the stack it names. */
function fromFiles(opts: ReviewOptions): StackReview[] {
  const count = Math.max(opts.from.length, opts.eventLogs.length);
  return [...Array(count).keys()].map((i) => {
    const json = opts.from[i];
    const events = opts.eventLogs[i];
    const text = opts.texts[i];
    const data = combine(
      json !== undefined ? parsePreviewJson(readFileSync(json, "utf8"), json) : undefined,
      events !== undefined ? parseEventLog(readFileSync(events, "utf8"), events) : undefined,
    );
    const stack = opts.stacks[i] ?? stackOf(data) ?? `preview ${i + 1}`;
    const said = text !== undefined ? readFileSync(text, "utf8") : undefined;
    return reviewStack(stack, data, said, hostNamesOf(stack, opts.cwd));
  });
}

function stackOf(data: PreviewData): string | undefined {
  const urn = data.steps[0]?.urn;
  return urn !== undefined ? urnStack(urn) : undefined;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment of `npm run preview` (scripts/stack.sh), where the caller has not set its own. */
function pulumiEnv(pulumi: string, cwd: string): NodeJS.ProcessEnv {
  const env = process.env;
  return {
    ...env,
    PATH: pathFor(pulumi, env.PATH),
    PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL ?? `file://${join(cwd, ".state")}`,
    PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE ?? "",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // The engine offers --event-log only then (pulumi v3.259.0 cmd/pulumi/operations/preview.go).
    PULUMI_DEBUG_COMMANDS: "true",
  };
}

async function previewStack(stack: string, opts: ReviewOptions, pulumi: string) {
  const dir = mkdtempSync(join(tmpdir(), "deskfleet-review-"));
  try {
    const events = join(dir, "events.jsonl");
    const args = [
      "preview",
      "--diff",
      "--non-interactive",
      "--color",
      "never",
      "--stack",
      stack,
      "--event-log",
      events,
      ...opts.policyPacks.flatMap((p) => ["--policy-pack", p]),
      ...policyConfigOf(stack, opts),
      ...opts.pulumiArgs,
    ];
    const result = await run(pulumi, args, opts.cwd, pulumiEnv(pulumi, opts.cwd));
    const log = existsSync(events) ? readFileSync(events, "utf8") : "";
    if (log.trim() === "") {
      const said = result.stderr.trim() || result.stdout.trim();
      throw new Error(`pulumi preview of stack "${stack}" did not run: ${said}`);
    }
    const data = parseEventLog(log, `the event log of stack "${stack}"`);
    // A failure the engine did not report as an event (the program's own error) is on stderr.
    if (result.code !== 0 && data.errors.length === 0 && !data.failed) {
      data.failed = true;
      data.errors.push(result.stderr.trim() || `pulumi exited with ${result.code}`);
    }
    return reviewStack(stack, data, result.stdout, hostNamesOf(stack, opts.cwd));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The names the stack's fleet gives its hosts, by URI, so the review says
 * `desk (qemu:///system)`; {} when the project, the stack's config or its
 * fleet cannot be read here (the preview itself says what is wrong with them).
 */
export function hostNamesOf(stack: string, cwd: string): Record<string, string> {
  try {
    const root = findProjectRoot(cwd);
    const config = root && readStackConfigs(root).find((c) => c.stack === stack);
    if (!root || !config) return {};
    const spec = loadFleet(config.fleet, { cwd: root, checkImages: false });
    return Object.fromEntries(spec.hosts.map((h) => [h.uri, h.name]));
  } catch {
    return {};
  }
}

/**
 * The stack's policy config (README, "Guardrails"), as `scripts/stack.sh`
 * passes it: `stacks/policy.<stack>.json`, when the pack runs and it exists.
 */
function policyConfigOf(stack: string, opts: ReviewOptions): string[] {
  const file = join(opts.cwd, "stacks", `policy.${stack}.json`);
  return opts.policyPacks.length > 0 && existsSync(file) ? ["--policy-pack-config", file] : [];
}

/** The stacks to preview: those named, else $DESKFLEET_STACK or `example` (as npm run preview). */
function stacksToPreview(opts: ReviewOptions): string[] {
  if (opts.stacks.length > 0) return opts.stacks;
  return [process.env.DESKFLEET_STACK ?? "example"];
}

/** The policy packs: those named, else the project's `policies/` when it has one. */
function packsOf(opts: ReviewOptions): string[] {
  if (opts.policyPacks.length > 0) return opts.policyPacks;
  const own = join(opts.cwd, "policies");
  return existsSync(join(own, "PulumiPolicy.yaml")) ? [own] : [];
}

/**
 * Writes the review (to `--out` or stdout). Exit status: 0 when every preview
 * succeeded, 1 when one failed (a mandatory policy, an error: the review says
 * which, and is written all the same), so CI can post it and still fail.
 */
export async function reviewCommand(opts: ReviewOptions, io: Io): Promise<number> {
  const reading = opts.from.length > 0 || opts.eventLogs.length > 0;
  let reviews: StackReview[];
  if (reading) {
    if (opts.pulumiArgs.length > 0) {
      throw new Error(
        `"-- ${opts.pulumiArgs.join(" ")}" is for a preview it runs, not one it reads`,
      );
    }
    reviews = fromFiles(opts);
  } else {
    const pulumi = opts.pulumi ?? findPulumi();
    const withPacks = { ...opts, policyPacks: packsOf(opts) };
    reviews = [];
    for (const stack of stacksToPreview(opts)) {
      reviews.push(await previewStack(stack, withPacks, pulumi));
    }
  }
  const markdown = reviewMarkdown(reviews);
  if (opts.out !== undefined) writeFileSync(opts.out, markdown);
  else io.out(markdown);
  const failed = reviews.filter((r) => r.failed).map((r) => r.stack);
  if (failed.length > 0) {
    io.err(`deskfleet review: the preview of ${failed.join(", ")} failed (the review says why)\n`);
    return Exit.Failed;
  }
  return Exit.Ok;
}
