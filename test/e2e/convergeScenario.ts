/**
 * Converging from states a person or a crash leaves behind, through the real
 * CLI and daemon: a stopped pool or network, a kept data disk coming back, a
 * destroy followed by an up, a guest undefined behind deskfleet's back, an
 * orphan of an interrupted create, a stranger holding a guest's name, an
 * import. Each ends with the next `up` converging and a clean preview, and
 * every kept disk's content (a marker written with qemu-io) intact.
 * Run against each host kind: converge.test.ts (the system's libvirt 9.0) and
 * converge11.test.ts (libvirt 11.3 + QEMU 10.0 on a second host).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { objectsNamed, requireAppliance } from "../support/host";
import { useDeployment } from "../support/deployment";
import type { TestHost } from "../support/hosts";
import { pulumiCli } from "../support/project";

export function convergeScenario(host: TestHost): void {
  const PREFIX = "test-conv-";
  const POOL = "test-conv-pool";
  const NET = "test-conv-net";
  const POOL_DIR = host.poolDir(POOL);

  /** `guests` shut-off guests, each with an overlay root and a kept data disk (and `extra` lines). */
  const fleet = (guests: string[], extra: Record<string, string> = {}) => `
pools:
  ${POOL}: { path: ${POOL_DIR} }
networks:
  ${NET}:
    address: 10.85.0.1/24
    dhcp: { start: 10.85.0.100, end: 10.85.0.150 }
images:
  test-conv-appliance: { source: ${requireAppliance()}, pool: ${POOL} }
guests:
${guests
  .map(
    (g) => `  ${g}:
    type: qemu
    memory: 64MiB
    running: false
    disks:
      root: { image: test-conv-appliance }
      data: { size: 16MiB }
    interfaces: [{ network: ${NET} }]${extra[g] !== undefined ? `\n    ${extra[g]}` : ""}`,
  )
  .join("\n")}
`;
  const TWO = ["test-conv-a", "test-conv-b"];
  /** pool, base volume, network, and per guest: 2 volumes + domain; plus Fleet, 2 components per kind… */
  const resourcesFor = (guests: number) => 7 + 4 * guests;

  const deployed = useDeployment(host, "test-conv", () => fleet(TWO), POOL_DIR);

  const virsh = (...args: string[]): string =>
    execFileSync("virsh", ["-q", "-c", deployed.uri, ...args], { encoding: "utf8" }).trim();
  const dataPath = (guest: string) => `${POOL_DIR}/${guest}-data.qcow2`;

  /** Writes a 64 KiB pattern into a data disk, as a guest would write its files. */
  function writeMarker(guest: string, pattern: number): void {
    execFileSync("qemu-io", ["-f", "qcow2", "-c", `write -P ${pattern} 0 64k`, dataPath(guest)]);
  }
  function markerIntact(guest: string, pattern: number): boolean {
    const out = execFileSync(
      "qemu-io",
      ["-f", "qcow2", "-c", `read -P ${pattern} 0 64k`, dataPath(guest)],
      { encoding: "utf8" },
    );
    return !/verification failed/i.test(out);
  }

  interface StateResource {
    type: string;
    urn: string;
    parent?: string;
  }
  async function stateResources(): Promise<StateResource[]> {
    const state = (await deployed.project.stack.exportStack()).deployment as {
      resources: StateResource[];
    };
    return state.resources;
  }

  /** The next up succeeds and a preview after it changes nothing. */
  async function converges(): Promise<void> {
    const up = await deployed.project.stack.up();
    expect(up.summary.result).toBe("succeeded");
    const preview = await deployed.project.stack.preview();
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
  }

  it("creates the fleet", async () => {
    const up = await deployed.project.stack.up();
    expect(up.summary.resourceChanges).toEqual({ create: resourcesFor(2) });
    for (const g of TWO) writeMarker(g, 0x5a);
  });

  it("a stopped pool is started again, and its volumes were never 'deleted'", async () => {
    virsh("pool-destroy", POOL);
    const preview = await deployed.project.stack.preview({ diff: true });
    // The pool shows as to be started; no volume is to be created or deleted.
    expect(preview.changeSummary).toEqual({ same: resourcesFor(2) - 1, update: 1 });
    expect(preview.stdout).toMatch(/active\s*:\s*false => true/);
    await converges();
    expect(virsh("pool-info", POOL)).toMatch(/State:\s+running/);
    for (const g of TWO) expect(markerIntact(g, 0x5a)).toBe(true);
  });

  it("a stopped network is started again", async () => {
    virsh("net-destroy", NET);
    const preview = await deployed.project.stack.preview({ diff: true });
    expect(preview.changeSummary).toEqual({ same: resourcesFor(2) - 1, update: 1 });
    await converges();
    expect(virsh("net-info", NET)).toMatch(/Active:\s+yes/);
  });

  it("disks listed in another order are no change, and keep their devices", async () => {
    const swapped = fleet(TWO).replace(
      /( {6}root: \{ image: test-conv-appliance \}\n)( {6}data: \{ size: 16MiB \}\n)/g,
      "$2$1",
    );
    expect(swapped).not.toBe(fleet(TWO));
    deployed.project.writeFleet(swapped);
    const preview = await deployed.project.stack.preview();
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
    // A new disk listed first takes the next free device, not vda.
    deployed.project.writeFleet(
      swapped.replace(/( {4}disks:\n)/, "$1      scratch: { size: 8MiB, keep: false }\n"),
    );
    await converges();
    const devices = virsh("domblklist", "test-conv-a");
    expect(devices).toMatch(/vda\s+\S*test-conv-a-root\.qcow2/);
    expect(devices).toMatch(/vdb\s+\S*test-conv-a-data\.qcow2/);
    expect(devices).toMatch(/vdc\s+\S*test-conv-a-scratch\.qcow2/);
    deployed.project.writeFleet(fleet(TWO));
    // Its removal says what it does to the data: the scratch disk is not kept.
    expect((await deployed.project.stack.preview()).stdout).toContain(
      `guest test-conv-a: disk ${POOL}/test-conv-a-scratch.qcow2 removed (deletes data: its volume is not kept) (next boot)`,
    );
    await converges();
  });

  it("a guest undefined behind deskfleet's back comes back with the same MAC", async () => {
    const mac = virsh("domiflist", "test-conv-a").split(/\s+/).pop();
    expect(mac).toMatch(/^52:54:00:/);
    virsh("undefine", "test-conv-a");
    await converges();
    expect(virsh("domiflist", "test-conv-a").split(/\s+/).pop()).toBe(mac);
  });

  it("removing a guest keeps its data disk, says so, and adding it back re-attaches it", async () => {
    deployed.project.writeFleet(fleet(["test-conv-a"]));
    const preview = await deployed.project.stack.preview();
    expect(preview.stdout).toMatch(/test-conv-b-data\s+delete\[retain\]/);
    expect(preview.stdout).not.toMatch(/test-conv-b-data\s+delete\s*$/m);
    await converges();
    expect(virsh("vol-list", POOL)).toContain("test-conv-b-data.qcow2");

    deployed.project.writeFleet(fleet(TWO));
    await converges();
    expect(virsh("domblklist", "test-conv-b")).toMatch(/vdb\s+test-conv-b-data\.qcow2/);
    expect(markerIntact("test-conv-b", 0x5a)).toBe(true);
  });

  it("destroy, then up of the same fleet, brings the guests back onto their kept disks", async () => {
    const down = await deployed.project.stack.destroy();
    expect(down.summary.result).toBe("succeeded");
    // The pool is gone from libvirt; its directory keeps exactly the kept disks.
    expect(await objectsNamed(deployed.conn, PREFIX)).toEqual({
      domains: [],
      networks: [],
      pools: [],
      volumes: [],
    });
    expect(readdirSync(POOL_DIR).sort()).toEqual([
      "test-conv-a-data.qcow2",
      "test-conv-b-data.qcow2",
    ]);
    await converges();
    for (const g of TWO) expect(markerIntact(g, 0x5a)).toBe(true);
  });

  it("an orphan of an interrupted create (ours, not in state) is adopted, not refused", async () => {
    const uuid = virsh("domuuid", "test-conv-a");
    const urn = (await stateResources()).find(
      (r) => r.type === "deskfleet:libvirt:Domain" && r.urn.endsWith("::test-conv-a"),
    )!.urn;
    // Exactly what a crash after libvirt's define leaves: the domain, and no record of it in state.
    pulumiCli(deployed.project, ["state", "delete", urn, "--yes"]);
    await converges();
    expect(virsh("domuuid", "test-conv-a")).toBe(uuid);
  });

  it("a domain of the same name made by someone else is refused with what to do", async () => {
    const xml = join(deployed.project.dir, "stranger.xml");
    writeFileSync(
      xml,
      "<domain type='qemu'><name>test-conv-c</name><memory unit='MiB'>16</memory>" +
        "<os><type arch='x86_64'>hvm</type></os></domain>",
    );
    virsh("define", xml);
    deployed.project.writeFleet(fleet([...TWO, "test-conv-c"]));
    await expect(deployed.project.stack.up()).rejects.toThrow(
      /create guest "test-conv-c": a domain with this name already exists on .* and was not made by deskfleet; rename the guest in the fleet, or remove the domain \(virsh undefine test-conv-c\)/,
    );
    virsh("undefine", "test-conv-c");
    await converges();
    deployed.project.writeFleet(fleet(TWO));
    await converges();
  });

  it("pulumi import adopts a guest by its UUID, and the next preview is clean", async () => {
    const dom = (await stateResources()).find(
      (r) => r.type === "deskfleet:libvirt:Domain" && r.urn.endsWith("::test-conv-b"),
    )!;
    pulumiCli(deployed.project, ["state", "delete", dom.urn, "--yes"]);
    const out = pulumiCli(deployed.project, [
      "import",
      "deskfleet:libvirt:Domain",
      "test-conv-b",
      virsh("domuuid", "test-conv-b"),
      "--parent",
      `guest=${dom.parent}`,
      "--generate-code=false",
      "--yes",
    ]);
    expect(out).toMatch(/1 imported/);
    await converges();
  });

  it("a console password comes from a Pulumi secret and stays one in state", async () => {
    await deployed.project.stack.setConfig("deskfleet:testConvConsole", {
      value: "s3cret",
      secret: true,
    });
    deployed.project.writeFleet(
      fleet(TWO, { "test-conv-a": "graphics: vnc\n    consolePassword: testConvConsole" }),
    );
    await converges();
    const xml = virsh("dumpxml", "--security-info", "test-conv-a");
    expect(xml).toMatch(/<graphics type='vnc'[^>]* passwd='s3cret'/);
    expect(xml).toMatch(/<listen type='address' address='127.0.0.1'\/>/);
    // The state as written to the backend (exportStack would decrypt it for us): no file holds it.
    const stateDir = join(deployed.project.dir, ".state");
    const files = readdirSync(stateDir, { recursive: true, encoding: "utf8" })
      .map((f) => join(stateDir, f))
      .filter((f) => statSync(f).isFile());
    expect(files.some((f) => f.endsWith(".json"))).toBe(true);
    expect(files.filter((f) => readFileSync(f, "utf8").includes("s3cret"))).toEqual([]);

    deployed.project.writeFleet(fleet(TWO));
    await converges();
    expect(virsh("dumpxml", "--security-info", "test-conv-a")).not.toContain("passwd=");
  });

  it("a guest and its disk renamed with formerly: one update, the same volumes, and back", async () => {
    /** test-conv-b as `name`, with `formerly` and its data disk called `disk`. */
    const renamed = (name: string, formerly: string, disk: string, diskFormerly: string) =>
      fleet(["test-conv-a", name], { [name]: `formerly: ${formerly}` }).replace(
        new RegExp(`(  ${name}:[\\s\\S]*?)data: \\{ size: 16MiB \\}`),
        `$1${disk}: { size: 16MiB, formerly: ${diskFormerly} }`,
      );
    deployed.project.writeFleet(renamed("test-conv-r", "test-conv-b", "files", "data"));
    const preview = await deployed.project.stack.preview();
    expect(preview.changeSummary).toEqual({ same: resourcesFor(2) - 1, update: 1 });
    expect(preview.stdout).toContain("renamed test-conv-b → test-conv-r in place");
    await converges();
    expect(virsh("domblklist", "test-conv-r")).toMatch(/vdb\s+test-conv-b-data\.qcow2/);
    expect(virsh("list", "--all", "--name")).not.toMatch(/^test-conv-b$/m);
    expect(markerIntact("test-conv-b", 0x5a)).toBe(true);

    // Renamed back: its own name may be among the earlier ones.
    deployed.project.writeFleet(
      renamed("test-conv-b", "[test-conv-b, test-conv-r]", "data", "[data, files]"),
    );
    expect((await deployed.project.stack.preview()).changeSummary).toEqual({
      same: resourcesFor(2) - 1,
      update: 1,
    });
    await converges();
    deployed.project.writeFleet(fleet(TWO));
    await converges();
    expect(virsh("domblklist", "test-conv-b")).toMatch(/vdb\s+test-conv-b-data\.qcow2/);
  });

  it("destroying many guests at once never trips over a sibling's delete", async () => {
    const many = Array.from({ length: 12 }, (_, i) => `test-conv-m${i}`);
    deployed.project.writeFleet(
      fleet([...TWO, ...many]).replace(
        /data: \{ size: 16MiB \}/g,
        "data: { size: 16MiB, keep: false }",
      ),
    );
    for (let round = 0; round < 2; round++) {
      await converges();
      const down = await deployed.project.stack.destroy();
      expect(down.summary.result).toBe("succeeded");
      expect((await objectsNamed(deployed.conn, "test-conv-m")).volumes).toEqual([]);
    }
  });
}
