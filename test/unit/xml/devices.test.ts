/**
 * A guest's desktop devices (xml/devices.ts, xml/deviceXml.ts): every device
 * written and read back, libvirt's own expansions read as what was declared,
 * the combinations that would be refused, and bad ids named.
 */
import type { DomainModel } from "../../../xml/domain";
import { buildDomainXml, parseDomainXml } from "../../../xml/domain";
import type { DeviceContext, Devices } from "../../../xml/devices";
import { deviceConflicts, devicesSchema, NO_DEVICES, pickDevices } from "../../../xml/devices";
import { uuidFor } from "../../../provider/resources/domain";

const base: DomainModel = {
  ...NO_DEVICES,
  name: "win11",
  type: "qemu",
  memory: 512 * 1024 ** 2,
  vcpus: 2,
  machine: "q35",
  firmware: "uefi",
  disks: [],
  cdroms: [],
  diskBus: "virtio",
  nicModel: "virtio",
  interfaces: [],
  graphics: "spice",
  graphicsListen: "loopback",
  consoleLog: "/var/log/libvirt/qemu/win11-console.log",
};

const everything: Devices = {
  shares: { work: { source: "/home/me/work" }, music: { source: "/srv/music" } },
  secureBoot: true,
  tpm: true,
  video: "qxl",
  sound: true,
  tablet: true,
  usbRedirection: 2,
  guestAgent: true,
  spiceAgent: true,
  rng: true,
  hyperv: true,
  clock: "localtime",
  cpu: "Skylake-Client",
  usbDevices: [{ vendor: "046d", product: "c52b" }],
  pciDevices: ["0000:01:00.0", "0000:0a:1f.7"],
};

const roundTrip = (d: Partial<Devices>, over: Partial<DomainModel> = {}) =>
  pickDevices(parseDomainXml(buildDomainXml({ ...base, ...over, ...d })));

describe("each device round-trips through its XML", () => {
  it("none of them", () => {
    expect(roundTrip({})).toEqual(NO_DEVICES);
  });

  it("all of them", () => {
    expect(roundTrip(everything)).toEqual(everything);
  });

  it.each(Object.entries(everything))("%s alone", (key, value) => {
    expect(roundTrip({ [key]: value })).toEqual({ ...NO_DEVICES, [key]: value });
  });

  it.each(["host-passthrough", "host-model", "qemu64"])("cpu %s", (cpu) => {
    expect(roundTrip({ cpu }, { type: "kvm" }).cpu).toBe(cpu);
  });

  it.each(["none", "vga", "virtio", "qxl"] as const)("video %s", (video) => {
    expect(roundTrip({ video }).video).toBe(video);
  });
});

describe("the XML each device writes", () => {
  const xml = buildDomainXml({ ...base, ...everything }).replace(/>\s+</g, "><");

  it("Secure Boot: the secure firmware with enrolled keys, and SMM", () => {
    expect(xml).toContain('<feature enabled="yes" name="secure-boot"/>');
    expect(xml).toContain('<feature enabled="yes" name="enrolled-keys"/>');
    expect(xml).toContain('<smm state="on"/>');
  });

  it("UEFI without Secure Boot says so: libvirt might pick a secure build otherwise", () => {
    const plain = buildDomainXml(base).replace(/>\s+</g, "><");
    expect(plain).toContain('<firmware><feature enabled="no" name="secure-boot"/></firmware>');
    expect(parseDomainXml(buildDomainXml(base)).secureBoot).toBe(false);
  });

  it("TPM 2.0 emulated by swtpm, CRB on q35 and TIS on pc", () => {
    expect(xml).toContain('<tpm model="tpm-crb"><backend type="emulator" version="2.0"/></tpm>');
    expect(buildDomainXml({ ...base, machine: "pc", tpm: true })).toContain('model="tpm-tis"');
  });

  it("sound: ICH9 on q35, ICH6 on pc", () => {
    expect(xml).toContain('<sound model="ich9"/>');
    expect(buildDomainXml({ ...base, machine: "pc", sound: true })).toContain('model="ich6"');
  });

  it("agent channels, USB redirection, the RNG and passthrough devices", () => {
    expect(xml).toContain('name="org.qemu.guest_agent.0"');
    expect(xml).toContain('name="com.redhat.spice.0"');
    expect(xml.match(/<redirdev bus="usb" type="spicevmc"\/>/g)).toHaveLength(2);
    expect(xml).toContain('<backend model="random">/dev/urandom</backend>');
    expect(xml).toContain('<vendor id="0x046d"/><product id="0xc52b"/>');
    expect(xml).toContain('<address domain="0x0000" bus="0x0a" slot="0x1f" function="0x7"/>');
  });

  it("Hyper-V enlightenments under plain emulation: only those QEMU emulates without KVM", () => {
    const qemu = buildDomainXml({ ...base, hyperv: true }).replace(/>\s+</g, "><");
    expect(qemu).toContain(
      '<hyperv mode="custom"><relaxed state="on"/><vapic state="on"/><spinlocks state="on" retries="8191"/></hyperv>',
    );
    const kvm = buildDomainXml({ ...base, type: "kvm", hyperv: true });
    expect(kvm).toContain('<vpindex state="on"/>');
  });

  it("shares: virtiofs mounts by tag, with the guest's memory shared with virtiofsd", () => {
    expect(xml).toContain(
      '<filesystem type="mount" accessmode="passthrough"><driver type="virtiofs"/><source dir="/home/me/work"/><target dir="work"/></filesystem>',
    );
    expect(xml).toContain(
      '<memoryBacking><source type="memfd"/><access mode="shared"/></memoryBacking>',
    );
    expect(buildDomainXml(base)).not.toContain("memoryBacking");
  });

  it("Hyper-V enlightenments with their clock, in local time", () => {
    expect(xml).toContain('<relaxed state="on"/>');
    expect(xml).toContain('<clock offset="localtime"><timer name="hypervclock" present="yes"/>');
  });
});

