/**
 * Verbatim XML (xml/fragments.ts): what is one well-formed element, where it
 * goes in a definition, and how it is recognised in libvirt's normalised XML.
 */
import { buildDomainXml, fragmentsIn, parseDomainXml } from "../../../xml/domain";
import type { DomainModel } from "../../../xml/domain";
import { NO_DEVICES } from "../../../xml/devices";
import { contains, fragmentError, parseFragment, xmlFields } from "../../../xml/fragments";

const WATCHDOG = "<watchdog model='i6300esb' action='reset'/>";
const CPU = "<cpu mode='host-model'><feature policy='disable' name='vmx'/></cpu>";

describe("fragmentError", () => {
  it.each([
    WATCHDOG,
    CPU,
    '<shmem name="ivshmem"><model type="ivshmem-plain"/><size unit="M">4</size></shmem>',
  ])("one element is fine: %s", (text) => {
    expect(fragmentError(text)).toBeUndefined();
  });

  it.each([
    ["<watchdog model='i6300esb'>", /not well-formed XML: .*watchdog/],
    ["<a/><b/>", /expected exactly one element.*found 2/],
    ["just text", /expected exactly one element.*found 0/],
    ["<a x='1' x='2'/>", /not well-formed XML: .*x/],
  ])("%s → %s", (text, message) => {
    expect(fragmentError(text)).toMatch(message);
  });

  it("the schema names the item and refuses deskfleet's own elements", () => {
    const result = xmlFields.xml.safeParse({
      devices: ["<a/>", "<b>"],
      elements: ["<uuid>x</uuid>"],
    });
    const issues = result.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues).toEqual([
      expect.stringMatching(/^devices\.1: not well-formed XML/),
      "elements.0: <uuid> is deskfleet's to write; declare it with its own key",
    ]);
  });
});

describe("contains: a declared element against libvirt's", () => {
  const actual = (xml: string) => parseFragment(xml).node;
  const declared = (xml: string) => parseFragment(xml).node;

  it("libvirt's additions (address, alias) do not count", () => {
    const libvirt =
      "<watchdog model='i6300esb' action='reset'><alias name='watchdog0'/><address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/></watchdog>";
    expect(contains(actual(libvirt), declared(WATCHDOG))).toBe(true);
  });

  it("a changed attribute, a missing child or other text does", () => {
    expect(
      contains(actual("<watchdog model='i6300esb' action='poweroff'/>"), declared(WATCHDOG)),
    ).toBe(false);
    expect(contains(actual("<cpu mode='host-model'/>"), declared(CPU))).toBe(false);
    expect(contains(actual("<size unit='M'>8</size>"), declared("<size unit='M'>4</size>"))).toBe(
      false,
    );
    expect(contains(actual("<size unit='M'> 4 </size>"), declared("<size unit='M'>4</size>"))).toBe(
      true,
    );
  });

  it("repeated children match in any order", () => {
    const two =
      "<cpu><feature name='a' policy='disable'/><feature name='b' policy='require'/></cpu>";
    const swapped =
      "<cpu><feature name='b' policy='require'/><feature name='a' policy='disable'/></cpu>";
    expect(contains(actual(swapped), declared(two))).toBe(true);
  });
});

describe("in a definition", () => {
  const base: DomainModel = {
    ...NO_DEVICES,
    name: "tools",
    type: "qemu",
    memory: 256 * 1024 ** 2,
    vcpus: 1,
    machine: "q35",
    firmware: "bios",
    disks: [],
    cdroms: [],
    diskBus: "virtio",
    nicModel: "virtio",
    interfaces: [],
    graphics: "none",
    graphicsListen: "loopback",
    consoleLog: "/var/log/libvirt/qemu/tools-console.log",
    cpu: "qemu64",
  };
  const extras = { devices: [WATCHDOG, WATCHDOG.replace("reset", "none")], elements: [CPU] };
  const xml = buildDomainXml({ ...base, xml: extras });

  it("devices are added beside deskfleet's, elements replace deskfleet's", () => {
    const flat = xml.replace(/>\s+</g, "><");
    expect(flat).toContain('<watchdog model="i6300esb" action="reset"/>');
    expect(flat).toContain('<watchdog model="i6300esb" action="none"/>');
    expect(flat).toContain('<cpu mode="host-model"><feature policy="disable" name="vmx"/></cpu>');
    expect(flat).not.toContain("qemu64");
    expect(parseDomainXml(xml).consoleLog).toBe(base.consoleLog);
  });

  it("all are found in what was written; one removed by hand is not", () => {
    expect(fragmentsIn(xml, extras)).toEqual(extras);
    const without = xml.replace(/<watchdog model="i6300esb" action="none"\/>/, "");
    expect(fragmentsIn(without, extras)).toEqual({ devices: [WATCHDOG], elements: [CPU] });
  });
});
