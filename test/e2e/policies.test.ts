/**
 * The guardrails with the real engine: `pulumi preview --policy-pack
 * policies` of a fleet on the system daemon (nothing is created). The memory
 * budget asks the host itself for its memory, or reads it from the stack's
 * policy config; a stack's config makes a mandatory policy advisory. Objects:
 * none (previews only; the pool's folder is test-pol-pool's).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../support/host";
import { useDeployment } from "../support/deployment";
import { systemHost } from "../support/hosts";

jest.setTimeout(300_000);

const POOL = "test-pol-pool";
const POOL_DIR = systemHost.poolDir(POOL);
const POLICIES = join(REPO_ROOT, "policies");

const fleet = (memory: string, extra = "") => `
pools:
  ${POOL}: { path: ${POOL_DIR} }
guests:
  test-pol-a: { type: qemu, memory: ${memory}, running: true }
  test-pol-b: { type: qemu, memory: ${memory}, running: true }
  test-pol-off: { type: qemu, memory: ${memory}, running: false }${extra}
`;
const deployed = useDeployment(systemHost, "test-pol", () => fleet("256MiB"), POOL_DIR);

/** The stack's policy config file. */
function policyConfig(config: object): string {
  const path = join(deployed.project.dir, "policy.json");
  writeFileSync(path, JSON.stringify(config));
  return path;
}

it("a clean fleet passes every guardrail; the memory budget read the host's own memory", async () => {
  const preview = await deployed.project.stack.preview({ policyPacks: [POLICIES] });
  expect(preview.stdout).toMatch(/Policies:[\s\S]*deskfleet@v[\d.]+ \(local: .*policies\)/);
  expect(preview.stdout).not.toMatch(/mandatory|advisory/);
});

it("without hostMemory in the config, the host's own memory is the budget", async () => {
  deployed.project.writeFleet(fleet("256GiB"));
  await expect(deployed.project.stack.preview({ policyPacks: [POLICIES] })).rejects.toThrow(
    /memory-budget[\s\S]*its running guests would take 512 GiB \(test-pol-a 256 GiB, test-pol-b 256 GiB\) of its [\d.]+ GiB, which leaves less than the 2 GiB kept/,
  );
});

it("running guests over a host's memory less its reserve fail the preview, naming the host and guests", async () => {
  // Two running guests of 1 GiB on a host said to have 2 GiB, 512 MiB kept: over. The
  // guest that is off does not count.
  deployed.project.writeFleet(fleet("1GiB"));
  const config = policyConfig({
    "memory-budget": { hostMemory: { [deployed.uri]: "2GiB" }, reserve: "512MiB" },
  });
  await expect(
    deployed.project.stack.preview({ policyPacks: [POLICIES], policyPackConfigs: [config] }),
  ).rejects.toThrow(
    new RegExp(
      `memory-budget[\\s\\S]*host ${deployed.uri.replace(/[/+.?]/g, "\\$&")}: its running guests would take 2 GiB \\(test-pol-a 1 GiB, test-pol-b 1 GiB\\) of its 2 GiB, which leaves less than the 512 MiB kept for the host`,
    ),
  );
});

it("a stack's config makes it advisory: the preview passes and still says it", async () => {
  const config = policyConfig({
    "memory-budget": {
      enforcementLevel: "advisory",
      hostMemory: { [deployed.uri]: "2GiB" },
      reserve: "512MiB",
    },
  });
  const preview = await deployed.project.stack.preview({
    policyPacks: [POLICIES],
    policyPackConfigs: [config],
  });
  expect(preview.stdout).toMatch(/advisory[\s\S]*its running guests would take 2 GiB/);
});

it("a Windows guest without Secure Boot fails; a desktop without snapshots is advised", async () => {
  deployed.project.writeFleet(
    fleet(
      "256MiB",
      `\n  test-pol-win: { type: qemu, memory: 256MiB, running: false, hyperv: true, machine: q35, firmware: uefi, graphics: spice }`,
    ),
  );
  const preview = deployed.project.stack.preview({ policyPacks: [POLICIES] });
  await expect(preview).rejects.toThrow(
    /windows-has-secure-boot[\s\S]*guest "test-pol-win" is a Windows guest \(hyperv: true\) without Secure Boot/,
  );
  await expect(preview).rejects.toThrow(
    /desktops-have-snapshots[\s\S]*desktop guest "test-pol-win" has no snapshot schedule and no baseline/,
  );
});
