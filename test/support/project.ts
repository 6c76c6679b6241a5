/**
 * A throwaway Pulumi project for e2e tests: the real program (dist/index.js),
 * the real provider plugin and the real CLI, but its own fleet file, stack
 * config and file backend in a temp directory, so the repository's stacks/ and
 * .state/ are never touched.
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { REPO_ROOT } from "./host";

/** Runs the pulumi CLI itself on the project (for what the Automation API lacks); its output. */
export function pulumiCli(project: TestProject, args: string[]): string {
  return execFileSync("pulumi", [...args, "--stack", project.stack.name, "--non-interactive"], {
    cwd: project.dir,
    encoding: "utf8",
    env: { ...process.env, ...pulumiEnv(project.dir) },
  });
}

/**
 * Starts `pulumi up` on the project in the background, deskfleet's libvirt
 * calls traced into `trace` (one procedure name per line, emptied first), for
 * a test that strikes in the middle of it. `exited` resolves with its exit code.
 */
export function spawnTracedUp(
  project: TestProject,
  trace: string,
): { child: ChildProcess; exited: Promise<number | null> } {
  writeFileSync(trace, "");
  const child = spawn(
    "pulumi",
    ["up", "--yes", "--skip-preview", "--stack", project.stack.name, "--non-interactive"],
    {
      cwd: project.dir,
      env: { ...process.env, ...pulumiEnv(project.dir), DESKFLEET_LIBVIRT_TRACE: trace },
      stdio: "ignore",
    },
  );
  return { child, exited: new Promise((resolve) => child.on("exit", resolve)) };
}

/** What every pulumi run on a test project needs (exported for runs the test drives itself): its own file backend, no prompts, no downloads. */
export const pulumiEnv = (dir: string) => ({
  PULUMI_BACKEND_URL: `file://${join(dir, ".state")}`,
  PULUMI_CONFIG_PASSPHRASE: "",
  PULUMI_SKIP_UPDATE_CHECK: "true",
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
});

export interface TestProject {
  dir: string;
  fleetFile: string;
  stack: Stack;
  writeFleet(yaml: string): void;
  dispose(): Promise<void>;
}

/**
 * A project on `uri` (default: the test host) whose stack `stackName` deploys
 * `fleetYaml`; with `program`, that JavaScript instead of deskfleet's (the
 * benchmark's empty program).
 */
export async function createTestProject(
  stackName: string,
  fleetYaml: string,
  uri: string = process.env.DESKFLEET_TEST_URI ?? "qemu:///system",
  program?: string,
): Promise<TestProject> {
  const dir = mkdtempSync(join(tmpdir(), "deskfleet-e2e-"));
  const project = readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8")
    .replace("path: ./provider/bin", `path: ${join(REPO_ROOT, "provider", "bin")}`)
    .replace("stackConfigDir: stacks\n", "");
  writeFileSync(join(dir, "Pulumi.yaml"), project);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "deskfleet-e2e", main: "index.js" }),
  );
  writeFileSync(
    join(dir, "index.js"),
    program ??
      `module.exports = require(${JSON.stringify(join(REPO_ROOT, "dist", "index.js"))});\n`,
  );
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, ".state"));
  const fleetFile = join(dir, "fleet.yaml");
  writeFileSync(fleetFile, fleetYaml);

  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, workDir: dir },
    {
      pulumiCommand: await PulumiCommand.get(),
      envVars: pulumiEnv(dir),
    },
  );
  await stack.setAllConfig({
    "deskfleet:uri": { value: uri },
  });
  // A list value: set it through the path syntax the CLI understands.
  await stack.setConfig("deskfleet:fleet[0]", { value: fleetFile }, true);

  return {
    dir,
    fleetFile,
    stack,
    writeFleet: (yaml) => writeFileSync(fleetFile, yaml),
    async dispose() {
      await stack.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
