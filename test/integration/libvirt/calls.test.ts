/**
 * Snapshots, device changes, live vCPU/memory changes, managed save and
 * domain capabilities against the real daemon. Guests have no OS (SeaBIOS
 * idles), which is all these calls need; ACPI is there for PCI hot-plug. Objects: test-libvirt-calls-*.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DomainDeviceModifyFlags,
  DomainMemoryFlags,
  DomainSnapshotDeleteFlags,
  DomainSnapshotListFlags,
  DomainState,
  DomainUndefineFlags,
  DomainVcpuFlags,
  DomainXmlFlags,
  ErrorCode,
  isNotFound,
} from "../../../libvirt";
import type { DomainRef, DomainSnapshotRef, LibvirtClient } from "../../../libvirt";
import { connectClean, sweep } from "./sweep";

// Each test defines and starts at most two guests without an OS (milliseconds each on a
// healthy daemon) and waits for snapshots and managed save of 128 MiB guests; 30 s leaves
// room for a loaded 2-core machine. The afterAll sweep gets the same.
jest.setTimeout(30_000);

const PREFIX = "test-libvirt-calls-";

let client: LibvirtClient;
let work: string;

beforeAll(async () => {
  client = await connectClean(PREFIX);
  work = mkdtempSync(join(tmpdir(), PREFIX));
  chmodSync(work, 0o755); // qemu runs as libvirt-qemu
});

afterAll(async () => {
  if (client !== undefined) {
    await sweep(client, PREFIX);
    await client.close();
  }
  rmSync(work, { recursive: true, force: true });
});

function image(name: string, format: "qcow2" | "raw"): string {
  const path = join(work, name);
  execFileSync("qemu-img", ["create", "-q", "-f", format, path, "16M"]);
  return path;
}

const domainXml = (name: string, disk?: string): string =>
  `<domain type='qemu'><name>${name}</name><memory unit='MiB'>128</memory>
  <vcpu placement='static' current='1'>2</vcpu><os><type arch='x86_64'>hvm</type></os>
  <features><acpi/></features>
  <devices>${
    disk
      ? `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/>` +
        "<target dev='vda' bus='virtio'/></disk>"
      : ""
  }<graphics type='vnc' autoport='yes' listen='127.0.0.1'/></devices></domain>`;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

describe("snapshots of a shut-off domain with a qcow2 disk (internal snapshots)", () => {
  let dom: DomainRef;
  let s1: DomainSnapshotRef;
  let s2: DomainSnapshotRef;
  const names = (snaps: DomainSnapshotRef[]) => snaps.map((s) => s.name).sort();

  beforeAll(async () => {
    dom = await client.domainDefineXml(domainXml(`${PREFIX}snap`, image("snap.qcow2", "qcow2")));
  });

  test("create two, the second a child of the first; look up, describe, list", async () => {
    expect(await client.domainHasCurrentSnapshot(dom)).toBe(false);
    s1 = await client.domainSnapshotCreateXml(
      dom,
      "<domainsnapshot><name>s1</name><description>first</description></domainsnapshot>",
    );
    expect(s1).toEqual({ name: "s1", dom });
    s2 = await client.domainSnapshotCreateXml(
      dom,
      "<domainsnapshot><name>s2</name></domainsnapshot>",
    );
    expect(await client.domainSnapshotLookupByName(dom, "s1")).toEqual(s1);
    expect(await client.domainSnapshotGetXmlDesc(s1)).toContain("<description>first</description>");
    expect(await client.domainHasCurrentSnapshot(dom)).toBe(true);
    expect(await client.domainSnapshotCurrent(dom)).toEqual(s2);
    expect(await client.domainSnapshotGetParent(s2)).toEqual(s1);
    const orphan = await rejection(client.domainSnapshotGetParent(s1));
    expect(orphan).toMatchObject({ code: ErrorCode.NoDomainSnapshot });
    expect(names(await client.domainListAllSnapshots(dom))).toEqual(["s1", "s2"]);
    expect(names(await client.domainListAllSnapshots(dom, DomainSnapshotListFlags.Roots))).toEqual([
      "s1",
    ]);
    expect(names(await client.domainListAllSnapshots(dom, DomainSnapshotListFlags.Leaves))).toEqual(
      ["s2"],
    );
  });

  test("revert makes the first current; a missing one is not found", async () => {
    await client.domainRevertToSnapshot(s1);
    expect(await client.domainSnapshotCurrent(dom)).toEqual(s1);
    const missing = await rejection(client.domainSnapshotLookupByName(dom, "nope"));
    expect(missing).toMatchObject({ code: ErrorCode.NoDomainSnapshot });
    expect(isNotFound(missing)).toBe(true);
  });

  test("delete with children removes both", async () => {
    await client.domainSnapshotDelete(s1, DomainSnapshotDeleteFlags.Children);
    expect(await client.domainListAllSnapshots(dom)).toEqual([]);
    await client.domainUndefine(dom);
  });
});

describe("a running domain", () => {
  let dom: DomainRef;

  beforeAll(async () => {
    dom = await client.domainDefineXml(domainXml(`${PREFIX}live`));
    dom = await client.domainCreate(dom);
  });

  test("vCPUs: hot-plug the second one; the definition keeps one", async () => {
    expect(await client.domainGetVcpusFlags(dom, DomainVcpuFlags.Live)).toBe(1);
    await client.domainSetVcpusFlags(dom, 2, DomainVcpuFlags.Live);
    expect(await client.domainGetVcpusFlags(dom, DomainVcpuFlags.Live)).toBe(2);
    expect(await client.domainGetVcpusFlags(dom, DomainVcpuFlags.Config)).toBe(1);
    const max = DomainVcpuFlags.Config | DomainVcpuFlags.Maximum;
    expect(await client.domainGetVcpusFlags(dom, max)).toBe(2);
  });

  test("memory: the balloon target is accepted live; the definition changes with Config", async () => {
    await client.domainSetMemoryFlags(dom, 96n * 1024n, DomainMemoryFlags.Live);
    await client.domainSetMemoryFlags(dom, 112n * 1024n, DomainMemoryFlags.Config);
    const inactive = await client.domainGetXmlDesc(dom, DomainXmlFlags.Inactive);
    expect(inactive).toContain("<currentMemory unit='KiB'>114688</currentMemory>");
    const tooMuch = await rejection(
      client.domainSetMemoryFlags(dom, 1024n * 1024n, DomainMemoryFlags.Live),
    );
    expect(tooMuch).toMatchObject({ code: ErrorCode.InvalidArg });
  });

  test("devices: hot-plug a disk; add, change and remove a cdrom in the definition", async () => {
    const disk =
      `<disk type='file' device='disk'><driver name='qemu' type='raw'/>` +
      `<source file='${image("hot.raw", "raw")}'/><target dev='vdb' bus='virtio'/></disk>`;
    await client.domainAttachDevice(dom, disk, DomainDeviceModifyFlags.Live);
    expect(await client.domainGetXmlDesc(dom)).toContain("<target dev='vdb' bus='virtio'/>");

    const cdrom = (source: string) =>
      `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>${source}` +
      "<target dev='sdc' bus='sata'/><readonly/></disk>";
    const config = DomainDeviceModifyFlags.Config;
    await client.domainAttachDevice(dom, cdrom(""), config);
    const iso = image("media.iso", "raw");
    await client.domainUpdateDevice(dom, cdrom(`<source file='${iso}'/>`), config);
    expect(await client.domainGetXmlDesc(dom, DomainXmlFlags.Inactive)).toContain(
      `<source file='${iso}'/>`,
    );
    await client.domainDetachDevice(dom, cdrom(""), config);
    expect(await client.domainGetXmlDesc(dom, DomainXmlFlags.Inactive)).not.toContain("sdc");
    const absent = await rejection(client.domainDetachDevice(dom, cdrom(""), config));
    expect(absent).toMatchObject({ code: ErrorCode.DeviceMissing });
  });

  test("managed save stops it with its memory kept; the next start resumes", async () => {
    await client.domainManagedSave(dom);
    expect(await client.domainGetState(dom)).toMatchObject({ state: DomainState.Shutoff });
    dom = await client.domainCreate(dom);
    expect(await client.domainIsActive(dom)).toBe(true);
    await client.domainDestroy(dom);
    await client.domainUndefine(dom, DomainUndefineFlags.ManagedSave);
  }, 60_000);
});

test("domain capabilities: the emulator's XML for plain emulation; an unknown arch is refused", async () => {
  const caps = await client.getDomainCapabilities({ virttype: "qemu", arch: "x86_64" });
  expect(caps).toMatch(/^<domainCapabilities>/);
  expect(caps).toContain("<domain>qemu</domain>");
  expect(caps).toContain("<arch>x86_64</arch>");
  const err = await rejection(client.getDomainCapabilities({ arch: "no-such-arch" }));
  expect(err).toMatchObject({ name: "LibvirtError" });
});
