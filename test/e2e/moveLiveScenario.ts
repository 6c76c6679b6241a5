/**
 * `move: live` through the real CLI: the system daemon is host `desk`, a
 * second daemon of the test's own is host `laptop`. The running
 * appliance guest (UEFI, TPM, an overlay root that counts its boots, a data
 * disk with a marker) moves desk → laptop without stopping: it answers the
 * power button there, and its next boot is its second. Back the other way
 * the preview refuses it: the laptop's daemon cannot reach the desk's
 * default socket (liveMoveRules.ts), and nothing changes. A live move whose
 * target daemon dies during the migration leaves the guest running where it
 * was, never restarted, and the next `up` moves it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { consoleText, requireAppliance } from "../support/host";
import { systemHost } from "../support/hosts";
import type { TestHost } from "../support/hosts";
import type { TestProject } from "../support/project";
import { createTestProject, spawnTracedUp } from "../support/project";
import { upAndClean } from "../support/converged";
import { waitFor } from "../support/wait";

/**
 * Run with each kind of laptop: moveLive.test.ts (libvirt 9.0) and moveLive11.test.ts (libvirt
 * 11.3 + QEMU 10.0: live from QEMU 7.2 to 10.0; back is refused for two reasons).
 */
export function moveLiveScenario(LAPTOP: TestHost, PREFIX: string): void {
  const GUEST = `${PREFIX}g`;
  const POOL = `${PREFIX}pool`;
  const IMAGE = `${PREFIX}appliance`;
  const POOL_PATH = `/var/lib/libvirt/images/${POOL}`;
  type Host = "desk" | "laptop";
  const hosts = { desk: systemHost, laptop: LAPTOP };

  let laptopUri: string;
  let project: TestProject;

  const fleet = (host: Host, running = true, move = "live") => `
hosts:
  desk: qemu:///system
  laptop: "${laptopUri}"
pools:
  ${POOL}: { path: ${POOL_PATH} }
images:
  ${IMAGE}: { source: ${requireAppliance()}, pool: ${POOL} }
guests:
  ${GUEST}:
    host: ${host}
    move: ${move}
    type: qemu
    machine: q35
    firmware: uefi
    tpm: true
    memory: 256MiB
    running: ${running}
    disks:
      root: { image: ${IMAGE} }
      data: { size: 16MiB }
`;

  const virsh = (host: Host, ...args: string[]): string =>
    execFileSync("virsh", ["-q", "-c", host === "desk" ? "qemu:///system" : laptopUri, ...args], {
      encoding: "utf8",
    }).trim();
  const dataDisk = (host: Host) => hosts[host].hostFile(`${POOL_PATH}/${GUEST}-data.qcow2`);
  const consoleOf = (host: Host) => consoleText(hosts[host].consoleLog(GUEST));

  function markerIntact(host: Host, pattern: number): boolean {
    const args = ["-f", "qcow2", "-r", "-U", "-c", `read -P ${pattern} 0 64k`, dataDisk(host)];
    try {
      execFileSync("qemu-io", args, { encoding: "utf8", stdio: "pipe" });
      return true;
    } catch (err) {
      if (/verification failed/i.test(String((err as { stdout?: string }).stdout))) return false;
      throw err;
    }
  }

  async function sees(host: Host, line: string): Promise<void> {
    await waitFor(
      `"${line}" on ${host}`,
      () => (consoleOf(host).includes(`DESKFLEET-APPLIANCE ${line}`) ? true : undefined),
      120_000,
    );
  }

  beforeAll(async () => {
    laptopUri = LAPTOP.start();
    project = await createTestProject(`${PREFIX}stack`, fleet("desk", false));
  });

  afterAll(async () => {
    await project?.stack.destroy().catch(() => undefined);
    await project?.dispose();
    rmSync(POOL_PATH, { recursive: true, force: true });
    LAPTOP.stop();
  });

  let uuid: string;
  let mac: string;

  it("moves a running guest live: it runs on, same UUID, MAC and disks, and was never rebooted", async () => {
    await upAndClean(project);
    execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0x5a 0 64k", dataDisk("desk")]);
    project.writeFleet(fleet("desk"));
    await upAndClean(project);
    await sees("desk", "boot=1");
    uuid = virsh("desk", "domuuid", GUEST);
    mac = virsh("desk", "domiflist", GUEST).split(/\s+/).pop() ?? "";

    project.writeFleet(fleet("laptop"));
    const preview = await project.stack.preview();
    expect(preview.stdout).toMatch(
      new RegExp(
        `move ${GUEST} qemu:///system → ${laptopUri.replace(/[?.*+]/g, "\\$&")} \\(its base ${IMAGE}.qcow2 made there first; live: the guest runs on while its memory \\(256 MiB\\)`,
      ),
    );
    const up = await project.stack.up({ onOutput: () => undefined });
    expect(up.summary.result).toBe("succeeded");
    const figures = /moved live in ([0-9.]+) s(?:, paused (\d+) ms)?/.exec(up.stdout);
    console.log(
      `live move desk → laptop (${LAPTOP.label}): up ${(up.summary.endTime.getTime() - up.summary.startTime.getTime()) / 1000} s; ${figures?.[0] ?? "(no figures in the output)"}`,
    );
    expect(Object.keys((await project.stack.preview()).changeSummary)).toEqual(["same"]);

    expect(virsh("laptop", "domstate", GUEST)).toBe("running");
    expect(virsh("laptop", "domuuid", GUEST)).toBe(uuid);
    expect(virsh("laptop", "domiflist", GUEST).split(/\s+/).pop()).toBe(mac);
    // Nothing of it on the desk.
    expect(virsh("desk", "list", "--all", "--name").split("\n")).not.toContain(GUEST);
    expect(existsSync(dataDisk("desk"))).toBe(false);
    // The root disk is an overlay on the laptop's copy of the image, not a flattened copy.
    const info = execFileSync(
      "qemu-img",
      ["info", "-U", hosts.laptop.hostFile(`${POOL_PATH}/${GUEST}-root.qcow2`)],
      { encoding: "utf8" },
    );
    expect(info).toContain(`backing file: ${POOL_PATH}/${IMAGE}.qcow2`);

    // The same kernel runs on: it answers the power button there, and its next boot is its second.
    expect(consoleOf("laptop")).not.toContain("boot=");
    project.writeFleet(fleet("laptop", false));
    await upAndClean(project);
    await sees("laptop", "shutdown");
    expect(markerIntact("laptop", 0x5a)).toBe(true);
    project.writeFleet(fleet("laptop"));
    await upAndClean(project);
    await sees("laptop", "boot=2");
    expect(consoleOf("laptop")).not.toContain("boot=3");
    expect(
      existsSync(hosts.laptop.hostFile(`/var/lib/libvirt/swtpm/${uuid}/tpm2/tpm2-00.permall`)),
    ).toBe(true);
  });

  it("refuses a live move the hosts cannot make at preview, naming guest, hosts and reason; nothing changes", async () => {
    project.writeFleet(fleet("desk"));
    const error = await project.stack.preview().then(
      () => undefined,
      (err: unknown) => String(err),
    );
    expect(error).toBeDefined();
    expect(error).toContain(
      `guest ${GUEST} cannot move live ${laptopUri} → qemu:///system: both are sockets on this machine`,
    );
    expect(error).toContain("Remove `move: live` to move it cold");
    expect(virsh("laptop", "domstate", GUEST)).toBe("running");
    expect(virsh("desk", "list", "--all", "--name").split("\n")).not.toContain(GUEST);

    // The default, cold, takes it back.
    project.writeFleet(fleet("desk", true, "cold"));
    await upAndClean(project);
    await sees("desk", "boot=3");
    expect(virsh("desk", "domuuid", GUEST)).toBe(uuid);
    expect(virsh("laptop", "list", "--all", "--name").split("\n")).not.toContain(GUEST);
  });

  it("a live move whose target daemon dies in the migration leaves the guest running where it was; the next up moves it", async () => {
    project.writeFleet(fleet("laptop"));
    const trace = join(project.dir, "trace");
    const { exited } = spawnTracedUp(project, trace);
    await waitFor(
      "the migration's start",
      () =>
        readFileSync(trace, "utf8").includes("DomainMigratePerform3Params") ? true : undefined,
      120_000,
      2,
    );
    // Into the copy of its memory (the migration takes seconds here).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const pid = LAPTOP.pid();
    process.kill(pid, "SIGSTOP");
    process.kill(pid, "SIGKILL");
    LAPTOP.start();
    expect(await exited).not.toBe(0);

    // The same running guest on the desk: never stopped, so no fourth boot.
    expect(virsh("desk", "domstate", GUEST)).toBe("running");
    expect(virsh("desk", "domuuid", GUEST)).toBe(uuid);
    // The laptop's restarted daemon ends the half-received guest.
    await waitFor(
      "no guest on the laptop",
      () =>
        virsh("laptop", "list", "--all", "--name").split("\n").includes(GUEST) ? undefined : true,
      60_000,
    );

    // The next up moves it, over what the cut left on the laptop.
    await upAndClean(project);
    expect(virsh("laptop", "domstate", GUEST)).toBe("running");
    expect(virsh("laptop", "domuuid", GUEST)).toBe(uuid);
    expect(virsh("desk", "list", "--all", "--name").split("\n")).not.toContain(GUEST);
    expect(consoleOf("desk")).not.toContain("boot=4");
  });
}
