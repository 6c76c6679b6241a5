/**
 * The snapshot kind per host and guest (snapshots/mode.ts): every guest
 * state, firmware, libvirt version band and set of existing snapshots, and
 * the words reports use.
 */
import { DomainState } from "../../../libvirt";
import type { SnapshotFacts } from "../../../xml/snapshot";
import type { ModeRequest } from "../../../snapshots/mode";
import {
  chooseMode,
  describeKind,
  formatLibVersion,
  kindWords,
  leavesOut,
  LIBVIRT_10_10,
  LIBVIRT_EXTERNAL,
  prospectiveKindInWords,
} from "../../../snapshots/mode";

const qcow2 = { target: "vda", device: "disk", format: "qcow2", readonly: false };
const cdrom = { target: "hdc", device: "cdrom", format: "raw", readonly: true };
const bios: SnapshotFacts = {
  uefi: false,
  nvramFormat: "",
  tpm: false,
  agent: false,
  disks: [qcow2, cdrom],
};
const uefi: SnapshotFacts = { ...bios, uefi: true, nvramFormat: "raw", tpm: true };
const V9_0 = 9_000_000;
const V11_3 = 11_003_000;
const none = { internal: [], external: 0 };

const req = (over: Partial<ModeRequest>): ModeRequest => ({
  facts: bios,
  state: DomainState.Running,
  libVersion: V11_3,
  existing: none,
  memory: false,
  ...over,
});

describe("libvirt 9.0 (before external reverts): internal", () => {
  it.each([
    ["running BIOS: with memory", req({ libVersion: V9_0 }), { kind: "internal", memory: true }],
    [
      "paused: with memory",
      req({ libVersion: V9_0, state: DomainState.Paused }),
      { kind: "internal", memory: true },
    ],
    [
      "blocked: with memory",
      req({ libVersion: V9_0, state: DomainState.Blocked }),
      { kind: "internal", memory: true },
    ],
    [
      "shut off: disks",
      req({ libVersion: V9_0, state: DomainState.Shutoff }),
      { kind: "internal", memory: false },
    ],
    [
      "UEFI shut off: disks",
      req({ libVersion: V9_0, facts: uefi, state: DomainState.Shutoff }),
      { kind: "internal", memory: false },
    ],
    [
      "UEFI running: saved around it",
      req({ libVersion: V9_0, facts: uefi }),
      { kind: "saved-internal" },
    ],
    [
      "9.8, the last without external reverts",
      req({ libVersion: LIBVIRT_EXTERNAL - 1000 }),
      { kind: "internal", memory: true },
    ],
  ])("%s", (_, request, expected) => {
    expect(chooseMode(request)).toMatchObject({ ok: true, ...expected });
  });

  it("asking for no memory still saves it while running: QEMU takes no internal disk-only snapshot of a running guest", () => {
    expect(chooseMode(req({ libVersion: V9_0, memory: false }))).toMatchObject({
      kind: "internal",
      memory: true,
    });
  });

  it("refuses a guest with external snapshots, which it cannot revert", () => {
    expect(chooseMode(req({ libVersion: V9_0, existing: { internal: [], external: 2 } }))).toEqual({
      ok: false,
      reason:
        "it has 2 external snapshot(s), which libvirt 9.0.0 cannot revert; delete them (virsh snapshot-delete) to snapshot it here",
    });
  });
});

describe("libvirt ≥ 9.9: external", () => {
  it.each([
    [
      "running, a schedule: disks only",
      req({}),
      { kind: "external", memory: false, quiesce: false },
    ],
    [
      "running with an agent: quiesced",
      req({ facts: { ...bios, agent: true } }),
      { kind: "external", memory: false, quiesce: true },
    ],
    [
      "running, a baseline: with memory, never quiesced",
      req({ memory: true, facts: { ...bios, agent: true } }),
      { kind: "external", memory: true, quiesce: false },
    ],
    [
      "shut off: disks only",
      req({ state: DomainState.Shutoff, memory: true }),
      { kind: "external", memory: false, quiesce: false },
    ],
    ["UEFI with raw NVRAM, running", req({ facts: uefi }), { kind: "external", memory: false }],
    ["9.9 exactly", req({ libVersion: LIBVIRT_EXTERNAL }), { kind: "external" }],
    [
      "a guest with external snapshots",
      req({ existing: { internal: [], external: 3 } }),
      { kind: "external" },
    ],
  ])("%s", (_, request, expected) => {
    expect(chooseMode(request)).toMatchObject({ ok: true, ...expected });
  });

  it("says why, and whether it is quiesced", () => {
    const d = chooseMode(req({}));
    expect(d.ok && d.why).toBe(
      "libvirt 11.3.0 reverts external snapshots; not quiesced: the guest has no guest agent channel",
    );
  });
});

