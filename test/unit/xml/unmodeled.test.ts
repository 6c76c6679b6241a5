/**
 * The devices deskfleet carries verbatim for an adopted guest
 * (xml/unmodeled.ts): what it models or libvirt adds stays out; the rest is
 * kept as libvirt has it, without its address and alias.
 */
import { undeclaredDevices, unmodeledDevices } from "../../../xml/unmodeled";

const domain = (devices: string) =>
  `<domain type='qemu'><name>g</name><devices>${devices}</devices></domain>`;

it("leaves out what deskfleet models and what libvirt adds itself", () => {
  const xml = domain(`
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'><source file='/p/g.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <controller type='usb' model='qemu-xhci'/><memballoon model='virtio'/>
    <interface type='network'><source network='lan'/><model type='e1000e'/></interface>
    <serial type='pty'/><console type='pty'/><audio id='1' type='spice'/>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
    <input type='tablet' bus='usb'/><input type='mouse' bus='ps2'/><input type='keyboard' bus='ps2'/>
    <graphics type='spice' autoport='yes'/><video><model type='qxl'/></video><sound model='ich9'/>
    <redirdev bus='usb' type='spicevmc'/><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
    <watchdog model='itco' action='reset'/>
    <filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'/><source dir='/w'/><target dir='w'/></filesystem>`);
  expect(unmodeledDevices(xml)).toEqual([]);
});

it("keeps the rest as libvirt has it, without address and alias", () => {
  const xml = domain(`
    <filesystem type='mount' accessmode='mapped'>
      <source dir='/srv/work'/><target dir='work'/><alias name='fs0'/>
      <address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/></filesystem>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sdb' bus='sata'/><readonly/></disk>
    <interface type='bridge'><source bridge='br0'/><mac address='52:54:00:01:02:03'/></interface>
    <channel type='spiceport'><source channel='org.spice-space.webdav.0'/><target type='virtio' name='org.spice-space.webdav.0'/></channel>
    <watchdog model='i6300esb' action='reset'/>`);
  expect(unmodeledDevices(xml)).toEqual([
    '<filesystem type="mount" accessmode="mapped"><source dir="/srv/work"/><target dir="work"/></filesystem>',
    '<disk type="file" device="cdrom"><driver name="qemu" type="raw"/><target dev="sdb" bus="sata"/><readonly/></disk>',
    '<interface type="bridge"><source bridge="br0"/><mac address="52:54:00:01:02:03"/></interface>',
    '<channel type="spiceport"><source channel="org.spice-space.webdav.0"/><target type="virtio" name="org.spice-space.webdav.0"/></channel>',
    '<watchdog model="i6300esb" action="reset"/>',
  ]);
});

it("undeclared: what the fleet's xml.devices does not account for, matched as libvirt expands them", () => {
  const xml = domain(`
    <watchdog model='i6300esb' action='reset'><alias name='watchdog0'/></watchdog>
    <panic model='isa'><address type='isa' iobase='0x505'/></panic>
    <disk type='volume' device='disk'><source pool='p' volume='v'/><target dev='vda' bus='virtio'/></disk>`);
  expect(undeclaredDevices(xml, [])).toEqual([
    '<watchdog model="i6300esb" action="reset"/>',
    '<panic model="isa"/>',
  ]);
  // Declared, with fewer attributes than libvirt shows: accounted for.
  expect(undeclaredDevices(xml, ["<watchdog model='i6300esb'/>"])).toEqual([
    '<panic model="isa"/>',
  ]);
  expect(undeclaredDevices(xml, ["<watchdog model='ib700'/>", "<panic/>"])).toEqual([
    '<watchdog model="i6300esb" action="reset"/>',
  ]);
});
