/** Snapshot and metadata XML: round trips, libvirt's own forms, and the snapshot mode decision. */
import { DomainState } from "../../../libvirt";
import { buildDomainXml, parseDomainXml } from "../../../provider/xml/domain";
import {
  buildRunXml,
  buildScheduleXml,
  parseRunXml,
  parseScheduleXml,
} from "../../../provider/xml/metadata";
import type { SnapshotFacts } from "../../../provider/xml/snapshot";
import { buildSnapshotXml, parseSnapshotXml, snapshotFacts } from "../../../provider/xml/snapshot";
import { chooseMode } from "../../../snapshots/mode";
import { DEFAULT_POLICY } from "../../../snapshots/policy";
import { LIBVIRT_DOMAIN_XML } from "./fixtures";

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
      disks: [
        { target: "vda", device: "disk", format: "qcow2", readonly: false, pool: "test-pool" },
      ],
    });
  });
});

describe("the snapshot mode", () => {
  const qcow2 = { target: "vda", device: "disk", format: "qcow2", readonly: false };
  const cdrom = { target: "hdc", device: "cdrom", format: "raw", readonly: true };
  const bios: SnapshotFacts = { uefi: false, disks: [qcow2, cdrom] };
  const V9 = 9_000_000;

  it.each([
    ["running: with memory", bios, DomainState.Running, V9, { ok: true, memory: "internal" }],
    ["paused: with memory", bios, DomainState.Paused, V9, { ok: true, memory: "internal" }],
    ["shut off: disks only", bios, DomainState.Shutoff, V9, { ok: true, memory: "no" }],
    ["UEFI shut off", { ...bios, uefi: true }, DomainState.Shutoff, V9, { ok: true, memory: "no" }],
    [
      "UEFI running, libvirt 10.10",
      { ...bios, uefi: true },
      DomainState.Running,
      10_010_000,
      { ok: true },
    ],
  ])("%s", (_, facts, state, version, expected) => {
    const mode = chooseMode(facts, state, version);
    expect(mode).toMatchObject(expected);
    if (mode.ok) {
      expect(mode.disks).toEqual([
        { target: "vda", snapshot: "internal" },
        { target: "hdc", snapshot: "no" },
      ]);
    }
  });

  it.each([
    [
      "UEFI running on libvirt 9.0",
      { ...bios, uefi: true },
      DomainState.Running,
      "it runs with UEFI (pflash) firmware, which libvirt 9.0.0 snapshots internally only while shut off (10.10 or later also while running)",
    ],
    [
      "a raw data disk",
      { uefi: false, disks: [qcow2, { ...qcow2, target: "vdb", format: "raw" }] },
      DomainState.Shutoff,
      "disk vdb is raw; internal snapshots need qcow2",
    ],
    ["no disk", { uefi: false, disks: [cdrom] }, DomainState.Shutoff, "it has no disk to snapshot"],
    ["crashed", bios, DomainState.Crashed, "the guest has crashed"],
    ["shutting down", bios, DomainState.Shutdown, "the guest is shutting down"],
  ])("refused: %s", (_, facts, state, reason) => {
    expect(chooseMode(facts, state, V9)).toEqual({ ok: false, reason });
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
