/** Text edits of disks inside libvirt's own documents (xml/diskEdits.ts). */
import { volumeDisksAsFiles, withDisksOf } from "../../../xml/diskEdits";
import { snapshotFacts } from "../../../xml/snapshot";

// As libvirt 11.3 saves a running guest's definition inside an external snapshot.
const SAVED = `<domainsnapshot>
  <name>s1</name>
  <disks>
    <disk name='vda' snapshot='external' type='file'>
      <source file='/p/g-vda.s1.qcow2'/>
    </disk>
  </disks>
  <domain type='qemu'>
    <devices>
      <disk type='volume' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source pool='p' volume='g-root.qcow2' index='1'/>
        <backingStore type='file' index='2'>
          <format type='qcow2'/>
          <source file='/p/base.qcow2'/>
        </backingStore>
        <target dev='vda' bus='virtio'/>
      </disk>
      <disk type='volume' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source pool='other' volume='data'/>
        <target dev='vdb' bus='virtio'/>
      </disk>
      <disk type='file' device='cdrom'>
        <source file='/iso/x.iso'/>
        <target dev='hdc' bus='sata'/>
      </disk>
    </devices>
  </domain>
  <inactiveDomain type='qemu'>
    <devices>
      <disk type='volume' device='disk'>
        <source pool='p' volume='g-root.qcow2'/>
        <target dev='vda' bus='virtio'/>
      </disk>
    </devices>
  </inactiveDomain>
</domainsnapshot>`;

describe("volumeDisksAsFiles", () => {
  const paths = new Map([["p/g-root.qcow2", "/p/g-root.qcow2"]]);

  it("turns the known volume disks into file disks in both saved definitions, and nothing else", () => {
    const out = volumeDisksAsFiles(SAVED, paths);
    expect(out).toBe(
      SAVED.replace(
        `<disk type='volume' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source pool='p' volume='g-root.qcow2' index='1'/>`,
        `<disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='/p/g-root.qcow2' index='1'/>`,
      ).replace(
        `<disk type='volume' device='disk'>
        <source pool='p' volume='g-root.qcow2'/>`,
        `<disk type='file' device='disk'>
        <source file='/p/g-root.qcow2'/>`,
      ),
    );
    // The backing chain's own file, the unknown volume and the cdrom are as they were.
    expect(out).toContain("<source pool='other' volume='data'/>");
    expect(out).toContain("<source file='/p/base.qcow2'/>");
  });

  it("changes nothing without volume disks it knows", () => {
    expect(volumeDisksAsFiles(SAVED, new Map())).toBe(SAVED);
  });

  it("escapes a path for an attribute", () => {
    const out = volumeDisksAsFiles(SAVED, new Map([["p/g-root.qcow2", "/p/it's & <so>"]]));
    expect(out).toContain("<source file='/p/it&apos;s &amp; &lt;so&gt;' index='1'/>");
    // An XML parser reads the path back as it was.
    const domain = out.slice(
      out.indexOf("<domain "),
      out.indexOf("</domain>") + "</domain>".length,
    );
    expect(snapshotFacts(domain).disks[0].file).toBe("/p/it's & <so>");
  });
});

describe("withDisksOf", () => {
  const before = `<domain><name>g</name><metadata><x:y xmlns:x="u">kept</x:y></metadata><devices>
    <disk type='file' device='disk'><source file='/p/g-vda.s2.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='volume' device='disk'><source pool='p' volume='d'/><target dev='vdb' bus='virtio'/></disk>
    <graphics type='vnc' passwd='secret'/>
  </devices></domain>`;
  const after = `<domain><name>g</name><devices>
    <disk type='file' device='disk'><source file='/p/g-root.1796465901'/><target dev='vda' bus='virtio'/></disk>
  </devices></domain>`;

  it("takes the disks libvirt has now, by target, and keeps everything else", () => {
    const out = withDisksOf(before, after);
    expect(out).toContain("<source file='/p/g-root.1796465901'/>");
    expect(out).not.toContain("g-vda.s2.qcow2");
    expect(out).toContain("<source pool='p' volume='d'/>");
    expect(out).toContain('<x:y xmlns:x="u">kept</x:y>');
    expect(out).toContain("passwd='secret'");
  });
});
