/**
 * Desktop guests declared with presets, through the real Pulumi CLI, on
 * libvirt 9.0 + QEMU 7.2 and on libvirt 11.3 + QEMU 10.0 (second hosts of this
 * test's own): a `preset: windows` guest (no OS: OVMF's boot manager is
 * enough) runs with Secure Boot firmware, a TPM 2.0 emulated by swtpm, SPICE
 * on 127.0.0.1 and install media; a `preset: desktop` guest boots the
 * appliance under UEFI, its SPICE on a unix socket; a `preset: server` guest boots the
 * appliance, with a verbatim watchdog, and `up` waits for its DHCP address
 * (`waitFor: ip`); a BIOS guest on machine pc reads its cloud-init seed (the
 * appliance sees IDE CD-ROMs only), and a changed seed is written without a
 * restart and read at its next boot. A second `up` changes nothing. `destroy`
 * leaves the Windows guest's data disk, NVRAM and TPM state on the host, and
 * declaring it again brings the same UUID back to them;
 * with `keepFirmwareState: false` a destroy removes both.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { consoleText, requireAppliance } from "../support/host";
import type { TestHost } from "../support/hosts";
import { secondHost } from "../support/hosts";
import type { TestProject } from "../support/project";
import { createTestProject } from "../support/project";
import { waitFor } from "../support/wait";

// Each host starts cold (QEMU's probe, seconds); OVMF under emulation takes seconds to start.
jest.setTimeout(600_000);

const WIN = "test-desk-win";
const SRV = "test-desk-srv";
const DESK = "test-desk-linux";
const SEED = "test-desk-seed";
const POOL = "test-desk-pool";
/** Install media: any raw file will do, the guest has nothing to boot from it. */
const ISO = join(mkdtempSync(join(tmpdir(), "test-desk-")), "install.iso");
writeFileSync(ISO, Buffer.alloc(1024 * 1024));
/** A host folder the server guest gets over virtiofs. */
const SHARE = join(dirname(ISO), "work");
mkdirSync(SHARE);
afterAll(() => rmSync(dirname(ISO), { recursive: true, force: true }));

/**
 * [label, host, whether it has a virtiofsd]: QEMU 10 no longer ships its own,
 * and neither bookworm nor its backports has Debian's `virtiofsd` package, so
 * the 11.3 test host (QEMU 10 from backports) cannot start a guest with a
 * share; on Debian 13 that package provides it.
 */
const cases: [string, TestHost, boolean][] = [
  ["libvirt 9.0", secondHost("desk9"), true],
  ["libvirt 11.3", secondHost("desk11", "11"), false],
];

