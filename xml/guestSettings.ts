/**
 * The settings of a guest that a fleet file's guest entry and the provider's
 * Domain kind take as they are, with these defaults: written once here, and
 * spread into both schemas (fleet/schema.ts, provider/resources/domain.ts), so
 * the fleet spec, the Domain's inputs and the program's arguments share them.
 * What differs stays with each: the fleet file's sizes ("4GiB"), disk and
 * network names; the Domain's bytes, volumes and URI.
 */
import { z } from "zod";
import { deviceConflicts, deviceFields } from "./devices";
import { xmlFields } from "./fragments";

export const guestSettingsFields = {
  /** Hypervisor: `kvm`, or `qemu` (plain emulation, slow: where /dev/kvm is missing). */
  type: z.enum(["kvm", "qemu"]).default("kvm"),
  vcpus: z.number().int().min(1).max(256).default(1),
  /**
   * The most vCPUs the guest can be given while it runs (hot-plug); absent: `vcpus`, so a
   * change of `vcpus` waits for a restart.
   */
  maxVcpus: z.number().int().min(1).max(256).optional(),
  /**
   * What a change that only a restart applies does to a running guest: `never` (its
   * definition changes, it runs on as it is, and the change is pending until it restarts) or
   * `allowed` (a graceful restart: the guest agent's shutdown when it has one, else ACPI).
   */
  restart: z.enum(["never", "allowed"]).default("never"),
  /** Raising it restarts the running guest once at the next `up`, whatever `restart` says. */
  restartGeneration: z.number().int().min(0).default(0),
  /**
   * Raising it rebuilds the guest's disks that are overlays on an image: each is made anew on
   * its image (a new overlay: moments, whatever the image's size) while the guest is off; its
   * other disks, UUID, MACs, NVRAM and TPM state stay. Its snapshots go (they hold the old disks).
   */
  rebuild: z.number().int().min(0).default(0),
  firmware: z.enum(["bios", "uefi"]).default("bios"),
  /**
   * The bus of the guest's disks: virtio (fastest; the guest needs its driver), sata (what
   * every OS boots from, Windows' installer included) or scsi (virtio-scsi: discard, hot-plug).
   */
  diskBus: z.enum(["virtio", "sata", "scsi"]).default("virtio"),
  /** The model of every network interface: virtio (fastest; needs its driver) or an emulated NIC. */
  nicModel: z.enum(["virtio", "e1000e", "e1000", "rtl8139"]).default("virtio"),
  /** The graphical console, on 127.0.0.1 or a unix socket only (`graphicsListen`). */
  graphics: z.enum(["none", "vnc", "spice"]).default("none"),
  /**
   * Where the console listens: `loopback` (a TCP port on 127.0.0.1: any local user can
   * connect) or `socket` (a unix socket in the guest's private libvirt folder: only root and
   * libvirt's clients, virt-viewer and virt-manager, reach it; no port at all).
   */
  graphicsListen: z.enum(["loopback", "socket"]).default("loopback"),
  running: z.boolean().default(true),
  autostart: z.boolean().default(false),
  /**
   * How the guest moves when its `host` changes: `cold` (it shuts down, its disks are copied
   * through the machine running Pulumi, it starts on the new host) or `live` (libvirt's peer to
   * peer migration: it runs on while its memory and disks are copied host to host; the preview
   * refuses it, saying why, where the hosts or the guest do not allow it).
   */
  move: z.enum(["cold", "live"]).default("cold"),
  /** Seconds a graceful (ACPI) shutdown may take before the guest is forced off. */
  shutdownTimeout: z.number().int().min(0).max(3600).default(60),
  /**
   * What `up` waits for once the guest runs: `ip` (its networks' DHCP leased it an address),
   * `agent` (its guest agent answers) or `none`.
   */
  waitFor: z.enum(["none", "ip", "agent"]).default("none"),
  /** Seconds `waitFor` may take before `up` fails for this guest. */
  waitTimeout: z.number().int().min(1).max(3600).default(300),
  /**
   * Leave the NVRAM (UEFI variables) and TPM state on the host when the guest is deleted: a
   * Windows guest's TPM holds its BitLocker keys. A guest of the same name made again finds
   * them (its UUID comes from its Pulumi URN, and swtpm keeps state per UUID).
   */
  keepFirmwareState: z.boolean().default(true),
  ...deviceFields,
  ...xmlFields,
};

export const guestSettingsSchema = z.object(guestSettingsFields);
export type GuestSettings = z.output<typeof guestSettingsSchema>;

/** Just the shared settings of something that has them: every key of the schema, no other. */
export function pickGuestSettings(from: GuestSettings): GuestSettings {
  const keys = Object.keys(guestSettingsFields) as (keyof GuestSettings)[];
  const given = keys.filter((k) => from[k] !== undefined); // an optional setting left out stays out
  return Object.fromEntries(given.map((k) => [k, from[k]])) as unknown as GuestSettings;
}

/**
 * Settings libvirt, QEMU or deskfleet would refuse together, each with the
 * property to blame and what to do (the devices' own, then readiness):
 * checked by the fleet loader (with the line it is on) and by the provider.
 */
export function settingsConflicts(
  s: GuestSettings & { machine: string; interfaceCount: number },
): { property: keyof GuestSettings; reason: string }[] {
  const conflicts: { property: keyof GuestSettings; reason: string }[] = deviceConflicts(s);
  if (s.maxVcpus !== undefined && s.maxVcpus < s.vcpus) {
    conflicts.push({
      property: "maxVcpus",
      reason: `maxVcpus ${s.maxVcpus} is below vcpus ${s.vcpus}`,
    });
  }
  if (s.graphicsListen === "socket" && s.graphics === "none") {
    conflicts.push({
      property: "graphicsListen",
      reason: "graphicsListen: socket needs graphics vnc or spice",
    });
  }
  if (s.waitFor === "ip" && s.interfaceCount === 0) {
    conflicts.push({ property: "waitFor", reason: "waitFor: ip needs an interface on a network" });
  }
  if (s.waitFor === "agent" && !s.guestAgent) {
    conflicts.push({ property: "waitFor", reason: "waitFor: agent needs guestAgent: true" });
  }
  return conflicts;
}

/** Every setting at its default: a guest entry that says nothing but its memory. */
export const GUEST_SETTINGS_DEFAULTS: GuestSettings = guestSettingsSchema.parse({});
