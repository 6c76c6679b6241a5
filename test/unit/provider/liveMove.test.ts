/** liveMove.ts's pure parts: the definition sent with the migration, its parameters, host facts. */
import {
  liveMoveNote,
  machinesOf,
  migrateParams,
  qemuOwner,
  volumeDisks,
  withFileDisks,
} from "../../../provider/resources/liveMove";

/** A running guest's migratable XML as libvirt 9.0 writes it (trimmed). */
const LIVE = `<domain type='qemu'>
  <name>mail</name>
  <devices>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='images' volume='mail-root.qcow2' index='2'/>
      <backingStore type='file' index='3'>
        <format type='qcow2'/>
        <source file='/var/lib/libvirt/images/debian-13.qcow2'/>
        <backingStore/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='images' volume='mail-data.qcow2'>
        <seclabel model='dac' relabel='no'/>
      </source>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='volume' device='cdrom'>
      <source pool='images' volume='install.iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/srv/other.img'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
  </devices>
</domain>`;

describe("volumeDisks", () => {
  it("maps each writable pool volume to its device; not CD-ROMs, not plain files", () => {
    expect(volumeDisks(LIVE)).toEqual(
      new Map([
        ["images/mail-root.qcow2", "vda"],
        ["images/mail-data.qcow2", "vdb"],
      ]),
    );
  });
});

describe("withFileDisks", () => {
  const paths = new Map([
    ["vda", "/var/lib/libvirt/images/mail-root.qcow2"],
    ["vdb", "/var/lib/libvirt/images/mail-data.qcow2"],
  ]);
  const out = withFileDisks(LIVE, paths);

  it("makes each named disk a file at its path on the target, keeping its backing chain", () => {
    expect(out).toContain(
      "<disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source file='/var/lib/libvirt/images/mail-root.qcow2'/>\n      <backingStore type='file' index='3'>",
    );
    expect(out).toContain("<source file='/var/lib/libvirt/images/debian-13.qcow2'/>");
    expect(out).toContain(
      "<source file='/var/lib/libvirt/images/mail-data.qcow2'/>\n      <target dev='vdb'",
    );
    expect(out).not.toContain("volume='mail-");
  });

  it("leaves the other disks as they were", () => {
    expect(out).toContain(
      "<disk type='volume' device='cdrom'>\n      <source pool='images' volume='install.iso'/>",
    );
    expect(out).toContain("<source file='/srv/other.img'/>");
  });

  it("escapes a path for an attribute", () => {
    expect(withFileDisks(LIVE, new Map([["vda", "/a'b&c"]]))).toContain(
      "<source file='/a&apos;b&amp;c'/>",
    );
  });
});

describe("migrateParams", () => {
  it("between local daemons: both sockets, each disk, both definitions", () => {
    const channel = {
      dconnuri: "qemu+unix:///system?socket=/run/l/libvirt-sock",
      migrateUri: "unix:///run/l/f/memory.sock",
      disksUri: "unix:///run/l/f/disks.sock",
      socketFolder: "/run/l/f",
    };
    expect(migrateParams(channel, "<live/>", "<declared/>", ["vda", "vdb"])).toEqual([
      { name: "migrate_uri", string: "unix:///run/l/f/memory.sock" },
      { name: "disks_uri", string: "unix:///run/l/f/disks.sock" },
      { name: "migrate_disks", string: "vda" },
      { name: "migrate_disks", string: "vdb" },
      { name: "destination_xml", string: "<live/>" },
      { name: "persistent_xml", string: "<declared/>" },
    ]);
  });

  it("to another machine: no disks_uri (NBD goes to the migrate_uri's host)", () => {
    const params = migrateParams(
      { dconnuri: "qemu+ssh://laptop/system", migrateUri: "tcp://laptop" },
      "<live/>",
      "<declared/>",
      ["vda"],
    );
    expect(params.map((p) => p.name)).toEqual([
      "migrate_uri",
      "migrate_disks",
      "destination_xml",
      "persistent_xml",
    ]);
  });
});

const CAPS = `<capabilities>
  <host><secmodel><model>dac</model><doi>0</doi>
    <baselabel type='kvm'>+64055:+107</baselabel>
    <baselabel type='qemu'>+64055:+107</baselabel>
  </secmodel></host>
  <guest><os_type>hvm</os_type>
    <arch name='i686'><machine>pc-i440fx-6.0</machine></arch>
  </guest>
  <guest><os_type>hvm</os_type>
    <arch name='x86_64'><wordsize>64</wordsize>
      <machine maxCpus='288'>pc-q35-7.2</machine>
      <machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
      <machine maxCpus='255'>pc-i440fx-7.2</machine>
      <domain type='qemu'/>
    </arch>
  </guest>
</capabilities>`;

describe("host facts from capabilities", () => {
  it("machine types of the arch, aliases with their canonical names", () => {
    expect(machinesOf(CAPS, "x86_64").sort()).toEqual(["pc-i440fx-7.2", "pc-q35-7.2", "q35"]);
    expect(machinesOf(CAPS, "aarch64")).toEqual([]);
  });

  it("the user and group QEMU runs as (root where the DAC model says nothing)", () => {
    expect(qemuOwner(CAPS)).toEqual({ uid: 64055, gid: 107 });
    expect(qemuOwner("<capabilities/>")).toEqual({ uid: 0, gid: 0 });
  });
});

describe("liveMoveNote", () => {
  it("says live, what travels, and who opens the new host over ssh", () => {
    expect(
      liveMoveNote(
        "mail",
        "qemu:///system",
        "qemu+ssh://me@laptop/system",
        2,
        3_328_573_440, // what disks hold: an odd number of bytes, said roughly
        1024 ** 3,
        ["its base debian-13.qcow2"],
      ),
    ).toBe(
      "move mail qemu:///system → qemu+ssh://me@laptop/system (its base debian-13.qcow2 made there first; " +
        "live: the guest runs on while its memory (1 GiB) and the data its 2 disks hold above their images (3.1 GiB allocated) " +
        "are copied by qemu:///system (its daemon opens qemu+ssh://me@laptop/system itself, as root with its own ssh keys) straight to the new host, " +
        "then pauses for the last of its memory (well under a second when it writes little); " +
        "UUID, MACs, NVRAM and TPM state kept; removed from the old host once it runs on the new one)",
    );
  });
});
