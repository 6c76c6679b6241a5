import { NO_DEVICES } from "../../../xml/devices";
import {
  buildDomainXml,
  cdromMediaUpdates,
  diskSlots,
  diskTarget,
  machineMatches,
  memoryMatches,
  parseDomainXml,
} from "../../../xml/domain";
import type { DomainModel } from "../../../xml/domain";
import { buildNetworkXml, parseNetworkXml } from "../../../xml/network";
import type { NetworkModel } from "../../../xml/network";
import { buildPoolXml, parsePoolXml } from "../../../xml/pool";
import { buildVolumeXml, parseVolumeXml } from "../../../xml/volume";
import type { VolumeModel } from "../../../xml/volume";
import { LIBVIRT_DOMAIN_XML, LIBVIRT_NETWORK_XML } from "../provider/fixtures";

describe("pool XML", () => {
  it("round-trips a dir pool", () => {
    const pool = { name: "test-pool", type: "dir" as const, path: "/var/lib/libvirt/images/x" };
    expect(parsePoolXml(buildPoolXml(pool))).toEqual({ ...pool, uuid: "" });
  });

  it("refuses pool types deskfleet does not manage", () => {
    expect(() => parsePoolXml("<pool type='logical'><name>vg</name></pool>")).toThrow(
      'pool type "logical" is not managed by deskfleet',
    );
  });
});

describe("volume XML", () => {
  const cases: [string, VolumeModel][] = [
    ["blank qcow2", { name: "data.qcow2", format: "qcow2", capacity: 2 * 1024 ** 3 }],
    ["raw", { name: "disk.img", format: "raw", capacity: 512 }],
    [
      "overlay",
      {
        name: "demo-root.qcow2",
        format: "qcow2",
        capacity: 1024 ** 3,
        backingPath: "/pool/appliance.qcow2",
        backingFormat: "qcow2",
      },
    ],
  ];
  it.each(cases)("round-trips a %s volume", (_name, vol) => {
    expect(parseVolumeXml(buildVolumeXml(vol))).toEqual({
      ...vol,
      key: "",
      path: "",
      allocation: 0,
    });
  });

  it("reads sizes in any libvirt unit", () => {
    const xml = `<volume><name>v</name><capacity unit='G'>2</capacity><allocation unit='KiB'>4</allocation>
      <target><path>/p/v</path><format type='raw'/></target></volume>`;
    expect(parseVolumeXml(xml)).toMatchObject({
      capacity: 2 * 1024 ** 3,
      allocation: 4096,
      format: "raw",
      path: "/p/v",
    });
  });

  it("reads a raw file libvirt recognises as an ISO image (install media, a seed) as raw", () => {
    const xml = `<volume><name>v</name><capacity>2048</capacity>
      <target><path>/p/v.iso</path><format type='iso'/></target></volume>`;
    expect(parseVolumeXml(xml).format).toBe("raw");
  });
});

describe("network XML", () => {
  const cases: [string, NetworkModel][] = [
    [
      "isolated with DHCP",
      {
        name: "lan",
        mode: "isolated",
        address: "10.77.0.1/24",
        dhcp: { start: "10.77.0.100", end: "10.77.0.199" },
      },
    ],
    [
      "NAT without DHCP",
      { name: "nat", mode: "nat", bridge: "dfbr0", address: "192.168.150.1/24" },
    ],
    [
      "isolated, DHCP with fixed addresses",
      {
        name: "lan",
        mode: "isolated",
        address: "10.77.0.1/24",
        dhcp: {
          start: "10.77.0.100",
          end: "10.77.0.199",
          hosts: [
            { name: "mail", mac: "52:54:00:00:00:10", ip: "10.77.0.10" },
            { name: "tools", mac: "52:54:00:00:00:11", ip: "10.77.0.150" },
          ],
        },
      },
    ],
  ];
  it.each(cases)("round-trips an %s network", (_name, net) => {
    expect(parseNetworkXml(buildNetworkXml(net))).toEqual({ uuid: "", bridge: "", ...net });
  });

  it("writes no <forward> for an isolated network", () => {
    expect(buildNetworkXml({ name: "i", mode: "isolated", address: "10.0.0.1/24" })).not.toContain(
      "forward",
    );
  });

  it("reads libvirt's normalised XML, netmask included", () => {
    expect(parseNetworkXml(LIBVIRT_NETWORK_XML)).toEqual({
      name: "test-net",
      uuid: "4f8e3b0a-6f7c-4d7e-9a51-3c1f0a5e2b11",
      mode: "isolated",
      bridge: "virbr1",
      address: "10.78.0.1/24",
      dhcp: { start: "10.78.0.10", end: "10.78.0.20" },
    });
  });
});

