/**
 * The devices of a definition that deskfleet neither models nor leaves to
 * libvirt, as verbatim fragments (xml/fragments.ts): what `deskfleet import`
 * writes under a guest's `xml.devices`, and what a guest read without state
 * (Pulumi's import) reports there, so that the two agree exactly. Each is the
 * element as libvirt has it, without the address and alias libvirt assigns.
 */
import { contains, parseFragment } from "./fragments";
import type { XmlNode } from "./xml";
import { attr, buildElement, child, children, parseXml } from "./xml";

/** Elements libvirt adds or deskfleet writes itself: never carried verbatim. */
const LIBVIRT_OWN = new Set(["emulator", "controller", "memballoon", "serial", "console", "audio"]);

/** Whether deskfleet's own keys describe this device element (xml/domain.ts, xml/deviceXml.ts). */
function modeled(name: string, el: XmlNode): boolean {
  const type = attr(el, "type");
  switch (name) {
    case "disk":
      // Whole disks are disks (file ones become their pool's volumes); install media and
      // empty drives are kept as they are.
      return attr(el, "device") === "disk" || (attr(el, "device") === "cdrom" && type === "volume");
    case "interface":
      return type === "network";
    case "input":
      return type === "tablet" || attr(el, "bus") === "ps2";
    case "redirdev":
      return type === "spicevmc";
    case "channel": {
      const target = attr(child(el, "target"), "name");
      return target === "org.qemu.guest_agent.0" || target === "com.redhat.spice.0";
    }
    case "hostdev":
      return type === "usb" || type === "pci";
    case "filesystem":
      return attr(child(el, "driver"), "type") === "virtiofs";
    case "graphics":
      return type === "vnc" || type === "spice";
    case "watchdog":
      // libvirt >= 9.x writes q35's built-in iTCO watchdog into every q35 definition itself.
      return attr(el, "model") === "itco";
    case "video":
    case "sound":
    case "rng":
    case "tpm":
      return true;
    default:
      return false;
  }
}

export function unmodeledDevices(domainXml: string): string[] {
  const devices = child(parseXml(domainXml, "domain"), "devices");
  if (devices === undefined) return [];
  return Object.keys(devices)
    .filter((name) => !name.startsWith("@_") && name !== "#text" && !LIBVIRT_OWN.has(name))
    .flatMap((name) =>
      children(devices, name)
        .filter((el) => !modeled(name, el))
        .map((el) => {
          const { address: _address, alias: _alias, ...rest } = el;
          return buildElement(name, rest);
        }),
    );
}

/**
 * The devices of a definition that deskfleet does not model and the fleet
 * does not declare under `xml.devices` (`declared`): added by hand or by
 * another tool. A guest read with its state reports them as drift, so the
 * preview says that the next redefinition removes them.
 */
export function undeclaredDevices(domainXml: string, declared: readonly string[]): string[] {
  const wanted = declared.map(parseFragment);
  return unmodeledDevices(domainXml).filter((text) => {
    const { name, node } = parseFragment(text);
    return !wanted.some((d) => d.name === name && contains(node, d.node));
  });
}
