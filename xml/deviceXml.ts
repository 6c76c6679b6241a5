/**
 * The XML of a guest's devices (xml/devices.ts): what each adds to <os>,
 * <features>, <clock>, <cpu> and <devices>, and how each is read back from
 * what libvirt returns, whatever libvirt added or expanded.
 * https://libvirt.org/formatdomain.html
 */
import type { DeviceContext, Devices } from "./devices";
import { isQ35 } from "./machine";
import type { XmlNode } from "./xml";
import { attr, child, children, text } from "./xml";

const on = { "@_state": "on" };

/**
 * What libvirt's firmware autoselection must pick: the secure build with
 * Microsoft's keys, or one without Secure Boot. Left unsaid, libvirt may pick
 * a secure one for a guest that did not ask, whose unsigned boot loader OVMF
 * then refuses ("Security Violation").
 */
export function firmwareNode(d: Devices): XmlNode {
  if (!d.secureBoot) return { feature: { "@_enabled": "no", "@_name": "secure-boot" } };
  return {
    feature: [
      { "@_enabled": "yes", "@_name": "secure-boot" },
      { "@_enabled": "yes", "@_name": "enrolled-keys" },
    ],
  };
}

export function featureNodes(d: Devices & Pick<DeviceContext, "type">): XmlNode {
  // Hyper-V enlightenments Windows uses (virt-install's set for Windows guests); the rest
  // need KVM ("kernel doesn't allow setting HyperV VP_INDEX" under plain emulation).
  const emulated = { relaxed: on, vapic: on, spinlocks: { ...on, "@_retries": 8191 } };
  const kvmOnly = { vpindex: on, runtime: on, synic: on, stimer: on, frequencies: on };
  return {
    acpi: "",
    apic: "",
    ...(d.hyperv
      ? { hyperv: { "@_mode": "custom", ...emulated, ...(d.type === "kvm" ? kvmOnly : {}) } }
      : {}),
    // OVMF's secure build keeps its variables safe from the OS in system management mode.
    ...(d.secureBoot ? { smm: on } : {}),
  };
}

export function clockNode(d: Devices): XmlNode {
  return {
    "@_offset": d.clock,
    ...(d.hyperv ? { timer: { "@_name": "hypervclock", "@_present": "yes" } } : {}),
  };
}

/** virtiofsd reads the guest's memory: shares need it shared (memfd, as virt-manager sets it). */
export function memoryBackingNode(d: Devices): XmlNode | undefined {
  if (Object.keys(d.shares).length === 0) return undefined;
  return { source: { "@_type": "memfd" }, access: { "@_mode": "shared" } };
}

export function cpuNode(d: Devices): XmlNode | undefined {
  if (d.cpu === "default") return undefined;
  if (d.cpu === "host-passthrough" || d.cpu === "host-model") return { "@_mode": d.cpu };
  return {
    "@_mode": "custom",
    "@_match": "exact",
    model: { "@_fallback": "forbid", "#text": d.cpu },
  };
}

/** The <devices> children a guest's devices add, by element name. */
export function deviceNodes(d: Devices & DeviceContext): XmlNode {
  const channels: XmlNode[] = [
    ...(d.guestAgent
      ? [{ "@_type": "unix", target: { "@_type": "virtio", "@_name": "org.qemu.guest_agent.0" } }]
      : []),
    ...(d.spiceAgent
      ? [{ "@_type": "spicevmc", target: { "@_type": "virtio", "@_name": "com.redhat.spice.0" } }]
      : []),
  ];
  const hostdevs: XmlNode[] = [
    ...d.usbDevices.map((u) => ({
      "@_mode": "subsystem",
      "@_type": "usb",
      "@_managed": "yes",
      source: { vendor: { "@_id": `0x${u.vendor}` }, product: { "@_id": `0x${u.product}` } },
    })),
    ...d.pciDevices.map((a) => {
      const [domain, bus, rest] = a.split(":");
      const [slot, fn] = rest.split(".");
      return {
        "@_mode": "subsystem",
        "@_type": "pci",
        "@_managed": "yes",
        source: {
          address: {
            "@_domain": `0x${domain}`,
            "@_bus": `0x${bus}`,
            "@_slot": `0x${slot}`,
            "@_function": `0x${fn}`,
          },
        },
      };
    }),
  ];
  const shares = Object.entries(d.shares);
  return {
    ...(shares.length > 0
      ? {
          filesystem: shares.map(([tag, s]) => ({
            "@_type": "mount",
            "@_accessmode": "passthrough",
            driver: { "@_type": "virtiofs" },
            source: { "@_dir": s.source },
            target: { "@_dir": tag },
          })),
        }
      : {}),
    ...(d.video !== "auto" ? { video: { model: { "@_type": d.video } } } : {}),
    ...(d.sound ? { sound: { "@_model": isQ35(d.machine) ? "ich9" : "ich6" } } : {}),
    ...(d.tablet ? { input: { "@_type": "tablet", "@_bus": "usb" } } : {}),
    ...(d.usbRedirection > 0
      ? { redirdev: Array.from({ length: d.usbRedirection }, () => redirdev) }
      : {}),
    ...(channels.length > 0 ? { channel: channels } : {}),
    ...(d.rng ? { rng: { "@_model": "virtio", backend: rngBackend } } : {}),
    ...(d.tpm
      ? {
          tpm: {
            "@_model": isQ35(d.machine) ? "tpm-crb" : "tpm-tis",
            backend: { "@_type": "emulator", "@_version": "2.0" },
          },
        }
      : {}),
    ...(hostdevs.length > 0 ? { hostdev: hostdevs } : {}),
  };
}

