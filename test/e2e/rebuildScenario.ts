/**
 * Rebuilding guests from their images through the real CLI: raising
 * `rebuild` makes the appliance guest's root disk anew (its boot counter
 * starts again at 1) while its data disk (a marker), UUID and MAC stay, in
 * one graceful restart; its baseline snapshot, which held the old root disk,
 * is deleted and taken again. Pointing a disk at another image rebuilds it
 * on that image. A guest on a 50 GiB (virtual) image rebuilds as it does on
 * a 1 GiB one: a new overlay holds nothing of the base (both ups' times are
 * printed, not asserted). Run on each host kind: rebuild.test.ts (the
 * system's libvirt 9.0) and rebuild11.test.ts (libvirt 11.3).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { consoleText, requireAppliance } from "../support/host";
import { useDeployment } from "../support/deployment";
import { upAndClean } from "../support/converged";
import type { TestHost } from "../support/hosts";
import { waitFor } from "../support/wait";

export function rebuildScenario(host: TestHost): void {
  const POOL = "test-reb-pool";
  const POOL_DIR = host.poolDir(POOL);
  const G = "test-reb-g";
  const images = mkdtempSync(join(tmpdir(), "test-reb-"));
  const big = join(images, "big.qcow2");
  const small = join(images, "small.qcow2");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", big, "50G"]);
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", small, "1G"]);

  const fleet = (
    gen: { g?: number; big?: number; small?: number; bigImage?: string; running?: boolean } = {},
  ) => `
pools:
  ${POOL}: { path: ${POOL_DIR} }
images:
  test-reb-appliance: { source: ${requireAppliance()} }
  test-reb-big: { source: ${big} }
  test-reb-small: { source: ${small} }
guests:
  ${G}:
    type: qemu
    memory: 128MiB
    running: ${gen.running ?? true}
    rebuild: ${gen.g ?? 0}
    baseline: good
    disks:
      root: { image: test-reb-appliance }
      data: { size: 16MiB }
  test-reb-big:
    type: qemu
    memory: 64MiB
    running: false
    rebuild: ${gen.big ?? 0}
    disks:
      root: { image: ${gen.bigImage ?? "test-reb-big"} }
  test-reb-small:
    type: qemu
    memory: 64MiB
    running: false
    rebuild: ${gen.small ?? 0}
    disks:
      root: { image: test-reb-small }
`;
  const deployed = useDeployment(host, "test-reb", () => fleet({ running: false }), POOL_DIR);
  afterAll(() => rmSync(images, { recursive: true, force: true }));

  const virsh = (...args: string[]): string =>
    execFileSync("virsh", ["-q", "-c", deployed.uri, ...args], { encoding: "utf8" }).trim();
  const disk = (name: string) => join(POOL_DIR, name);
  const lastBoot = () =>
    consoleText(host.consoleLog(G))
      .split("\n")
      .filter((l) => l.includes("DESKFLEET-APPLIANCE boot="))
      .at(-1);

  let uuid: string;
  let mac: string;

  it("creates the guests; the appliance boots once on its overlay", async () => {
    await upAndClean(deployed.project);
    // The marker is written while the guest is off (QEMU holds the disk while it runs).
    execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0x52 0 64k", disk(`${G}-data.qcow2`)]);
    deployed.project.writeFleet(fleet());
    await upAndClean(deployed.project);
    await waitFor(
      "the first boot",
      () => (lastBoot()?.includes("boot=1") ? true : undefined),
      120_000,
    );
    uuid = virsh("domuuid", G);
    mac = virsh("domiflist", G).split(/\s+/).pop() ?? "";
    expect(virsh("snapshot-list", G, "--name")).toBe("good");
  });

  it("raising rebuild makes the root disk anew in one restart, keeping the rest", async () => {
    deployed.project.writeFleet(fleet({ g: 1 }));
    const preview = await deployed.project.stack.preview();
    expect(preview.stdout).toContain(
      `rebuild ${G}: ${POOL}/${G}-root.qcow2 from test-reb-appliance.qcow2 made anew (its other disks, UUID, MACs, NVRAM and TPM state kept; the guest restarts gracefully; its snapshots good are deleted (they hold the old disks))`,
    );
    expect(preview.changeSummary).toMatchObject({ update: 1 });
    const run = virsh("domid", G);
    // The rebuild deletes the baseline; the next up takes it again (a preview after it is clean).
    await deployed.project.stack.up();
    await upAndClean(deployed.project);
    expect(virsh("domid", G)).not.toBe(run); // restarted
    // A fresh root disk: the appliance counts its first boot again (its old disk was at 1 too,
    // but the console log starts anew with each run of the guest).
    await waitFor(
      "the boot after the rebuild",
      () => (lastBoot() !== undefined ? true : undefined),
      120_000,
    );
    expect(lastBoot()).toContain("boot=1");
    expect(virsh("domuuid", G)).toBe(uuid);
    expect(virsh("domiflist", G).split(/\s+/).pop()).toBe(mac);
    const out = execFileSync(
      "qemu-io",
      ["-f", "qcow2", "-r", "-U", "-c", "read -P 0x52 0 64k", disk(`${G}-data.qcow2`)],
      { encoding: "utf8" },
    );
    expect(out).not.toMatch(/verification failed/i);
    expect(virsh("snapshot-list", G, "--name")).toBe("good");
  });

  it("a guest on a 50 GiB image rebuilds like one on a 1 GiB image: a new, empty overlay", async () => {
    deployed.project.writeFleet(fleet({ g: 1, small: 1 }));
    const smallUp = await upAndClean(deployed.project);
    deployed.project.writeFleet(fleet({ g: 1, small: 1, big: 1 }));
    const bigUp = await upAndClean(deployed.project);
    console.log(
      `rebuild: 50 GiB image ${bigUp.toFixed(2)} s, 1 GiB image ${smallUp.toFixed(2)} s (each a whole up and preview)`,
    );
    for (const name of ["test-reb-big-root.qcow2", "test-reb-small-root.qcow2"]) {
      expect(statSync(disk(name)).size).toBeLessThan(1024 ** 2);
    }
  });

  it("pointing a disk at another image rebuilds it on that image", async () => {
    deployed.project.writeFleet(fleet({ g: 1, small: 1, big: 1, bigImage: "test-reb-small" }));
    const preview = await deployed.project.stack.preview();
    expect(preview.stdout).toContain(
      `rebuild test-reb-big: ${POOL}/test-reb-big-root.qcow2 from test-reb-small.qcow2 made anew`,
    );
    expect(preview.changeSummary.replace).toBeUndefined();
    await upAndClean(deployed.project);
    const info = JSON.parse(
      execFileSync("qemu-img", ["info", "-U", "--output=json", disk("test-reb-big-root.qcow2")], {
        encoding: "utf8",
      }),
    ) as { "backing-filename"?: string };
    expect(info["backing-filename"]).toBe(disk("test-reb-small.qcow2"));
  });
}
