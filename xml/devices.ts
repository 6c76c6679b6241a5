/**
 * A guest's desktop hardware beyond memory, CPUs, disks and interfaces: the
 * one shape of it. The fleet file's guest entry, the provider's Domain inputs
 * and the program's Domain arguments all take these fields as they are here
 * (with these defaults), and xml/domain.ts maps them to <domain> XML. Adding a
 * device means a field here, its XML in domain.ts, stacks/FORMAT.md and tests.
 *
 * Every default is "not there", so a guest defined before a field existed
 * reads back unchanged.
 */
import { z } from "zod";
import { isQ35 } from "./machine";

/** "046d": a USB vendor or product id, four hex digits as lsusb prints them. */
const usbId = z
  .string()
  .regex(/^[0-9a-fA-F]{4}$/, 'expected four hex digits as lsusb prints them, like "046d"')
  .transform((id) => id.toLowerCase());

/** "0000:01:00.0" (or "01:00.0"): a host PCI device as lspci -D prints it. */
const pciAddress = z
  .string()
  .regex(
    /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7]$/,
    'expected a PCI address as lspci -D prints it, like "0000:01:00.0"',
  )
  .transform((a) => (a.length === 7 ? `0000:${a}` : a).toLowerCase());

/** CPU models as libvirt names them: "host-passthrough", "host-model" or a model like "Skylake-Client". */
const cpu = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'expected "host-passthrough", "host-model" or a CPU model',
  );

/** A virtiofs mount tag: what the guest mounts (`mount -t virtiofs work /mnt`), at most 36 bytes. */
const shareTag = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,35}$/,
    "expected a mount tag of 1 to 36 letters, digits, '_', '.' or '-'",
  );

export const deviceFields = {
  /**
   * Host folders shared with the guest over virtiofs, by mount tag (`mount -t virtiofs work
   * /mnt/work`); they need the guest's memory shared with virtiofsd, which is set with them.
   */
  shares: z
    .record(
      shareTag,
      z.strictObject({
        source: z.string().startsWith("/", "expected an absolute path on the host"),
      }),
    )
    .default({}),
  /** UEFI Secure Boot with Microsoft's keys enrolled (OVMF's .ms variables); needs firmware uefi, machine q35. */
  secureBoot: z.boolean().default(false),
  /** A TPM 2.0 (swtpm emulator); its state stays with the guest's UUID. */
  tpm: z.boolean().default(false),
  /** The video card; "auto" is libvirt's choice (a VGA card when there is graphics). */
  video: z.enum(["auto", "none", "vga", "qxl", "virtio", "bochs", "cirrus"]).default("auto"),
  /** A sound card (ICH9 HDA on q35, ICH6 on pc). */
  sound: z.boolean().default(false),
  /** A USB tablet: the pointer follows the host's without grabbing. */
  tablet: z.boolean().default(false),
  /** SPICE USB redirection channels (how many USB devices the viewer can hand over at once). */
  usbRedirection: z.number().int().min(0).max(8).default(0),
  /** The QEMU guest agent's channel (shutdown, addresses, fsfreeze for snapshots). */
  guestAgent: z.boolean().default(false),
  /** The SPICE agent's channel (clipboard sharing, display resizing); needs graphics spice. */
  spiceAgent: z.boolean().default(false),
  /** A virtio random number generator fed from the host's /dev/urandom. */
  rng: z.boolean().default(false),
  /**
   * Hyper-V enlightenments and clock, as Windows guests want them: virt-install's set, under
   * type qemu only those QEMU emulates without KVM (relaxed, vapic, spinlocks).
   */
  hyperv: z.boolean().default(false),
  /** The guest's hardware clock: UTC, or local time (as Windows keeps it). */
  clock: z.enum(["utc", "localtime"]).default("utc"),
  /** "default" leaves the CPU model to libvirt; host-passthrough and host-model need type kvm. */
  cpu: cpu.default("default"),
  /** Host USB devices passed through, by vendor and product id. */
  usbDevices: z.array(z.object({ vendor: usbId, product: usbId })).default([]),
  /** Host PCI devices passed through, by address. */
  pciDevices: z.array(pciAddress).default([]),
};

export const devicesSchema = z.object(deviceFields);

/** A guest's devices, every field filled. */
export type Devices = z.output<typeof devicesSchema>;

/** Just the device fields of something that has them (a parsed domain, a guest's fields). */
export function pickDevices(from: Devices): Devices {
  const keys = Object.keys(deviceFields) as (keyof Devices)[];
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as unknown as Devices;
}

/** The fields every device rule needs to see besides the devices themselves. */
export interface DeviceContext {
  type: "kvm" | "qemu";
  machine: string;
  firmware: "bios" | "uefi";
  graphics: "none" | "vnc" | "spice";
}

/**
 * Combinations libvirt or QEMU would refuse (or silently ignore), each with
 * the property to blame and what to do: checked by the fleet loader (with the
 * line it is on) and by the provider.
 */
export function deviceConflicts(
  d: Devices & DeviceContext,
): { property: keyof Devices; reason: string }[] {
  const q35 = isQ35(d.machine);
  const conflicts: { property: keyof Devices; reason: string }[] = [];
  if (d.secureBoot && d.firmware !== "uefi") {
    conflicts.push({ property: "secureBoot", reason: "Secure Boot needs firmware: uefi" });
  } else if (d.secureBoot && !q35) {
    conflicts.push({
      property: "secureBoot",
      reason: `Secure Boot needs machine q35 (OVMF's secure build needs SMM); it is ${d.machine}`,
    });
  }
  if (d.usbRedirection > 0 && d.graphics !== "spice") {
    conflicts.push({ property: "usbRedirection", reason: "USB redirection needs graphics: spice" });
  }
  if (d.spiceAgent && d.graphics !== "spice") {
    conflicts.push({ property: "spiceAgent", reason: "the SPICE agent needs graphics: spice" });
  }
  if ((d.cpu === "host-passthrough" || d.cpu === "host-model") && d.type !== "kvm") {
    conflicts.push({
      property: "cpu",
      reason: `cpu ${d.cpu} needs type kvm; under type qemu name a model (e.g. "qemu64") or leave it out`,
    });
  }
  return conflicts;
}

/** A guest with none of these devices (every field at its default). */
export const NO_DEVICES: Devices = devicesSchema.parse({});