describe("a guest with internal snapshots keeps them internal, on any version", () => {
  const existing = {
    internal: ["post-install", "autosnap_2029-12-31_23:00:00_hourly"],
    external: 0,
  };

  it("running BIOS: internal with memory, and why", () => {
    expect(chooseMode(req({ existing }))).toEqual({
      ok: true,
      kind: "internal",
      memory: true,
      why: "it has internal snapshots (post-install, autosnap_2029-12-31_23:00:00_hourly): an external overlay over them would strand them, so new ones are internal until they are gone",
    });
  });

  it("running UEFI with raw NVRAM on 11.x: refused, naming qcow2 NVRAM", () => {
    const d = chooseMode(req({ existing, facts: uefi }));
    expect(d).toMatchObject({ ok: false });
    expect(!d.ok && d.reason).toMatch(
      /^it runs with UEFI firmware and raw NVRAM; libvirt 11\.3\.0 snapshots it internally only with qcow2 NVRAM/,
    );
  });

  it("running UEFI with qcow2 NVRAM on ≥ 10.10: internal with memory", () => {
    const facts = { ...uefi, nvramFormat: "qcow2" };
    expect(chooseMode(req({ existing, facts, libVersion: LIBVIRT_10_10 }))).toMatchObject({
      kind: "internal",
      memory: true,
    });
  });

  it("shut off: internal disks", () => {
    expect(chooseMode(req({ existing, state: DomainState.Shutoff }))).toMatchObject({
      kind: "internal",
      memory: false,
    });
  });
});

describe("refused on every version", () => {
  it.each([V9_0, V11_3])("libvirt %i", (libVersion) => {
    const refused = (over: Partial<ModeRequest>) => {
      const d = chooseMode(req({ libVersion, ...over }));
      return d.ok ? "taken" : d.reason;
    };
    expect(refused({ state: DomainState.Crashed })).toBe("the guest has crashed");
    expect(refused({ state: DomainState.Shutdown })).toBe("the guest is shutting down");
    expect(refused({ state: DomainState.PmSuspended })).toMatch(/suspended by its own OS/);
    expect(refused({ state: DomainState.NoState })).toBe("the guest is in no known state");
    expect(
      refused({ facts: { ...bios, disks: [qcow2, { ...qcow2, target: "vdb", format: "raw" }] } }),
    ).toBe("disk vdb is raw; snapshots need qcow2");
    expect(refused({ facts: { ...bios, disks: [{ ...qcow2, format: "" }] } })).toBe(
      "disk vda is of no declared format; snapshots need qcow2",
    );
    expect(refused({ facts: { ...bios, disks: [cdrom] } })).toBe("it has no disk to snapshot");
    // A read-only raw disk is not snapshotted, so it does not stand in the way.
    expect(
      refused({
        facts: {
          ...bios,
          disks: [qcow2, { ...qcow2, target: "vdb", format: "raw", readonly: true }],
        },
      }),
    ).toBe("taken");
  });
});

describe("words", () => {
  it("describe each kind", () => {
    expect(describeKind({ kind: "internal", memory: true })).toBe(
      "internal, with memory (the guest pauses while its RAM is saved)",
    );
    expect(describeKind({ kind: "internal", memory: false })).toBe(
      "internal, disks only (the guest is shut off)",
    );
    expect(describeKind({ kind: "saved-internal" })).toMatch(/saved to disk and restored/);
    expect(describeKind({ kind: "external", memory: false, quiesce: true })).toBe(
      "external, disks only, quiesced (no RAM saved; the guest pauses only to switch overlays)",
    );
    expect(describeKind({ kind: "external", memory: true, quiesce: false })).toBe(
      "external, with memory (written while the guest runs on)",
    );
  });

  it("say what a kind leaves out of a UEFI + TPM guest, and where its NVRAM is", () => {
    const f = { uefi: true, tpm: true };
    const diskOnly = { kind: "external", memory: false, quiesce: false } as const;
    expect(leavesOut(diskOnly, f)).toEqual(["TPM state"]);
    expect(leavesOut({ kind: "external", memory: true, quiesce: false }, f)).toEqual([]);
    expect(leavesOut({ kind: "saved-internal" }, f)).toEqual(["TPM state"]);
    expect(leavesOut({ kind: "internal", memory: true }, f)).toEqual([]);
    expect(leavesOut({ kind: "internal", memory: false }, { uefi: false, tpm: false })).toEqual([]);
    expect(kindWords(diskOnly, f)).toBe(
      "external, disks only (no RAM saved; the guest pauses only to switch overlays); " +
        "its NVRAM kept beside it by deskfleet; without TPM state",
    );
    expect(kindWords({ kind: "internal", memory: true }, f)).toBe(
      "internal, with memory (the guest pauses while its RAM is saved)",
    );
    expect(kindWords(diskOnly, { uefi: false, tpm: false })).not.toMatch(/NVRAM/);
  });

  it("format libvirt's version numbers", () => {
    expect(formatLibVersion(LIBVIRT_10_10)).toBe("10.10.0");
    expect(formatLibVersion(V11_3)).toBe("11.3.0");
  });
});

describe("prospectiveKindInWords: the kind a guest not yet on the host will take", () => {
  it("on a host that reverts external snapshots: disk-only, quiesced where an agent answers", () => {
    expect(prospectiveKindInWords(V11_3, false)).toBe(
      "once it runs: external, disks only (no RAM saved; the guest pauses only to switch overlays); quiesced when the guest has a guest agent channel; libvirt 11.3.0",
    );
  });

  it("with memory asked for: external with memory, no quiescing", () => {
    expect(prospectiveKindInWords(V11_3, true)).toBe(
      "once it runs: external, with memory (written while the guest runs on); libvirt 11.3.0",
    );
  });

  it("on 9.0: internal with memory, and a UEFI guest saved and restored around it", () => {
    expect(prospectiveKindInWords(V9_0, false)).toBe(
      "once it runs: internal, with memory (the guest pauses while its RAM is saved); a UEFI guest: internal, disks only, the running guest saved to disk and restored around it (it stops meanwhile); libvirt 9.0.0",
    );
  });
});