describe.each(cases)("%s", (_label, host, virtiofsd) => {
  let uri: string;
  /** The seeded guest's cloud-init packages (changed by a test). */
  let packages = "[spice-vdagent]";
  let project: TestProject;
  /** The desktop guest's entry name, and its `formerly` lines once a test renames it. */
  const desk = { name: DESK, formerly: "" };
  const virsh = (...args: string[]): string =>
    execFileSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8" }).trim();
  const fleet = (keepFirmwareState = true) => `
pools:
  ${POOL}: { path: ${host.poolDir(POOL)} }
networks:
  test-desk-net: { address: 10.93.0.1/24, dhcp: { start: 10.93.0.10, end: 10.93.0.20 } }
images:
  test-desk-appliance: { source: ${requireAppliance()}, pool: ${POOL} }
  test-desk-iso: { source: ${ISO}, pool: ${POOL}, format: raw }
guests:
  ${WIN}:
    preset: windows
    type: qemu
    memory: 256MiB
    shutdownTimeout: 1 # no OS to answer ACPI: forced off at once
    keepFirmwareState: ${keepFirmwareState}
    disks:
      root: { size: 64MiB }
      install: { cdrom: test-desk-iso }
  ${desk.name}:${desk.formerly}
    preset: desktop # UEFI (no Secure Boot): the appliance boots through its EFI loader
    type: qemu
    memory: 256MiB
    graphicsListen: socket # SPICE without a port
    disks:
      root: { image: test-desk-appliance, size: 512MiB }
  ${SEED}:
    type: qemu
    memory: 128MiB
    disks:
      root: { image: test-desk-appliance, size: 512MiB }
    cloudInit:
      hostname: test-seeded
      user: me
      sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyOnly me@desk"]
      packages: ${packages}
  ${SRV}:
    preset: server
    type: qemu
    memory: 128MiB
    networks: [test-desk-net]
    waitFor: ip # up returns once DHCP has leased it an address
    xml:
      devices: ["<watchdog model='i6300esb' action='reset'/>"] # kept as written
${virtiofsd ? `    shares:\n      work: { source: ${SHARE} }` : ""}
    disks:
      root: { image: test-desk-appliance, size: 512MiB }
`;
  /** The NVRAM file and the TPM state folder of the Windows guest, as this process sees them. */
  const firmwareState = (uuid: string) => ({
    nvram: host.hostFile(`/var/lib/libvirt/qemu/nvram/${WIN}_VARS.fd`),
    tpm: host.hostFile(`/var/lib/libvirt/swtpm/${uuid}`),
  });
  let uuid: string;

  beforeAll(async () => {
    host.stop(); // what an interrupted earlier run left
    uri = host.start();
    project = await createTestProject(`test-desk-${host.label.split(" ")[1]}`, fleet(), uri);
  });

  afterAll(async () => {
    await project?.stack.destroy().catch(() => undefined);
    await project?.dispose();
    host.stop();
  });

  /** The stack's `guests` output of one guest. */
  const outputOf = async (guest: string) =>
    ((await project.stack.outputs()).guests.value as Record<string, { addresses: string[] }>)[
      guest
    ];

  it("one up converges the Windows-like and the server guest, which has its address", async () => {
    const up = await project.stack.up();
    expect(up.summary.result).toBe("succeeded");
    // waitFor: ip — the address is there when up returns, not one up later.
    expect((await outputOf(SRV)).addresses).toEqual([expect.stringMatching(/^10\.93\.0\.\d+$/)]);
    expect(virsh("domstate", WIN)).toBe("running");
    await waitFor(
      "the server guest's boot",
      () =>
        consoleText(host.consoleLog(SRV)).includes("DESKFLEET-APPLIANCE boot=1") ? true : undefined,
      120_000,
    );
    uuid = virsh("domuuid", WIN);
  });

  it("the desktop guest boots the appliance under UEFI, with SPICE on a socket, virtio video and sound", async () => {
    await waitFor(
      "the desktop guest's boot",
      () =>
        consoleText(host.consoleLog(DESK)).includes("DESKFLEET-APPLIANCE boot=1")
          ? true
          : undefined,
      180_000,
    );
    const live = virsh("dumpxml", DESK);
    expect(live).toMatch(/<loader[^>]*type='pflash'[^>]*>[^<]*OVMF/);
    expect(live).toMatch(/<video>\s*<model type='virtio'/);
    expect(live).toMatch(/<sound model='ich9'/);
    expect(live).toMatch(
      /<graphics type='spice'>\s*<listen type='socket' socket='[^']+\/spice\.sock'\/>/,
    );
  });

  /** The `seed` line the appliance printed in the seeded guest's current boot. */
  const seedLine = () =>
    waitFor(
      "the seeded guest's seed line",
      // A whole line: the console log may hold half of it while the guest still writes it.
      () =>
        /DESKFLEET-APPLIANCE seed ([^\r\n]*)\r?\n/.exec(consoleText(host.consoleLog(SEED)))?.[1],
      120_000,
    );
  let firstSeed: string;

  it("the seeded guest reads its cloud-init seed: a CD-ROM labelled cidata", async () => {
    firstSeed = await seedLine();
    expect(firstSeed).toMatch(/^instance-id=test-desk-seed-[0-9a-f]{12} hostname=test-seeded$/);
    expect(virsh("dumpxml", SEED)).toMatch(
      /<disk type='volume' device='cdrom'>[\s\S]*?<source pool='test-desk-pool' volume='test-desk-seed-cidata.iso'[\s\S]*?<target dev='hda' bus='ide'\/>/,
    );
  });

  it("the Windows guest has Secure Boot firmware, a running TPM 2.0 and SPICE on loopback", () => {
    const live = virsh("dumpxml", WIN);
    expect(live).toMatch(/<feature enabled='yes' name='secure-boot'\/>/);
    expect(live).toMatch(/<feature enabled='yes' name='enrolled-keys'\/>/);
    expect(live).toMatch(/<loader[^>]* secure='yes'[^>]*>[^<]*OVMF[^<]*<\/loader>/);
    expect(live).toMatch(/<tpm model='tpm-crb'>\s*<backend type='emulator' version='2.0'/);
    expect(live).toMatch(/<graphics type='spice' port='\d+' autoport='yes' listen='127.0.0.1'>/);
    expect(live).toMatch(
      /<channel type='spicevmc'>\s*<target type='virtio' name='com.redhat.spice.0'/,
    );
    expect(live).toMatch(/<redirdev bus='usb' type='spicevmc'>/);
    expect(live).toMatch(/<clock offset='localtime'/);
    expect(live).toMatch(
      /<disk type='volume' device='cdrom'>[\s\S]*?<source pool='test-desk-pool' volume='test-desk-iso.img'[\s\S]*?<readonly\/>/,
    );
    const swtpm = execFileSync("pgrep", ["-af", "swtpm socket"], { encoding: "utf8" });
    expect(swtpm).toContain(`${WIN}-swtpm.sock`);
    const state = firmwareState(uuid);
    expect(existsSync(state.nvram)).toBe(true);
    expect(existsSync(state.tpm)).toBe(true);
  });

  (virtiofsd ? it : it.skip)("the server guest runs with its share: virtiofsd serves it", () => {
    const live = virsh("dumpxml", SRV);
    expect(live).toMatch(
      /<driver type='virtiofs'[^>]*\/>[\s\S]*?<source dir='[^']*\/work'\/>\s*<target dir='work'\/>/,
    );
    expect(live).toMatch(/<memoryBacking>\s*<source type='memfd'\/>\s*<access mode='shared'\/>/);
    expect(execFileSync("pgrep", ["-af", "virtiofsd"], { encoding: "utf8" })).toContain(SHARE);
  });

  it("the server guest has its verbatim watchdog, which libvirt gave an address", () => {
    expect(virsh("dumpxml", "--inactive", SRV)).toMatch(
      /<watchdog model='i6300esb' action='reset'>\s*<alias|<watchdog model='i6300esb' action='reset'>\s*<address/,
    );
  });

  it("a second up changes nothing, and still shows the address", async () => {
    const before = (await outputOf(SRV)).addresses;
    const again = await project.stack.up();
    expect(Object.keys(again.summary.resourceChanges ?? {})).toEqual(["same"]);
    expect((await outputOf(SRV)).addresses).toEqual(before);
  });

  it("a changed seed is written without a restart, says so, and is read at the next boot", async () => {
    packages = "[spice-vdagent, vim]";
    project.writeFleet(fleet());
    const id = virsh("domid", SEED);
    const preview = await project.stack.preview();
    expect(preview.changeSummary).toMatchObject({ update: 1 });
    expect(preview.stdout).toContain(
      "meta-data, user-data change: written now, read by the guest at its next boot (a new instance-id: " +
        "cloud-init runs its per-instance steps again, as on a first boot)",
    );
    const up = await project.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(virsh("domid", SEED)).toBe(id); // still the same run of the guest
    virsh("destroy", SEED);
    virsh("start", SEED);
    const next = await seedLine();
    expect(next).toMatch(/^instance-id=test-desk-seed-[0-9a-f]{12} hostname=test-seeded$/);
    expect(next).not.toBe(firstSeed);
  });

  it("a renamed guest (formerly) is renamed in place: its disks, UUID and NVRAM stay", async () => {
    const renamed = `${DESK}-2`;
    const uuidBefore = virsh("domuuid", DESK);
    Object.assign(desk, {
      name: renamed,
      formerly: `\n    formerly: ${DESK}\n    restart: allowed # renamed only while shut off`,
    });
    project.writeFleet(fleet());
    const preview = await project.stack.preview();
    // Aliases: the same resources under the new name; nothing is created or deleted.
    expect(Object.keys(preview.changeSummary).sort()).toEqual(["same", "update"]);
    expect(preview.changeSummary.update).toBe(1);
    expect(preview.stdout).toContain(
      `renamed ${DESK} → ${renamed} in place (disks, UUID, MACs, NVRAM, TPM state and snapshots kept) (restart: libvirt renames a shut-off guest only)`,
    );
    const up = await project.stack.up();
    expect(Object.keys(up.summary.resourceChanges ?? {}).sort()).toEqual(["same", "update"]);
    expect(up.summary.resourceChanges?.update).toBe(1);
    expect(virsh("list", "--all", "--name").split("\n")).not.toContain(DESK);
    expect(virsh("domuuid", renamed)).toBe(uuidBefore);
    // Its root disk is the one it had: the appliance counts a second boot on it.
    await waitFor(
      "the renamed guest's second boot",
      () =>
        consoleText(host.consoleLog(renamed)).includes("DESKFLEET-APPLIANCE boot=2")
          ? true
          : undefined,
      180_000,
    );
    expect(virsh("vol-list", POOL)).toContain(`${DESK}-root.qcow2`);
    // Its UEFI variables are the file it had, not a fresh one under the new name.
    expect(virsh("dumpxml", renamed)).toMatch(
      new RegExp(`<nvram[^>]*>/var/lib/libvirt/qemu/nvram/${DESK}_VARS.fd</nvram>`),
    );
    expect(existsSync(host.hostFile(`/var/lib/libvirt/qemu/nvram/${renamed}_VARS.fd`))).toBe(false);
    const again = await project.stack.preview();
    expect(Object.keys(again.changeSummary)).toEqual(["same"]);
  });

  it("destroy leaves the NVRAM and TPM state; declared again, the guest has the same UUID", async () => {
    await project.stack.destroy();
    const state = firmwareState(uuid);
    expect(virsh("list", "--all", "--name")).not.toContain(WIN);
    expect(existsSync(state.nvram)).toBe(true);
    expect(existsSync(state.tpm)).toBe(true);
    // Its blank root disk is data: kept too (the pool's definition goes, its folder stays),
    // and taken back by the next up.
    expect(existsSync(join(host.poolDir(POOL), `${WIN}-root.qcow2`))).toBe(true);
    await project.stack.up();
    expect(virsh("domuuid", WIN)).toBe(uuid);
  });

  it("with keepFirmwareState: false, destroy removes both", async () => {
    project.writeFleet(fleet(false));
    const up = await project.stack.up();
    // Not hardware: the running guest is not restarted for it; the output says what it means.
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(up.stdout).toContain(
      `guest ${WIN}: keepFirmwareState is false, so removing it deletes its NVRAM (UEFI variables) and TPM state`,
    );
    expect(virsh("domstate", WIN)).toBe("running");
    await project.stack.destroy();
    const state = firmwareState(uuid);
    expect(existsSync(state.nvram)).toBe(false);
    expect(existsSync(state.tpm)).toBe(false);
  });
});
