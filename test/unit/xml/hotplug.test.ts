/** Which disks and interfaces a running guest must have plugged in or out to match its definition. */
import type { DiskModel } from "../../../xml/domain";
import { hotplugs, replugs } from "../../../xml/hotplug";

const disk = (dev: string, volume: string, address = "") =>
  `<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='p' volume='${volume}'/>` +
  `<target dev='${dev}' bus='virtio'/>${address}</disk>`;
const cdrom = `<disk type='volume' device='cdrom'><source pool='p' volume='iso'/><target dev='hda' bus='ide'/></disk>`;
const nic = (mac: string, address = "") =>
  `<interface type='network'><mac address='${mac}'/><source network='lan'/><model type='virtio'/>${address}</interface>`;
const pci = (slot: number) =>
  `<address type='pci' domain='0x0000' bus='0x00' slot='0x0${slot}' function='0x0'/>`;
const domain = (...devices: string[]) =>
  `<domain type='qemu'><name>g</name><devices>${devices.join("")}</devices></domain>`;
const model = (...volumes: string[]): DiskModel[] =>
  volumes.map((volume, slot) => ({ pool: "p", volume, format: "qcow2", slot }));

describe("hotplugs", () => {
  it("plugs in what only the definition has, at its address or anywhere", () => {
    const live = {
      xml: domain(disk("vda", "root", pci(4)), cdrom, nic("52:54:00:00:00:01")),
      disks: model("root"),
    };
    const defined = {
      xml: domain(
        disk("vda", "root"),
        disk("vdb", "data", pci(7)),
        cdrom,
        nic("52:54:00:00:00:01"),
        nic("52:54:00:00:00:02", pci(8)),
      ),
      disks: model("root", "data"),
    };
    const { plug, unplug } = hotplugs(live, defined);
    expect(unplug).toEqual([]);
    expect(plug.map((d) => d.kind)).toEqual(["disks", "interfaces"]);
    expect(plug[0].xml).toContain('volume="data"');
    expect(plug[0].xml).toContain('slot="0x07"');
    expect(plug[0].anywhere).not.toContain("<address");
    expect(plug[1].xml).toContain('address="52:54:00:00:00:02"');
    expect(plug[1].anywhere).toBe(
      '<interface type="network"><mac address="52:54:00:00:00:02"/><source network="lan"/><model type="virtio"/></interface>',
    );
  });

  it("unplugs what only the running guest has, as libvirt shows it", () => {
    const live = {
      xml: domain(
        disk("vda", "root"),
        disk("vdb", "data", pci(7)),
        nic("52:54:00:00:00:01"),
        nic("52:54:00:00:00:02"),
      ),
      disks: model("root", "data"),
    };
    const defined = {
      xml: domain(disk("vda", "root"), nic("52:54:00:00:00:01")),
      disks: model("root"),
    };
    const { plug, unplug } = hotplugs(live, defined);
    expect(plug).toEqual([]);
    expect(unplug.map((d) => d.kind)).toEqual(["disks", "interfaces"]);
    expect(unplug[0].xml).toContain('dev="vdb"');
    expect(unplug[1].xml).toContain('address="52:54:00:00:00:02"');
  });

  it("nothing for the same devices, whatever their addresses; a disk is its volume, not its target", () => {
    const live = {
      xml: domain(disk("vda", "root", pci(4)), nic("52:54:00:00:00:01", pci(3))),
      disks: model("root"),
    };
    const defined = {
      xml: domain(disk("vda", "root"), nic("52:54:00:00:00:01")),
      disks: model("root"),
    };
    expect(hotplugs(live, defined)).toEqual({ plug: [], unplug: [] });
    // Another volume at the same target: the old one out, the new one in.
    const swapped = {
      xml: domain(disk("vda", "other"), nic("52:54:00:00:00:01")),
      disks: model("other"),
    };
    const { plug, unplug } = hotplugs(live, swapped);
    expect([plug.length, unplug.length]).toEqual([1, 1]);
  });
});

describe("replugs", () => {
  it("each interface on the network, as shown and as plugged in again (no tap, port or bridge)", () => {
    const live = domain(
      `<interface type='network'><mac address='52:54:00:00:00:01'/>` +
        `<source network='lan' portid='p-1' bridge='virbr3'/><target dev='vnet4'/>` +
        `<model type='virtio'/><alias name='net0'/>${pci(2)}</interface>`,
      nic("52:54:00:00:00:02").replace("'lan'", "'wan'"),
    );
    const [only, ...rest] = replugs(live, "lan");
    expect(rest).toEqual([]);
    expect(only.unplug).toContain('<target dev="vnet4"/>');
    expect(only.plug).toBe(
      '<interface type="network"><mac address="52:54:00:00:00:01"/><model type="virtio"/>' +
        '<address type="pci" domain="0x0000" bus="0x00" slot="0x02" function="0x0"/>' +
        '<source network="lan"/></interface>',
    );
    expect(replugs(live, "dmz")).toEqual([]);
  });
});
