import {
  diskVolumeName,
  imageVolumeName,
  planDisks,
  planDomain,
  planImageVolume,
  planNetwork,
  planPool,
  planSeed,
} from "../../../components/plan";
import { FLEET } from "./spec.fixture";
import { GUEST_SETTINGS_DEFAULTS } from "../../../xml/guestSettings";

const URI = "qemu:///system";
const [demo, work] = FLEET.guests;

describe("volume names", () => {
  it("names base volumes after the image and disks after guest and disk", () => {
    expect(imageVolumeName(FLEET.images[0])).toBe("appliance.qcow2");
    expect(imageVolumeName({ ...FLEET.images[0], format: "raw" })).toBe("appliance.img");
    expect(diskVolumeName("work", work.disks[1])).toBe("work-data.qcow2");
  });
});

describe("plan", () => {
  it("plans the pool, base image and network with the host URI", () => {
    expect(planPool(FLEET.pools[0], URI)).toEqual({
      uri: URI,
      name: "deskfleet",
      type: "dir",
      path: "/var/lib/libvirt/images/deskfleet",
      autostart: true,
    });
    expect(planImageVolume(FLEET.images[0], URI)).toEqual({
      uri: URI,
      pool: "deskfleet",
      name: "appliance.qcow2",
      format: "qcow2",
      source: "/images/appliance.qcow2",
      retain: false,
    });
    expect(planNetwork(FLEET.networks[0], URI)).toEqual({
      uri: URI,
      name: "demo-net",
      mode: "isolated",
      address: "10.77.0.1/24",
      dhcp: { start: "10.77.0.100", end: "10.77.0.199" },
      autostart: true,
    });
  });

  it("plans overlays on the base image and kept blank data disks", () => {
    expect(planDisks(work, FLEET.images, URI)).toEqual([
      {
        disk: "root",
        image: "appliance",
        args: {
          uri: URI,
          pool: "deskfleet",
          name: "work-root.qcow2",
          format: "qcow2",
          backingVolume: "appliance.qcow2",
          retain: false,
        },
      },
      {
        disk: "data",
        args: {
          uri: URI,
          pool: "deskfleet",
          name: "work-data.qcow2",
          format: "qcow2",
          capacity: 10 * 1024 ** 3,
          retain: true,
        },
      },
    ]);
  });

  it("rejects a disk whose image is unknown", () => {
    const bad = { ...demo, disks: [{ ...demo.disks[0], image: "nope" }] };
    expect(() => planDisks(bad, FLEET.images, URI)).toThrow(
      'guests.demo.disks.root: unknown image "nope"',
    );
  });

  it("plans the domain with its disks in order and declared MACs only", () => {
    expect(planDomain(work, planDisks(work, FLEET.images, URI), URI)).toEqual({
      ...GUEST_SETTINGS_DEFAULTS,
      uri: URI,
      name: "work",
      type: "kvm",
      memory: 2 * 1024 ** 3,
      vcpus: 2,
      machine: "q35",
      firmware: "uefi",
      disks: [
        {
          pool: "deskfleet",
          volume: "work-root.qcow2",
          format: "qcow2",
          keep: false,
          base: "appliance.qcow2",
        },
        { pool: "deskfleet", volume: "work-data.qcow2", format: "qcow2", keep: true },
      ],
      interfaces: [{ network: "demo-net", mac: "52:54:00:00:00:01" }],
      graphics: "spice",
      running: false,
      autostart: true,
      cdroms: [],
    });
    expect(planDomain(demo, planDisks(demo, FLEET.images, URI), URI).interfaces).toEqual([
      { network: "demo-net" },
    ]);
  });

  it("plans a guest's seed as a raw ISO volume labelled cidata, attached after its CD-ROMs", () => {
    expect(planSeed(demo, URI)).toBeUndefined();
    const files = { "meta-data": "instance-id: work-1\n", "user-data": "#cloud-config\n{}\n" };
    const seeded = {
      ...work,
      cdroms: [{ name: "install", image: "debian", pool: "deskfleet", volume: "debian.img" }],
      seed: { pool: "deskfleet", volume: "work-cidata.iso", files },
    };
    expect(planSeed(seeded, URI)).toEqual({
      uri: URI,
      pool: "deskfleet",
      name: "work-cidata.iso",
      format: "raw",
      iso: { label: "cidata", files },
      retain: false,
    });
    expect(planDomain(seeded, planDisks(seeded, FLEET.images, URI), URI).cdroms).toEqual([
      { pool: "deskfleet", volume: "debian.img" },
      { pool: "deskfleet", volume: "work-cidata.iso" },
    ]);
  });
});