const redirdev = { "@_bus": "usb", "@_type": "spicevmc" };
const rngBackend = { "@_model": "random", "#text": "/dev/urandom" };

const hexId = (v: string | undefined) => (v ?? "").replace(/^0x/i, "").toLowerCase();
const hexPart = (v: string | undefined, width: number) =>
  hexId(v).padStart(width, "0").slice(-width);

/**
 * The devices as libvirt has them. `video` and `cpu` are what libvirt reports,
 * which may be its own choice: a reader compares them only where they were declared.
 */
export function parseDevices(dom: XmlNode): Devices {
  const os = child(dom, "os");
  const features = child(dom, "features");
  const devices = child(dom, "devices");
  const channelNames = children(devices, "channel").map((c) => attr(child(c, "target"), "name"));
  const secureFeature = children(child(os, "firmware"), "feature").find(
    (f) => attr(f, "name") === "secure-boot",
  );
  const cpu = child(dom, "cpu");
  const cpuMode = attr(cpu, "mode");
  const hostdevs = children(devices, "hostdev");
  const virtiofs = children(devices, "filesystem").filter(
    (f) => attr(child(f, "driver"), "type") === "virtiofs",
  );
  return {
    shares: Object.fromEntries(
      virtiofs.map((f) => [
        attr(child(f, "target"), "dir") ?? "",
        { source: attr(child(f, "source"), "dir") ?? "" },
      ]),
    ),
    secureBoot:
      secureFeature !== undefined
        ? attr(secureFeature, "enabled") === "yes"
        : attr(child(os, "loader"), "secure") === "yes",
    tpm: children(devices, "tpm").length > 0,
    // No <video> is libvirt's choice still to make (it adds one where there is graphics).
    video: (attr(child(child(devices, "video"), "model"), "type") ?? "auto") as Devices["video"],
    sound: children(devices, "sound").length > 0,
    tablet: children(devices, "input").some((i) => attr(i, "type") === "tablet"),
    usbRedirection: children(devices, "redirdev").filter((r) => attr(r, "type") === "spicevmc")
      .length,
    guestAgent: channelNames.includes("org.qemu.guest_agent.0"),
    spiceAgent: channelNames.includes("com.redhat.spice.0"),
    rng: children(devices, "rng").some((r) => attr(r, "model") === "virtio"),
    hyperv: child(features, "hyperv") !== undefined,
    clock: attr(child(dom, "clock"), "offset") === "localtime" ? "localtime" : "utc",
    cpu:
      cpuMode === "host-passthrough" || cpuMode === "host-model"
        ? cpuMode
        : (text(cpu, "model") ?? "default"),
    usbDevices: hostdevs
      .filter((h) => attr(h, "type") === "usb")
      .map((h) => {
        const source = child(h, "source");
        return {
          vendor: hexId(attr(child(source, "vendor"), "id")),
          product: hexId(attr(child(source, "product"), "id")),
        };
      }),
    pciDevices: hostdevs
      .filter((h) => attr(h, "type") === "pci")
      .map((h) => {
        const a = child(child(h, "source"), "address");
        return `${hexPart(attr(a, "domain"), 4)}:${hexPart(attr(a, "bus"), 2)}:${hexPart(attr(a, "slot"), 2)}.${hexId(attr(a, "function")) || "0"}`;
      }),
  };
}
