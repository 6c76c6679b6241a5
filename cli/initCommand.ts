/**
 * `deskfleet init <machine> [--uri URI] [--fleet FILE]… [--force]`: plans
 * (cli/init.ts), writes, proves the merged fleet loads from the written
 * files, and says what was chosen and what to run next.
 */
import path from "node:path";
import { loadFleet } from "../fleet/load";
import type { Io } from "../snapshots/commands";
import { Exit } from "../snapshots/commands";
import type { InitOptions, InitPlan } from "./init";
import { planInit, writeInit } from "./init";

export interface InitCommandOptions extends Omit<InitOptions, "root"> {
  /** The project root (the directory with Pulumi.yaml). */
  root: string;
  /** Where the command runs: `--fleet` names are relative to it. */
  cwd: string;
}

export function initCommand(
  options: InitCommandOptions,
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const { root, cwd } = options;
  const fromRoot = (file: string) => path.relative(root, path.resolve(cwd, file));
  let plan: InitPlan;
  try {
    plan = planInit({
      ...options,
      ...(options.fleet ? { fleet: options.fleet.map(fromRoot) } : {}),
    });
    writeInit(root, plan);
  } catch (err) {
    const message = messageOf(err);
    io.err(`deskfleet init: nothing was written:\n${message.replace(/^/gm, "  ")}\n`);
    return Exit.Failed;
  }
  // Proof from the files as written, with the loader the program uses.
  let spec;
  try {
    spec = loadFleet([...plan.shared, plan.overrides.file], { cwd: root, checkImages: false });
  } catch (err) {
    const message = messageOf(err);
    io.err(
      `deskfleet init: wrote ${plan.stackConfig.file} and ${plan.overrides.file}, but the merged fleet does not load:\n${message}\n`,
    );
    return Exit.Failed;
  }
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const verb = (f: InitPlan["overrides"]) => (f.replaces ? "replaced" : "wrote");
  io.out(
    [
      `${verb(plan.stackConfig)} ${plan.stackConfig.file} (deskfleet:uri ${plan.uri})`,
      `${verb(plan.overrides)} ${plan.overrides.file} (a commented skeleton: nothing differs yet)`,
      `shared fleet: ${plan.shared.join(", ")}, ${plan.sharedWhy}`,
      `the merged fleet loads: ${count(spec.guests.length, "guest")}, ` +
        `${count(spec.networks.length, "network")}, ${count(spec.pools.length, "pool")} ` +
        "(image files are not checked here; a preview on the machine checks them)",
      "",
      nextSteps(plan, root, env),
    ].join("\n"),
  );
  return Exit.Ok;
}

/** What to run next, as scripts/stack.sh runs it (its backend, its passphrase default). */
export function nextSteps(plan: InitPlan, root: string, env: NodeJS.ProcessEnv): string {
  const m = plan.machine;
  const backend = env.PULUMI_BACKEND_URL || `file://${root}/.state`;
  const hand = env.PULUMI_BACKEND_URL
    ? `pulumi stack init ${m}`
    : `PULUMI_BACKEND_URL=${backend} PULUMI_CONFIG_PASSPHRASE= pulumi stack init ${m}`;
  return [
    "next:",
    `  1. edit ${plan.overrides.file}: uncomment and change only what differs on this machine`,
    `  2. DESKFLEET_STACK=${m} npm run preview`,
    `     (scripts/stack.sh: sets up what is missing, runs \`pulumi stack init ${m}\` in ${backend}`,
    `     when the stack is not there yet, then \`pulumi preview --stack ${m} --policy-pack policies\`;`,
    `     by hand: ${hand})`,
    `  3. DESKFLEET_STACK=${m} npm run up`,
    `  4. commit ${plan.stackConfig.file} (pulumi stack init adds its encryptionsalt) and ${plan.overrides.file}`,
    "",
  ].join("\n");
}

/** An error's message (also of errors from another realm, which are no `instanceof Error`). */
function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message : String(err);
}