describe("what libvirt writes back", () => {
  it("reads Secure Boot from an expanded loader (libvirt 11 fills in the firmware it chose)", () => {
    const xml = `<domain type='qemu'><name>x</name><os><type machine='pc-q35-10.0'>hvm</type>
      <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>
      <nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/x_VARS.fd</nvram>
      </os><devices/></domain>`;
    expect(parseDomainXml(xml)).toMatchObject({ firmware: "uefi", secureBoot: true });
  });

  it("reads an explicitly disabled Secure Boot feature as off", () => {
    const xml = `<domain type='qemu'><name>x</name><os firmware='efi'><type machine='q35'>hvm</type>
      <firmware><feature enabled='no' name='secure-boot'/></firmware>
      <loader secure='yes'/></os><devices/></domain>`;
    expect(parseDomainXml(xml).secureBoot).toBe(false);
  });

  it("reads a PCI address libvirt wrote without padding", () => {
    const xml = `<domain type='kvm'><name>x</name><os><type>hvm</type></os><devices>
      <hostdev mode='subsystem' type='pci' managed='yes'><source>
      <address domain='0x0' bus='0x1' slot='0x0' function='0x0'/></source></hostdev>
      </devices></domain>`;
    expect(parseDomainXml(xml).pciDevices).toEqual(["0000:01:00.0"]);
  });
});

describe("conflicts", () => {
  const ctx: DeviceContext = { type: "qemu", machine: "q35", firmware: "uefi", graphics: "spice" };
  const conflicts = (d: Partial<Devices>, c: Partial<DeviceContext> = {}) =>
    deviceConflicts({ ...NO_DEVICES, ...ctx, ...c, ...d }).map((x) => `${x.property}: ${x.reason}`);

  it("a Windows-like guest has none", () => {
    expect(conflicts({ ...everything, cpu: "default", hyperv: false })).toEqual([]);
    expect(conflicts({ ...everything, cpu: "host-passthrough" }, { type: "kvm" })).toEqual([]);
  });

  it.each<[Partial<Devices>, Partial<DeviceContext>, string]>([
    [{ secureBoot: true }, { firmware: "bios" }, "secureBoot: Secure Boot needs firmware: uefi"],
    [{ secureBoot: true }, { machine: "pc" }, "secureBoot: Secure Boot needs machine q35"],
    [
      { usbRedirection: 1 },
      { graphics: "vnc" },
      "usbRedirection: USB redirection needs graphics: spice",
    ],
    [
      { spiceAgent: true },
      { graphics: "none" },
      "spiceAgent: the SPICE agent needs graphics: spice",
    ],
    [{ cpu: "host-passthrough" }, {}, "cpu: cpu host-passthrough needs type kvm"],
    [{ cpu: "host-model" }, {}, "cpu: cpu host-model needs type kvm"],
  ])("%j on %j", (d, c, message) => {
    expect(conflicts(d, c).join("\n")).toContain(message);
  });

  it("host-passthrough under kvm and secure boot on a versioned q35 are fine", () => {
    expect(
      conflicts(
        { cpu: "host-passthrough", secureBoot: true },
        { type: "kvm", machine: "pc-q35-7.2" },
      ),
    ).toEqual([]);
  });
});

describe("validation of ids", () => {
  const issues = (d: unknown) =>
    devicesSchema.safeParse(d).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

  it("takes ids as lsusb and lspci print them, in either case", () => {
    const parsed = devicesSchema.parse({
      usbDevices: [{ vendor: "046D", product: "C52B" }],
      pciDevices: ["01:00.0", "0000:0A:00.1"],
    });
    expect(parsed.usbDevices).toEqual([{ vendor: "046d", product: "c52b" }]);
    expect(parsed.pciDevices).toEqual(["0000:01:00.0", "0000:0a:00.1"]);
  });

  it.each([
    [
      { usbDevices: [{ vendor: "46d", product: "c52b" }] },
      "usbDevices.0.vendor: expected four hex digits",
    ],
    [
      { usbDevices: [{ vendor: "046d", product: "0xc52b" }] },
      "usbDevices.0.product: expected four hex digits",
    ],
    [{ pciDevices: ["1:00.0"] }, "pciDevices.0: expected a PCI address"],
    [{ pciDevices: ["0000:01:20.0"] }, "pciDevices.0: expected a PCI address"],
    [{ pciDevices: ["0000:01:00.8"] }, "pciDevices.0: expected a PCI address"],
    [{ usbRedirection: 9 }, "usbRedirection: "],
    [{ video: "ramfb" }, "video: "],
    [{ cpu: "host passthrough" }, "cpu: expected"],
  ])("%j", (d, message) => {
    expect(issues(d).join("\n")).toContain(message);
  });
});

describe("uuidFor", () => {
  it("is stable per URN, distinct between URNs, and a version 4 UUID", () => {
    const a = uuidFor("urn:pulumi:desk::deskfleet::deskfleet:libvirt:Domain::mail");
    expect(a).toBe(uuidFor("urn:pulumi:desk::deskfleet::deskfleet:libvirt:Domain::mail"));
    expect(a).not.toBe(uuidFor("urn:pulumi:desk::deskfleet::deskfleet:libvirt:Domain::win11"));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
