/** Snapshot and metadata XML: round trips, libvirt's own forms, a domain's snapshot facts. */
import { buildDomainXml, parseDomainXml } from "../../../xml/domain";
import {
  buildRunXml,
  buildScheduleXml,
  parseRunXml,
  parseScheduleXml,
} from "../../../snapshots/metadataXml";
import { buildSnapshotXml, parseSnapshotXml, snapshotFacts } from "../../../xml/snapshot";
import { DEFAULT_POLICY } from "../../../snapshots/policy";
import { LIBVIRT_DOMAIN_XML } from "../provider/fixtures";

describe("domainsnapshot XML", () => {
  it("spells out memory and every disk, and round-trips", () => {
    const model = {
      name: "post-install",
      description: 'deskfleet baseline of "demo" & co',
      memory: "internal" as const,
      disks: [
        { target: "vda", snapshot: "internal" as const },
        { target: "hdc", snapshot: "no" as const },
      ],
    };
    const xml = buildSnapshotXml(model);
    expect(xml).toContain('<memory snapshot="internal"></memory>'.replace("></memory>", "/>"));
    expect(parseSnapshotXml(xml)).toEqual({ ...model, state: "", creationTime: 0 });
  });

  it("names an external snapshot's overlays and memory file", () => {
    const xml = buildSnapshotXml({
      name: "autosnap_2030-01-01_04-30-00_hourly",
      description: "d",
      memory: "external",
      memoryFile: "/p/demo.autosnap_2030-01-01_04-30-00_hourly.mem",
      disks: [
        { target: "vda", snapshot: "external", file: "/p/demo-vda.a.qcow2" },
        { target: "hdc", snapshot: "no" },
      ],
    });
    expect(xml).toContain(
      '<memory snapshot="external" file="/p/demo.autosnap_2030-01-01_04-30-00_hourly.mem"',
    );
    expect(xml).toMatch(
      /<disk name="vda" snapshot="external" type="file">\s*<driver type="qcow2"\/>\s*<source file="\/p\/demo-vda.a.qcow2"\/>/,
    );
    expect(parseSnapshotXml(xml).disks).toEqual([
      { target: "vda", snapshot: "external" },
      { target: "hdc", snapshot: "no" },
    ]);
  });

  it("finds UEFI, its NVRAM's format, a TPM, a connected agent and a disk on an overlay file", () => {
    const xml = `<domain type='qemu'><name>w</name>
  <os firmware='efi'><type arch='x86_64' machine='pc-q35-10.0'>hvm</type>
    <loader readonly='yes' secure='yes' type='pflash' format='raw'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>
    <nvram template='/x/OVMF_VARS_4M.ms.qcow2' templateFormat='qcow2' format='qcow2'>/var/lib/libvirt/qemu/nvram/w_VARS.qcow2</nvram>
  </os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/p/w-vda.autosnap_x.qcow2' index='2'/>
      <backingStore type='volume' index='1'><format type='qcow2'/><source pool='p' volume='w-root.qcow2'/></backingStore>
      <target dev='vda' bus='virtio'/></disk>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/></channel>
    <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
  </devices></domain>`;
    expect(snapshotFacts(xml)).toEqual({
      uefi: true,
      nvramFormat: "qcow2",
      tpm: true,
      agent: true,
      disks: [
        {
          target: "vda",
          device: "disk",
          format: "qcow2",
          readonly: false,
          file: "/p/w-vda.autosnap_x.qcow2",
        },
      ],
    });
    const disconnected = xml.replace("state='connected'", "state='disconnected'");
    expect(snapshotFacts(disconnected).agent).toBe(false);
  });

  it("reads what libvirt 9.0 returns", () => {
    const xml = `<domainsnapshot>
  <name>s-off1</name>
  <description>off</description>
  <state>shutoff</state>
  <creationTime>1795474740</creationTime>
  <memory snapshot='no'/>
  <disks>
    <disk name='vda' snapshot='internal'/>
  </disks>
  <domain type='qemu'><name>test-snapexp</name></domain>
</domainsnapshot>`;
    expect(parseSnapshotXml(xml)).toEqual({
      name: "s-off1",
      description: "off",
      state: "shutoff",
      creationTime: 1795474740,
      memory: "no",
      disks: [{ target: "vda", snapshot: "internal" }],
    });
  });

  it("finds a domain's disks, their formats and pools", () => {
    expect(snapshotFacts(LIBVIRT_DOMAIN_XML)).toEqual({
      uefi: false,
      nvramFormat: "",
      tpm: false,
      agent: false,
      disks: [
        {
          target: "vda",
          device: "disk",
          format: "qcow2",
          readonly: false,
          pool: "test-pool",
          volume: "test-demo-root.qcow2",
        },
      ],
    });
  });
});

describe("deskfleet's metadata", () => {
  const policy = {
    ...DEFAULT_POLICY,
    schedule: "workstation",
    hourly: 24,
    daily: 7,
    autoprune: false,
    at: { ...DEFAULT_POLICY.at, daily: "03:00" },
  };

  it("round-trips a schedule", () => {
    const xml = buildScheduleXml(policy);
    expect(xml).toContain('<schedule name="workstation" frequently="0" hourly="24" daily="7"');
    expect(parseScheduleXml(xml)).toEqual(policy);
  });

  it("refuses a schedule it cannot read", () => {
    const bad = buildScheduleXml(policy).replace('hourly="24"', 'hourly="many"');
    expect(() => parseScheduleXml(bad)).toThrow(
      'snapshot schedule metadata: hourly="many" is not a count',
    );
  });

  it("round-trips a run's outcome, quotes and all", () => {
    const status = {
      lastRun: "2030-01-01T08:40:00.000Z",
      outcome: "error" as const,
      newest: "autosnap_2030-01-01_07-30-00_hourly",
      pruned: 0,
      skipped: "prune of 2 skipped: the new snapshot failed",
      error: 'take autosnap_x: "no space" & <more>',
    };
    expect(parseRunXml(buildRunXml(status))).toEqual(status);
  });

  it("survives a redefinition of the domain", () => {
    // As libvirt returns it after DOMAIN_SET_METADATA with key "deskfleet".
    const withMetadata = LIBVIRT_DOMAIN_XML.replace(
      "<memory unit='KiB'>",
      `<metadata>
    <deskfleet:schedule xmlns:deskfleet="https://deskfleet.invalid/xmlns/snapshot-schedule/1" name="w" hourly="2">
      <deskfleet:at daily="03:00"/>
    </deskfleet:schedule>
    <other:thing xmlns:other="urn:x">text &amp; more</other:thing>
  </metadata>
  <memory unit='KiB'>`,
    );
    const parsed = parseDomainXml(withMetadata);
    const rebuilt = buildDomainXml(parsed);
    expect(rebuilt).toContain(
      '<deskfleet:schedule xmlns:deskfleet="https://deskfleet.invalid/xmlns/snapshot-schedule/1" name="w" hourly="2">',
    );
    expect(rebuilt).toContain("text &amp; more");
    expect(parseDomainXml(rebuilt).metadata).toEqual(parsed.metadata);
    expect(parsed.metadata).toEqual({
      "deskfleet:schedule": {
        "@_xmlns:deskfleet": "https://deskfleet.invalid/xmlns/snapshot-schedule/1",
        "@_name": "w",
        "@_hourly": "2",
        "deskfleet:at": { "@_daily": "03:00" },
      },
      "other:thing": { "@_xmlns:other": "urn:x", "#text": "text & more" },
    });
  });
});
