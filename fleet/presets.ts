/**
 * Presets: named sets of defaults for a guest entry, so that a desktop guest
 * is ten lines. A preset's values stand in for the defaults; anything the
 * entry itself says wins. stacks/FORMAT.md lists exactly what each sets (a
 * test holds the two together).
 */
import type { DataMap } from "./tree";
import { isDataMap } from "./tree";

export const PRESET_NAMES = ["windows", "desktop", "server"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Guest fields and the values a preset gives them, as a fleet file would write them. */
type PresetValues = Readonly<Record<string, string | number | boolean>>;

/** What the desktop presets share: SPICE with what makes it pleasant, and an agent. */
const DESKTOP: PresetValues = {
  machine: "q35",
  firmware: "uefi",
  graphics: "spice",
  sound: true,
  tablet: true,
  usbRedirection: 2,
  guestAgent: true,
  spiceAgent: true,
  rng: true,
};

export const PRESETS: Readonly<Record<PresetName, PresetValues>> = {
  /** Windows 11's requirements (UEFI Secure Boot, TPM 2.0) and what Windows drivers expect. */
  windows: {
    ...DESKTOP,
    secureBoot: true,
    tpm: true,
    video: "qxl",
    clock: "localtime",
    hyperv: true,
    // Windows' installer has no virtio driver: it finds its disk on SATA and its network on
    // an e1000e.
    diskBus: "sata",
    nicModel: "e1000e",
  },
  /** A Linux desktop: virtio GPU. */
  desktop: { ...DESKTOP, video: "virtio" },
  /** A headless guest reached over the network. */
  server: { machine: "q35", guestAgent: true, rng: true },
};

/**
 * Set under type kvm only (the default type): QEMU refuses them under plain
 * emulation: the host's CPU as it is.
 */
export const KVM_PRESETS: Readonly<Record<PresetName, PresetValues>> = {
  windows: { cpu: "host-passthrough" },
  desktop: { cpu: "host-passthrough" },
  server: { cpu: "host-passthrough" },
};

/**
 * A guest entry with its preset's values filled in where the entry says
 * nothing. An unknown preset is left for the schema to report.
 */
export function withPreset(raw: unknown): unknown {
  if (!isDataMap(raw)) return raw;
  const name = raw.get("preset");
  if (typeof name !== "string" || !(PRESET_NAMES as readonly string[]).includes(name)) return raw;
  const preset = name as PresetName;
  const kvm = (raw.get("type") ?? "kvm") === "kvm" ? KVM_PRESETS[preset] : {};
  const filled: DataMap = new Map(Object.entries({ ...PRESETS[preset], ...kvm }));
  for (const [key, value] of raw) filled.set(key, value);
  return filled;
}
