/**
 * Adopting guests a person already has: three domains made by virt-install
 * (`--print-xml`, as a user would, switched to plain emulation) — a Windows
 * 11 desktop, a Linux desktop with a shared folder and USB redirection, and a
 * slim server — on a libvirt 9.0 host of this test's own, with their disks in
 * a pool and their interfaces on a network. `deskfleet import` writes the
 * fleet file; `pulumi preview` then shows imports only, `pulumi up` takes
 * them over and a second `up` changes nothing. `adopt: true` on a name the
 * host lacks is an error naming it, and so is a PCI device it lacks.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "../support/host";
import { secondHost } from "../support/hosts";
import type { TestProject } from "../support/project";
import { createTestProject } from "../support/project";

// A cold host probes QEMU (seconds); virt-install and each up take seconds.
jest.setTimeout(300_000);

const HOST = secondHost("adopt9");
const POOL = "test-adopt-pool";
const NET = "test-adopt-net";
const GUESTS = ["test-adopt-win", "test-adopt-fed", "test-adopt-srv"];

let uri: string;
let project: TestProject;
let imported: string;
const virsh = (...args: string[]): string =>
  execFileSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8" }).trim();

/** What virt-install defines for each guest (plus --connect, --print-xml and the disk). */
const VIRT_INSTALL: Record<string, string[]> = {
  "test-adopt-win": ["--osinfo", "win11", "--memory", "512", "--vcpus", "2", "--graphics", "spice"],
  "test-adopt-fed": [
    "--osinfo",
    "linux2022",
    "--memory",
    "384",
    "--graphics",
    "spice",
    "--video",
    "virtio",
    "--redirdev",
    "usb,type=spicevmc",
    "--memorybacking",
    "source.type=memfd,access.mode=shared",
    "--filesystem",
    "source=/srv/work,target=work,driver.type=virtiofs",
    "--channel",
    "unix,target.type=virtio,target.name=org.qemu.guest_agent.0",
  ],
  "test-adopt-srv": [
    "--osinfo",
    "linux2022",
    "--memory",
    "256",
    "--graphics",
    "none",
    "--rng",
    "/dev/urandom",
  ],
};

beforeAll(() => {
  HOST.stop(); // what an interrupted earlier run left
  uri = HOST.start();
  const poolDir = HOST.poolDir(POOL);
  mkdirSync(poolDir, { recursive: true });
  virsh("pool-define-as", POOL, "dir", "--target", poolDir);
  virsh("pool-start", POOL);
  virsh("pool-autostart", POOL);
  const net = join(poolDir, "..", "net.xml");
  writeFileSync(
    net,
    `<network><name>${NET}</name><ip address='10.94.0.1' netmask='255.255.255.0'><dhcp><range start='10.94.0.10' end='10.94.0.20'/></dhcp></ip></network>`,
  );
  virsh("net-define", net);
  virsh("net-start", NET);
  for (const guest of GUESTS) {
    virsh("vol-create-as", POOL, `${guest}.qcow2`, "64M", "--format", "qcow2");
    const xml = execFileSync(
      "virt-install",
      [
        "--connect",
        uri,
        "--print-xml",
        "--name",
        guest,
        "--virt-type",
        "qemu",
        "--disk",
        `vol=${POOL}/${guest}.qcow2`,
        "--network",
        `network=${NET}`,
        "--noautoconsole",
        ...VIRT_INSTALL[guest],
      ],
      { encoding: "utf8" },
    );
    const file = join(poolDir, "..", `${guest}.xml`);
    writeFileSync(file, xml);
    virsh("define", file);
  }
});

afterAll(async () => {
  await project?.dispose();
  HOST.stop();
});

it("deskfleet import writes a fleet that adopts the guests, their pool and their network", () => {
  imported = execFileSync("npx", ["deskfleet", "import", "--uri", uri, ...GUESTS], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  const fleet = parse(imported) as {
    pools: Record<string, { adopt: boolean }>;
    networks: Record<string, { adopt: boolean }>;
    guests: Record<string, Record<string, unknown>>;
  };
  expect(Object.keys(fleet.pools)).toEqual([POOL]);
  expect(Object.keys(fleet.networks)).toEqual([NET]);
  expect(Object.keys(fleet.guests)).toEqual(GUESTS);
  expect(fleet.guests["test-adopt-win"]).toMatchObject({
    adopt: true,
    firmware: "uefi",
    tpm: true,
    diskBus: "sata",
    nicModel: "e1000e",
    clock: "localtime",
    disks: { sda: { pool: POOL, volume: "test-adopt-win.qcow2", size: "64MiB", keep: true } },
  });
  // The shared folder is a share; what virt-install adds for it comes with it.
  expect(fleet.guests["test-adopt-fed"]).toMatchObject({
    usbRedirection: 1,
    guestAgent: true,
    video: "virtio",
    shares: { work: { source: "/srv/work" } },
  });
});

it("the preview shows imports only, up takes them over, and a second up changes nothing", async () => {
  project = await createTestProject("test-adopt", imported, uri);
  const uuids = GUESTS.map((g) => virsh("domuuid", g));
  const preview = await project.stack.preview();
  // pool, network, three domains and their three volumes; the rest are deskfleet's components.
  expect(preview.changeSummary.import).toBe(8);
  expect(Object.keys(preview.changeSummary).sort()).toEqual(["create", "import"]);
  const up = await project.stack.up();
  expect(up.summary.resourceChanges).toMatchObject({ import: 8 });
  expect(GUESTS.map((g) => virsh("domuuid", g))).toEqual(uuids);
  const again = await project.stack.up();
  expect(Object.keys(again.summary.resourceChanges ?? {})).toEqual(["same"]);
});

/** A stack of its own with `fleet`, whose preview must fail with `message`; removed after. */
async function previewRefused(stackName: string, fleet: string, message: RegExp): Promise<void> {
  const other = await createTestProject(stackName, fleet, uri);
  try {
    await expect(other.stack.preview()).rejects.toThrow(message);
  } finally {
    await other.dispose();
  }
}

it("adopting a name the host does not have is an error that names it", async () => {
  await previewRefused(
    "test-adopt-missing",
    "guests:\n  test-adopt-nothere: { memory: 256MiB, adopt: true }\n",
    /fleet.yaml:2:\d+: guests\.test-adopt-nothere\.adopt: .* has no domain named "test-adopt-nothere"/,
  );
});

it("a PCI device the host lacks is refused at preview, naming it", async () => {
  await previewRefused(
    "test-adopt-pci",
    'guests:\n  test-adopt-pci: { memory: 256MiB, type: qemu, pciDevices: ["0000:ff:1f.7"] }\n',
    /property pciDevices .* has a problem: .* has no PCI device 0000:ff:1f\.7 \(lspci -D/,
  );
});
