import type { FleetSpec } from "../../../fleet/spec";
import { GUEST_SETTINGS_DEFAULTS } from "../../../xml/guestSettings";

/** A small fleet as loadFleet would return it: one pool, image, network, and two guests. */
export const FLEET: FleetSpec = {
  hosts: [],
  snapshotSchedules: [],
  backupSchedules: [],
  pools: [
    { name: "deskfleet", type: "dir", path: "/var/lib/libvirt/images/deskfleet", autostart: true },
  ],
  networks: [
    {
      name: "demo-net",
      mode: "isolated",
      address: "10.77.0.1/24",
      dhcp: { start: "10.77.0.100", end: "10.77.0.199" },
      autostart: true,
    },
  ],
  images: [
    { name: "appliance", source: "/images/appliance.qcow2", pool: "deskfleet", format: "qcow2" },
  ],
  guests: [
    {
      ...GUEST_SETTINGS_DEFAULTS,
      cdroms: [],
      name: "demo",
      type: "qemu",
      memory: 256 * 1024 ** 2,
      vcpus: 1,
      machine: "pc",
      firmware: "bios",
      disks: [
        { name: "root", pool: "deskfleet", image: "appliance", size: 1024 ** 3, keep: false },
      ],
      interfaces: [{ network: "demo-net" }],
      graphics: "none",
      running: true,
      autostart: false,
    },
    {
      ...GUEST_SETTINGS_DEFAULTS,
      cdroms: [],
      name: "work",
      type: "kvm",
      memory: 2 * 1024 ** 3,
      vcpus: 2,
      machine: "q35",
      firmware: "uefi",
      disks: [
        { name: "root", pool: "deskfleet", image: "appliance", keep: false },
        { name: "data", pool: "deskfleet", size: 10 * 1024 ** 3, keep: true },
      ],
      interfaces: [{ network: "demo-net", mac: "52:54:00:00:00:01" }],
      graphics: "spice",
      running: false,
      autostart: true,
    },
  ],
};
