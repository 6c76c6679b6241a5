/**
 * The whole path on real parts: fleet file → program → real Pulumi CLI →
 * deskfleet provider plugin → libvirt client → real daemon → a booting guest.
 * One scenario, run against each host kind (fleet.test.ts: the system's
 * libvirt 9.0; fleet11.test.ts: libvirt 11.3 + QEMU 10.0 on a second host).
 */
import { join } from "node:path";
import { DomainState } from "../../libvirt";
import { consoleText, objectsNamed, REPO_ROOT, requireAppliance } from "../support/host";
import { useDeployment } from "../support/deployment";
import type { TestHost } from "../support/hosts";
import { waitFor } from "../support/wait";

export function fleetScenario(host: TestHost): void {
  const PREFIX = "test-e2e-";

  const POOL_DIR = host.poolDir("test-e2e-pool");
  const fleet = (memory: string) => `
pools:
  test-e2e-pool: { path: ${POOL_DIR} }
networks:
  test-e2e-net:
    address: 10.79.0.1/24
    dhcp: { start: 10.79.0.100, end: 10.79.0.150 }
images:
  test-e2e-appliance: { source: ${requireAppliance()}, pool: test-e2e-pool }
guests:
  test-e2e-demo:
    type: qemu
    memory: ${memory}
    disks:
      root: { image: test-e2e-appliance, size: 512MiB }
    interfaces: [{ network: test-e2e-net }]
`;

  /** Every resource of the fleet above, the stack itself included. */
  const RESOURCES = 10;

  const deployed = useDeployment(host, "test-e2e", () => fleet("256MiB"), POOL_DIR);

  it("the policy pack stops a preview that would not keep a data disk", async () => {
    deployed.project.writeFleet(
      fleet("256MiB").replace(
        "root: { image: test-e2e-appliance, size: 512MiB }",
        "root: { image: test-e2e-appliance, size: 512MiB }\n      data: { size: 64MiB, keep: false }",
      ),
    );
    const preview = deployed.project.stack.preview({ policyPacks: [join(REPO_ROOT, "policies")] });
    await expect(preview).rejects.toThrow(
      /data-disks-are-kept[\s\S]*volume "test-e2e-demo-data.qcow2" holds data but is not kept/,
    );
    deployed.project.writeFleet(fleet("256MiB"));
  });

  it("creates the fleet; the guest boots and leases an address", async () => {
    const up = await deployed.project.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges).toEqual({ create: RESOURCES });

    const dom = await deployed.conn.domainLookupByName("test-e2e-demo");
    expect((await deployed.conn.domainGetState(dom, 0)).state).toBe(DomainState.Running);
    const consoleLog = host.consoleLog("test-e2e-demo");
    await waitFor(
      "the appliance's boot marker",
      () => (/DESKFLEET-APPLIANCE boot=1/.test(consoleText(consoleLog)) ? true : undefined),
      120_000,
    );

    const net = await deployed.conn.networkLookupByName("test-e2e-net");
    const leases = await waitFor(
      "a DHCP lease",
      async () => {
        const l = await deployed.conn.networkGetDhcpLeases(net, undefined);
        return l.length > 0 ? l : undefined;
      },
      120_000,
    );
    expect(leases).toHaveLength(1);
    expect(leases[0].ipaddr).toMatch(/^10\.79\.0\.(1[0-4]\d|150)$/);
  });

  it("changes nothing on a second up", async () => {
    const up = await deployed.project.stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: RESOURCES });
  });

  it("applies a memory change as exactly one update, and keeps the running guest running", async () => {
    const dom = await deployed.conn.domainLookupByName("test-e2e-demo");
    deployed.project.writeFleet(fleet("320MiB"));
    const preview = await deployed.project.stack.preview();
    expect(preview.changeSummary).toEqual({ same: RESOURCES - 1, update: 1 });
    expect(preview.stdout).toContain(
      "guest test-e2e-demo: memory 256 MiB → 320 MiB (restart needed: above the 256 MiB it " +
        "started with; maxMemory raises that; pending until the guest restarts)",
    );

    const up = await deployed.project.stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: RESOURCES - 1, update: 1 });
    // restart: never (the default): the same run of the guest, the change waiting in its definition.
    const now = await deployed.conn.domainLookupByName("test-e2e-demo");
    expect(now.id).toBe(dom.id);
    expect((await deployed.conn.domainGetInfo(now)).maxMem).toBe(BigInt(256 * 1024));
    const outputs = await deployed.project.stack.outputs();
    const guests = outputs.guests.value as Record<string, { restartPending?: string[] }>;
    expect(guests["test-e2e-demo"].restartPending).toEqual(["memory"]);
    // Restarted by hand, it has the new size and nothing waits.
    await deployed.conn.domainDestroy(now, 0);
    await deployed.conn.domainCreate(now, 0);
    const restarted = await deployed.conn.domainLookupByName("test-e2e-demo");
    expect((await deployed.conn.domainGetInfo(restarted)).maxMem).toBe(BigInt(320 * 1024));
    // The next up (which reads the host first) changes nothing and says nothing waits.
    const again = await deployed.project.stack.up();
    expect(again.summary.resourceChanges).toEqual({ same: RESOURCES });
    const after = (await deployed.project.stack.outputs()).guests.value as typeof guests;
    expect(after["test-e2e-demo"].restartPending).toBeUndefined();
  });

  it("refresh reads back exactly what was declared, despite libvirt's normalisations", async () => {
    // The first refresh may update computed outputs (the DHCP address appears);
    // the declared inputs it reads back must then preview as unchanged.
    await deployed.project.stack.refresh();
    expect((await deployed.project.stack.preview()).changeSummary).toEqual({ same: RESOURCES });
    const again = await deployed.project.stack.refresh();
    expect(again.summary.resourceChanges).toEqual({ same: RESOURCES });
  });

  it("destroy leaves nothing with the test prefix on the host", async () => {
    const down = await deployed.project.stack.destroy();
    expect(down.summary.resourceChanges).toEqual({ delete: RESOURCES });
    expect(await objectsNamed(deployed.conn, PREFIX)).toEqual({
      domains: [],
      networks: [],
      pools: [],
      volumes: [],
    });
  });
}
