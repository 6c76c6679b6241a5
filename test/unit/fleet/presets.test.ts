/**
 * Presets (fleet/presets.ts) and desktop devices in a fleet file: what a
 * preset fills in, what the entry overrides, what is left out under plain
 * emulation, and each refused combination reported where it is written.
 */
import type { IssueCase } from "./helpers";
import { GiB, expectIssues, parseOne, yaml } from "./helpers";

const guestOf = (...lines: string[]) => parseOne(yaml("guests:", ...lines)).guests[0];

describe("a preset fills in a kind of guest", () => {
  it("windows under kvm: Windows 11's firmware, TPM and devices, Hyper-V and the host CPU", () => {
    expect(guestOf("  win11: { preset: windows, memory: 8GiB, vcpus: 4 }")).toMatchObject({
      memory: 8 * GiB,
      vcpus: 4,
      type: "kvm",
      machine: "q35",
      firmware: "uefi",
      secureBoot: true,
      tpm: true,
      graphics: "spice",
      video: "qxl",
      sound: true,
      tablet: true,
      usbRedirection: 2,
      guestAgent: true,
      spiceAgent: true,
      rng: true,
      hyperv: true,
      clock: "localtime",
      cpu: "host-passthrough",
      keepFirmwareState: true,
    });
  });

  it("under type qemu, leaves out what only kvm can do", () => {
    const g = guestOf("  win: { preset: windows, type: qemu, memory: 1GiB }");
    expect(g).toMatchObject({ type: "qemu", hyperv: true, cpu: "default", secureBoot: true });
  });

  it("what the entry says wins", () => {
    const g = guestOf(
      "  fed:",
      "    preset: desktop",
      "    memory: 4GiB",
      "    video: qxl",
      "    usbRedirection: 0",
      "    cpu: host-model",
    );
    expect(g).toMatchObject({ video: "qxl", usbRedirection: 0, cpu: "host-model", sound: true });
  });

  it("server: headless, with an agent", () => {
    expect(guestOf("  tools: { preset: server, memory: 1GiB }")).toMatchObject({
      machine: "q35",
      firmware: "bios",
      graphics: "none",
      guestAgent: true,
      rng: true,
      spiceAgent: false,
    });
  });

  it("install media: an image attached as it is, after the disks", () => {
    const spec = parseOne(
      yaml(
        "pools:",
        "  p: { path: /var/lib/p }",
        "images:",
        "  iso: { source: /img/win11.iso, format: raw }",
        "guests:",
        "  w:",
        "    memory: 1GiB",
        "    disks:",
        "      install: { cdrom: iso }",
        "      root: { size: 64GiB }",
      ),
    );
    expect(spec.guests[0].cdroms).toEqual([
      { name: "install", image: "iso", pool: "p", volume: "iso.img" },
    ]);
    expect(spec.guests[0].disks.map((d) => d.name)).toEqual(["root"]);
  });

  it("no preset: every device off", () => {
    expect(guestOf("  g: { memory: 1GiB }")).toMatchObject({
      machine: "pc",
      tpm: false,
      video: "auto",
      cpu: "default",
      usbDevices: [],
    });
  });
});

const cases: IssueCase[] = [
  [
    "an unknown preset",
    ["guests:", "  w: { preset: win11, memory: 1GiB }"],
    [
      [
        2,
        "win11",
        "guests.w.preset",
        "invalid_value",
        'expected one of "windows", "desktop", "server", got "win11"',
      ],
    ],
  ],
  [
    "a preset's Secure Boot on a machine the entry changed",
    [
      "guests:",
      "  w:",
      "    preset: windows",
      "    type: qemu",
      "    memory: 1GiB",
      "    machine: pc",
    ],
    [
      [
        3,
        "preset",
        "guests.w.secureBoot",
        "invalid_value",
        "Secure Boot needs machine q35 (OVMF's secure build needs SMM); it is pc (preset windows sets secureBoot; set it in the entry to override)",
      ],
    ],
  ],
  [
    "the SPICE agent without SPICE, and the host's CPU under plain emulation",
    [
      "guests:",
      "  g:",
      "    type: qemu",
      "    memory: 1GiB",
      "    spiceAgent: true",
      "    cpu: host-model",
    ],
    [
      [5, "true", "guests.g.spiceAgent", "invalid_value", "the SPICE agent needs graphics: spice"],
      [
        6,
        "host-model",
        "guests.g.cpu",
        "invalid_value",
        'cpu host-model needs type kvm; under type qemu name a model (e.g. "qemu64") or leave it out',
      ],
    ],
  ],
  [
    "waiting for an address without an interface, or for an agent without its channel",
    ["guests:", "  g: { memory: 1GiB, waitFor: ip }", "  h: { memory: 1GiB, waitFor: agent }"],
    [
      [2, "ip", "guests.g.waitFor", "invalid_value", "waitFor: ip needs an interface on a network"],
      [3, "agent", "guests.h.waitFor", "invalid_value", "waitFor: agent needs guestAgent: true"],
    ],
  ],
  [
    "a console socket without a console",
    ["guests:", "  g: { memory: 1GiB, graphicsListen: socket }"],
    [
      [
        2,
        "socket",
        "guests.g.graphicsListen",
        "invalid_value",
        "graphicsListen: socket needs graphics vnc or spice",
      ],
    ],
  ],
  [
    "a cdrom with what only a disk has, and one of an unknown image",
    [
      "pools:",
      "  p: { path: /var/lib/p }",
      "images:",
      "  iso: { source: /img/win11.iso, format: raw }",
      "guests:",
      "  g:",
      "    memory: 1GiB",
      "    disks:",
      "      install: { cdrom: iso, size: 1GiB }",
      "      drivers: { cdrom: virtio }",
    ],
    [
      [
        9,
        "1GiB",
        "guests.g.disks.install.size",
        "invalid_value",
        "a cdrom is its image as it is: no size (the image's pool holds it)",
      ],
      [
        10,
        "virtio",
        "guests.g.disks.drivers.cdrom",
        "unknown_reference",
        'unknown image "virtio"; known images: "iso"',
      ],
    ],
  ],
  [
    "a malformed USB id and PCI address",
    [
      "guests:",
      "  g:",
      "    memory: 1GiB",
      '    usbDevices: [{ vendor: "46d", product: c52b }]',
      '    pciDevices: ["01:00"]',
    ],
    [
      [
        4,
        '"46d"',
        "guests.g.usbDevices[0].vendor",
        "invalid_value",
        'expected four hex digits as lsusb prints them, like "046d"',
      ],
      [
        5,
        '"01:00"',
        "guests.g.pciDevices[0]",
        "invalid_value",
        'expected a PCI address as lspci -D prints it, like "0000:01:00.0"',
      ],
    ],
  ],
];

test.each(cases)("%s", expectIssues);
