/**
 * Several hosts in one stack, and a guest moved between them, through the
 * real CLI: the system daemon is host `desk`, a second daemon of this test's
 * own is host `laptop`. The guest is a UEFI guest with a TPM, an overlay root
 * on the test appliance (which counts its boots on that disk) and a data disk
 * with a marker. It moves desk → laptop → desk and keeps its UUID, MAC, boot
 * count, marker, NVRAM and TPM state, and nothing of it stays on the host it
 * left. A move whose target daemon dies half way leaves the source guest
 * as it was (running again), and the next `up` completes the move. Its
 * baseline snapshot goes along, and can still be reverted to on the new host.
 * Run with each kind of laptop: move.test.ts (libvirt 9.0) and move11.test.ts
 * (libvirt 11.3 + QEMU 10.0: a move between versions, both ways).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { LibvirtClient } from "../../libvirt";
import { consoleText, requireAppliance } from "../support/host";
import { systemHost } from "../support/hosts";
import type { TestHost } from "../support/hosts";
import type { TestProject } from "../support/project";
import { createTestProject, spawnTracedUp } from "../support/project";
import { upAndClean } from "../support/converged";
import { waitFor } from "../support/wait";

export function moveScenario(LAPTOP: TestHost, prefix: string): void {
  const GUEST = `${prefix}g`;
  const POOL = `${prefix}pool`;
  const IMAGE = `${prefix}appliance`;
  const POOL_PATH = `/var/lib/libvirt/images/${POOL}`;
  const NVRAM = `/var/lib/libvirt/qemu/nvram/${GUEST}_VARS.fd`;

  let laptopUri: string;
  let project: TestProject;
  let desk: LibvirtClient;
  let laptop: LibvirtClient;

  const fleet = (host: "desk" | "laptop", running = true, revert = 0) => `
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
    type: qemu
    machine: q35
    firmware: uefi
    tpm: true
    memory: 256MiB
    running: ${running}
    disks:
      root: { image: ${IMAGE} }
      data: { size: 16MiB }
    baseline: good
    revertGeneration: ${revert}
`;

  const hosts = { desk: systemHost, laptop: LAPTOP };
  const virsh = (host: "desk" | "laptop", ...args: string[]): string =>
    execFileSync("virsh", ["-q", "-c", host === "desk" ? "qemu:///system" : laptopUri, ...args], {
      encoding: "utf8",
    }).trim();
  const onHost = (host: "desk" | "laptop", path: string) => hosts[host].hostFile(path);
  const dataDisk = (host: "desk" | "laptop") => onHost(host, `${POOL_PATH}/${GUEST}-data.qcow2`);

  function writeMarker(host: "desk" | "laptop", pattern: number): void {
    execFileSync("qemu-io", ["-f", "qcow2", "-c", `write -P ${pattern} 0 64k`, dataDisk(host)]);
  }
  function markerIntact(host: "desk" | "laptop", pattern: number): boolean {
    const args = ["-f", "qcow2", "-r", "-U", "-c", `read -P ${pattern} 0 64k`, dataDisk(host)];
    try {
      execFileSync("qemu-io", args, { encoding: "utf8", stdio: "pipe" });
      return true;
    } catch (err) {
      // qemu-io exits 1 when the pattern does not match; anything else is the test's failure.
      if (/verification failed/i.test(String((err as { stdout?: string }).stdout))) return false;
      throw err;
    }
  }

  /** Waits for the appliance's `boot=N` line in the guest's console log on `host`. */
  async function booted(host: "desk" | "laptop", n: number): Promise<void> {
    await waitFor(
      `boot ${n} on ${host}`,
      () =>
        consoleText(hosts[host].consoleLog(GUEST)).includes(`DESKFLEET-APPLIANCE boot=${n}`)
          ? true
          : undefined,
      120_000,
    );
  }

  /** Nothing of the guest on `host`: no domain, no disk, no NVRAM, no TPM state. */
  function goneFrom(host: "desk" | "laptop", uuid: string): void {
    expect(virsh(host, "list", "--all", "--name").split("\n")).not.toContain(GUEST);
    expect(existsSync(dataDisk(host))).toBe(false);
    expect(existsSync(onHost(host, `${POOL_PATH}/${GUEST}-root.qcow2`))).toBe(false);
    expect(existsSync(onHost(host, NVRAM))).toBe(false);
    expect(existsSync(onHost(host, `/var/lib/libvirt/swtpm/${uuid}`))).toBe(false);
  }

  beforeAll(async () => {
    laptopUri = LAPTOP.start();
    desk = await LibvirtClient.connect("qemu:///system");
    laptop = await LibvirtClient.connect(laptopUri);
    project = await createTestProject(`${prefix}stack`, fleet("desk", false));
  });

  afterAll(async () => {
    await project?.stack.destroy().catch(() => undefined);
    await project?.dispose();
    await desk?.close();
    await laptop?.close();
    rmSync(POOL_PATH, { recursive: true, force: true });
    LAPTOP.stop();
  });

  let uuid: string;
  let mac: string;

  it("converges a two-host stack: the guest on the desk, the image only where a guest needs it", async () => {
    await upAndClean(project);
    writeMarker("desk", 0x4d);
    project.writeFleet(fleet("desk"));
    await upAndClean(project);
    await booted("desk", 1);
    uuid = virsh("desk", "domuuid", GUEST);
    mac = virsh("desk", "domiflist", GUEST).split(/\s+/).pop() ?? "";
    expect(virsh("desk", "vol-list", POOL)).toContain(`${IMAGE}.qcow2`);
    // The laptop has the pool (every host's) but no image: none of its guests needs one.
    expect(virsh("laptop", "pool-list", "--name")).toContain(POOL);
    expect(virsh("laptop", "vol-list", POOL)).not.toContain(`${IMAGE}.qcow2`);
    expect(existsSync(NVRAM)).toBe(true);
  });

  it("previews a move with what it copies, then moves the guest with its identity and state", async () => {
    project.writeFleet(fleet("laptop"));
    const preview = await project.stack.preview();
    expect(preview.stdout).toMatch(
      new RegExp(
        `move ${GUEST} qemu:///system → ${laptopUri.replace(/[?.*+]/g, "\\$&")} \\(its base ${IMAGE}.qcow2 made there first; cold: the guest stops while its 2 disks \\([0-9.]+ [KMG]iB allocated\\) are copied and verified`,
      ),
    );
    // Nothing is replaced or deleted but the image's base on the desk, which no guest needs there.
    expect(preview.changeSummary).toMatchObject({ create: 1, delete: 1 });
    expect(preview.changeSummary.replace).toBeUndefined();

    const seconds = await upAndClean(project);
    console.log(`move desk → laptop (${LAPTOP.label}): ${seconds.toFixed(1)} s for the up`);
    await booted("laptop", 2); // the same root disk: its second boot
    expect(virsh("laptop", "domuuid", GUEST)).toBe(uuid);
    expect(virsh("laptop", "domiflist", GUEST).split(/\s+/).pop()).toBe(mac);
    expect(existsSync(onHost("laptop", NVRAM))).toBe(true);
    expect(virsh("laptop", "snapshot-list", GUEST, "--name")).toBe("good");
    expect(
      existsSync(onHost("laptop", `/var/lib/libvirt/swtpm/${uuid}/tpm2/tpm2-00.permall`)),
    ).toBe(true);
    goneFrom("desk", uuid);
    expect(markerIntact("laptop", 0x4d)).toBe(true);
  });

  it("moves back, and a move whose target daemon dies half way leaves the source as it was", async () => {
    // Back to the desk, but the desk's daemon cannot die here (the system daemon): the fault
    // strikes the laptop's on the way there instead, after this move.
    project.writeFleet(fleet("desk"));
    await upAndClean(project);
    await booted("desk", 3);
    goneFrom("laptop", uuid);

    // To the laptop again; its daemon is killed during the copy of the data disk (the third
    // upload: the image's base, the root disk, then the data disk).
    project.writeFleet(fleet("laptop"));
    const trace = join(project.dir, "trace");
    const { exited } = spawnTracedUp(project, trace);
    await waitFor(
      "the data disk's upload to the laptop",
      () =>
        readFileSync(trace, "utf8")
          .split("\n")
          .filter((l) => l === "StorageVolUpload").length >= 3
          ? true
          : undefined,
      120_000,
      2,
    );
    const pid = LAPTOP.pid();
    process.kill(pid, "SIGSTOP");
    process.kill(pid, "SIGKILL");
    LAPTOP.start();
    expect(await exited).not.toBe(0);

    // The source guest runs again, on its own disks, with everything it had.
    await booted("desk", 4);
    expect(virsh("desk", "domuuid", GUEST)).toBe(uuid);
    expect(virsh("desk", "domstate", GUEST)).toBe("running");

    // The next up completes the move, over what the cut-short one left on the laptop.
    await upAndClean(project);
    await booted("laptop", 5);
    expect(virsh("laptop", "domuuid", GUEST)).toBe(uuid);
    goneFrom("desk", uuid);
    project.writeFleet(fleet("laptop", false));
    await upAndClean(project);
    expect(markerIntact("laptop", 0x4d)).toBe(true);

    // The baseline came along: reverting to it on the laptop brings back the data disk as it was
    // when it was taken on the desk, before the marker.
    project.writeFleet(fleet("laptop", false, 1));
    await upAndClean(project);
    expect(markerIntact("laptop", 0x4d)).toBe(false);
  });
}