describe("domain XML", () => {
  const demo: DomainModel = {
    ...NO_DEVICES,
    name: "demo",
    type: "qemu",
    memory: 256 * 1024 ** 2,
    vcpus: 2,
    machine: "pc",
    firmware: "bios",
    disks: [
      { pool: "deskfleet", volume: "demo-root.qcow2", format: "qcow2" },
      { pool: "deskfleet", volume: "demo-data.qcow2", format: "qcow2" },
    ],
    cdroms: [],
    diskBus: "virtio",
    nicModel: "virtio",
    interfaces: [{ network: "lan", mac: "52:54:00:12:34:56" }],
    graphics: "vnc",
    graphicsListen: "loopback",
    consoleLog: "/var/log/libvirt/qemu/demo-console.log",
  };

  /** What parsing adds: the ceilings, which are the current values unless declared. */
  const parsed = (m: DomainModel) => ({
    ...m,
    disks: m.disks.map((d, slot) => ({ ...d, slot, target: diskTarget(slot, m.diskBus) })),
    maxMemory: m.maxMemory ?? m.memory,
    maxVcpus: m.maxVcpus ?? m.vcpus,
  });

  it("round-trips a guest", () => {
    expect(parseDomainXml(buildDomainXml(demo))).toEqual(parsed({ ...demo, uuid: "" }));
  });

  it("round-trips UEFI and no graphics", () => {
    const uefi = {
      ...demo,
      firmware: "uefi" as const,
      graphics: "none" as const,
      uuid: "0b9d1c6e-3a2f-4e1b-8c7d-5f6a7b8c9d0e",
    };
    expect(parseDomainXml(buildDomainXml(uefi))).toEqual(parsed(uefi));
  });

  it("round-trips a console password (libvirt shows it only with VIR_DOMAIN_XML_SECURE)", () => {
    const locked = { ...demo, graphicsPassword: "s3cret" };
    expect(buildDomainXml(locked)).toContain('passwd="s3cret"');
    expect(parseDomainXml(buildDomainXml(locked))).toEqual(parsed({ ...locked, uuid: "" }));
  });

  it("round-trips memory and vCPU ceilings: <memory> and <vcpu> hold them, the current values beside", () => {
    const roomy = { ...demo, maxMemory: 4 * 1024 ** 3, maxVcpus: 8, uuid: "" };
    const flat = buildDomainXml(roomy).replace(/>\s+</g, "><");
    expect(flat).toContain(
      '<memory unit="KiB">4194304</memory><currentMemory unit="KiB">262144</currentMemory>',
    );
    expect(flat).toContain('<vcpu current="2">8</vcpu>');
    expect(parseDomainXml(buildDomainXml(roomy))).toEqual(parsed(roomy));
    // No ceiling above the current values: libvirt's plain form.
    expect(buildDomainXml(demo).replace(/>\s+</g, "><")).toContain("<vcpu>2</vcpu>");
  });

  it("round-trips a console on a unix socket: no port, libvirt picks the path", () => {
    for (const graphics of ["vnc", "spice"] as const) {
      const local = { ...demo, graphics, graphicsListen: "socket" as const };
      const flat = buildDomainXml(local).replace(/>\s+</g, "><");
      expect(flat).toContain(`<graphics type="${graphics}"><listen type="socket"/></graphics>`);
      expect(parseDomainXml(buildDomainXml(local))).toEqual(parsed({ ...local, uuid: "" }));
    }
    // As libvirt shows it once the guest runs, with the path it chose.
    const running = `<domain><devices><graphics type='spice'>
      <listen type='socket' socket='/var/lib/libvirt/qemu/domain-3-demo/spice.sock'/>
      </graphics></devices></domain>`;
    expect(parseDomainXml(running).graphicsListen).toBe("socket");
  });

  it("round-trips install media after the disks, on SATA (q35) or IDE (pc), booted after them", () => {
    const media = [
      { pool: "isos", volume: "win11.img" },
      { pool: "isos", volume: "virtio-win.img" },
    ];
    for (const machine of ["q35", "pc"]) {
      const xml = buildDomainXml({ ...demo, machine, cdroms: media });
      expect(parseDomainXml(xml)).toMatchObject({ disks: demo.disks, cdroms: media });
      const flat = xml.replace(/>\s+</g, "><");
      expect(flat).toContain('<boot dev="hd"/><boot dev="cdrom"/>');
      const bus =
        machine === "q35" ? '<target dev="sdb" bus="sata"/>' : '<target dev="hdb" bus="ide"/>';
      expect(flat).toContain(`${bus}<readonly/>`);
    }
  });

  it("listens on loopback only", () => {
    expect(buildDomainXml(demo)).toContain('<listen type="address" address="127.0.0.1"/>');
  });

  it("keeps each disk's device: a disk with a slot keeps it, new ones take the lowest free", () => {
    expect(diskSlots([{}, {}, {}])).toEqual([0, 1, 2]);
    // Listed in another order: the same devices.
    expect(diskSlots([{ slot: 2 }, { slot: 0 }, { slot: 1 }])).toEqual([2, 0, 1]);
    // A removed disk's device is the first a new one gets; then the ones after the last.
    expect(diskSlots([{}, { slot: 0 }, { slot: 2 }, {}])).toEqual([1, 0, 2, 3]);
    const reordered = {
      ...demo,
      disks: [
        { ...demo.disks[1], slot: 1 },
        { ...demo.disks[0], slot: 0 },
      ],
    };
    const xml = buildDomainXml(reordered);
    const flat = xml.replace(/>\s+</g, "><");
    expect(flat).toContain('volume="demo-data.qcow2"/><target dev="vdb" bus="virtio"/>');
    expect(flat).toContain('volume="demo-root.qcow2"/><target dev="vda" bus="virtio"/>');
    // Read back in device order, each with its slot.
    expect(parseDomainXml(xml).disks.map((d) => [d.volume, d.slot])).toEqual([
      ["demo-root.qcow2", 0],
      ["demo-data.qcow2", 1],
    ]);
  });

  it("puts a new medium in each running CD-ROM drive whose medium changes, as libvirt shows the drive", () => {
    const xml = `<domain><devices>
      <disk type='volume' device='cdrom'><driver name='qemu' type='raw'/><source pool='isos' volume='drivers.img'/><target dev='hdd' bus='ide'/><readonly/><alias name='ide0-1-1'/></disk>
      <disk type='volume' device='cdrom'><driver name='qemu' type='raw'/><source pool='isos' volume='win11.img'/><target dev='hdc' bus='ide'/><readonly/><alias name='ide0-1-0'/></disk>
      </devices></domain>`;
    const media = [
      { pool: "isos", volume: "win11.img" },
      { pool: "isos", volume: "virtio-win.img" },
    ];
    const updates = cdromMediaUpdates(xml, media);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toContain('<source pool="isos" volume="virtio-win.img"/>');
    expect(updates[0]).toContain('<target dev="hdd" bus="ide"/>');
    expect(updates[0]).toContain('<alias name="ide0-1-1"/>');
    expect(cdromMediaUpdates(xml, [media[0], { pool: "isos", volume: "drivers.img" }])).toEqual([]);
  });

  it("names disk targets in declaration order", () => {
    expect([0, 1, 25].map((i) => diskTarget(i))).toEqual(["vda", "vdb", "vdz"]);
    expect(diskTarget(2, "sata")).toBe("sdc");
  });

  it("reads libvirt's normalised XML of a real guest", () => {
    expect(parseDomainXml(LIBVIRT_DOMAIN_XML)).toEqual({
      name: "test-demo",
      uuid: "7d1b3c2a-9e4f-4a6b-8c5d-1e2f3a4b5c6d",
      type: "qemu",
      memory: 256 * 1024 ** 2,
      maxMemory: 256 * 1024 ** 2,
      vcpus: 1,
      maxVcpus: 1,
      machine: "pc-i440fx-7.2",
      firmware: "bios",
      disks: [
        {
          pool: "test-pool",
          volume: "test-demo-root.qcow2",
          slot: 0,
          target: "vda",
          format: "qcow2",
        },
      ],
      cdroms: [],
      diskBus: "virtio",
      nicModel: "virtio",
      interfaces: [{ network: "test-net", mac: "52:54:00:aa:bb:cc" }],
      graphics: "none",
      graphicsListen: "loopback",
      consoleLog: "/var/log/libvirt/qemu/test-demo-console.log",
      ...NO_DEVICES,
      // libvirt's own choice for a guest that names no CPU model.
      cpu: "qemu64",
    });
  });
});

describe("machineMatches", () => {
  it.each([
    ["pc", "pc", true],
    ["pc", "pc-i440fx-7.2", true],
    ["q35", "pc-q35-7.2", true],
    ["pc", "pc-q35-7.2", false],
    ["q35", "pc-i440fx-7.2", false],
    ["pc-q35-7.2", "pc-q35-7.2", true],
    ["pc-q35-7.1", "pc-q35-7.2", false],
  ])("declared %s, libvirt %s → %s", (declared, actual, expected) => {
    expect(machineMatches(declared, actual)).toBe(expected);
  });
});

describe("memoryMatches", () => {
  const MiB = 1024 * 1024;
  it.each([
    [256 * MiB, 256 * MiB, true],
    [300_000_000, Math.ceil(300_000_000 / 1024) * 1024, true],
    [300_000_000, 287 * MiB, true],
    [256 * MiB, 257 * MiB, false],
    [256 * MiB, 255 * MiB, false],
  ])("declared %d, libvirt %d → %s", (declared, actual, expected) => {
    expect(memoryMatches(declared, actual)).toBe(expected);
  });
});
