/**
 * The class of every change to a guest, and the steps that follow from it:
 * each property × running or shut off × within or over its ceiling, and the
 * restart policy with pending changes.
 */
import { changeNote, planGuestChange } from "../../../provider/resources/domainChanges";
import type { ChangeInputs } from "../../../provider/resources/domainChanges";

const GiB = 1024 ** 3;
const INPUTS = [
  "uri",
  "name",
  "memory",
  "maxMemory",
  "vcpus",
  "maxVcpus",
  "machine",
  "disks",
  "diskBus",
  "interfaces",
  "cdroms",
  "xml",
  "tpm",
  "graphicsPassword",
  "autostart",
  "shutdownTimeout",
  "waitFor",
  "keepFirmwareState",
  "restart",
  "restartGeneration",
  "running",
];

type Guest = ChangeInputs & Record<string, unknown>;
const base: Guest = {
  uri: "qemu:///system",
  name: "demo",
  memory: 2 * GiB,
  vcpus: 2,
  machine: "pc",
  disks: [{ pool: "p", volume: "demo-root.qcow2" }],
  interfaces: [{ network: "lan" }],
  cdroms: [{ pool: "p", volume: "install.img" }],
  tpm: false,
  autostart: false,
  shutdownTimeout: 60,
  waitFor: "none",
  keepFirmwareState: true,
  restart: "never",
  restartGeneration: 0,
  running: true,
};
interface Now {
  active: boolean;
  pending: string[];
}
const RUNNING: Now = { active: true, pending: [] };
const OFF: Now = { active: false, pending: [] };

const plan = (news: Partial<Guest>, now: Now = RUNNING, olds: Partial<Guest> = {}) =>
  planGuestChange({ ...base, ...olds }, { ...base, ...olds, ...news }, INPUTS, now);
const classes = (p: ReturnType<typeof plan>) =>
  Object.fromEntries(p.changes.map((c) => [c.property, c.class]));

describe("the class of each change", () => {
  it.each([
    // property change, class on a running guest, class on a shut-off guest
    [{ name: "desk" }, "restart", "next boot"], // renamed in place, off only
    [{ uri: "qemu+ssh://laptop/system" }, "move", "move"],
    [{ machine: "q35" }, "restart", "next boot"],
    [{ disks: [] }, "live", "next boot"], // unplugged
    [
      {
        disks: [
          { pool: "p", volume: "demo-root.qcow2" },
          { pool: "p", volume: "x" },
        ],
      },
      "live",
      "next boot",
    ],
    [{ disks: [{ pool: "p", volume: "demo-root.qcow2", format: "raw" }] }, "restart", "next boot"],
    [{ interfaces: [{ network: "lan" }, { network: "wan" }] }, "live", "next boot"], // plugged in
    [{ interfaces: [] }, "live", "next boot"], // unplugged
    [{ interfaces: [{ network: "wan" }] }, "restart", "next boot"], // another network
    [{ tpm: true }, "restart", "next boot"],
    [{ cdroms: [{ pool: "p", volume: "drivers.img" }] }, "live", "next boot"], // a new medium
    [{ cdroms: [] }, "restart", "next boot"], // a drive less
    [{ graphicsPassword: "s3cret" }, "restart", "next boot"],
    [{ maxMemory: 8 * GiB }, "restart", "next boot"],
    [{ maxVcpus: 8 }, "restart", "next boot"],
    [{ memory: 1 * GiB }, "live", "next boot"], // down: the balloon takes it back
    [{ vcpus: 1 }, "live", "next boot"],
    [{ memory: 4 * GiB }, "restart", "next boot"], // above what it started with
    [{ vcpus: 4 }, "restart", "next boot"],
    [{ autostart: true }, "live", "live"],
    [{ shutdownTimeout: 5 }, "live", "live"],
    [{ waitFor: "ip" }, "live", "live"],
    [{ keepFirmwareState: false }, "live", "live"],
    [{ restart: "allowed" }, "live", "live"],
    [{ running: false }, "live", "live"],
  ] as [Partial<Guest>, string, string][])("%j: %s running, %s shut off", (news, on, off) => {
    const [property] = Object.keys(news);
    expect(classes(plan(news))).toEqual({ [property]: on });
    expect(classes(plan(news, OFF))).toEqual({ [property]: off });
  });

  it("says which disk or interface is plugged in or out, and when it cannot be", () => {
    const data = { pool: "p", volume: "demo-data.qcow2" };
    const added = plan({ disks: [{ pool: "p", volume: "demo-root.qcow2" }, data] });
    expect(added.changes[0].words).toBe("disk p/demo-data.qcow2 added");
    expect(added.live).toEqual({ devices: true });
    expect(plan({ disks: [] }).changes[0].words).toBe("disk p/demo-root.qcow2 removed");
    // Whether its volume goes too, where the fleet said (the old inputs know).
    const scratch = { pool: "p", volume: "demo-scratch.qcow2" };
    const root = { pool: "p", volume: "demo-root.qcow2" };
    const drop = (keep: boolean) =>
      plan({ disks: [root] }, RUNNING, { disks: [root, { ...scratch, keep }] }).changes[0];
    expect(drop(false)).toMatchObject({
      class: "live",
      words: "disk p/demo-scratch.qcow2 removed (deletes data: its volume is not kept)",
    });
    expect(drop(true).words).toBe("disk p/demo-scratch.qcow2 removed (its volume is kept)");
    const sata = plan({ disks: [] }, RUNNING, { diskBus: "sata" });
    expect(sata.changes[0]).toMatchObject({
      class: "restart",
      why: "SATA disks cannot be plugged in or out while it runs",
    });
    const rebused = plan({ disks: [], diskBus: "scsi" }).changes;
    expect(rebused.find((c) => c.property === "disks")?.why).toBe("diskBus changes too");
    const nic = plan({
      interfaces: [{ network: "lan" }, { network: "wan", mac: "52:54:00:00:00:01" }],
    });
    expect(nic.changes[0].words).toBe("interface on wan (52:54:00:00:00:01) added");
    expect(plan({ interfaces: [] }).changes[0].words).toBe("interface on lan removed");
    const moved = plan({ interfaces: [{ network: "wan" }] }).changes[0];
    expect(moved).toMatchObject({
      words: "interface on lan → wan",
      why: "an interface other than the last ones changes",
    });
    expect(plan({ interfaces: [] }, OFF).live).toEqual({});
  });

  it("names a device the fleet does not have (added by hand) that the update removes", () => {
    const olds = {
      xml: { devices: ['<watchdog model="i6300esb" action="reset"/>'], elements: [] },
    };
    const p = plan({ xml: { devices: [], elements: ["<cpu mode='host-model'/>"] } }, RUNNING, olds);
    expect(p.changes).toEqual([
      {
        property: "xml",
        class: "restart",
        words:
          'device <watchdog model="i6300esb" action="reset"> removed (it is not in the fleet file), ' +
          "element <cpu mode='host-model'> added",
      },
    ]);
  });

  it("renames in place: said so, and why a running guest waits for a restart", () => {
    const [change] = plan({ name: "desk" }).changes;
    expect(change.words).toBe(
      "renamed demo → desk in place (disks, UUID, MACs, NVRAM, TPM state and snapshots kept)",
    );
    expect(change.why).toBe("libvirt renames a shut-off guest only");
    expect(plan({ name: "desk" }).pendingAfter).toEqual(["name"]);
    expect(plan({ name: "desk", restart: "allowed" }).restartNow).toBe(true);
  });

  it("raises memory and vCPUs live up to their ceilings, not above", () => {
    const roomy = { maxMemory: 8 * GiB, maxVcpus: 8 };
    const within = plan({ memory: 6 * GiB, vcpus: 6 }, RUNNING, roomy);
    expect(classes(within)).toEqual({ memory: "live", vcpus: "live" });
    expect(within.live).toEqual({ memory: 6 * GiB, vcpus: 6 });
    expect(within.restartNow).toBe(false);
    expect(within.pendingAfter).toEqual([]);

    const over = plan({ memory: 10 * GiB, vcpus: 10 }, RUNNING, roomy);
    expect(over.changes.map((c) => c.why)).toEqual(["above maxMemory 8 GiB", "above maxVcpus 8"]);
    expect(over.live).toEqual({});
    expect(over.pendingAfter).toEqual(["memory", "vcpus"]);
  });

  it("a ceiling that changes with the value takes a restart for both", () => {
    const p = plan({ memory: 4 * GiB, maxMemory: 4 * GiB });
    expect(classes(p)).toEqual({ memory: "restart", maxMemory: "restart" });
    expect(p.changes.find((c) => c.property === "memory")?.why).toBe("maxMemory changes too");
  });

  it("without a declared ceiling, a rise is above what the guest started with", () => {
    expect(plan({ memory: 4 * GiB }).changes[0].why).toBe(
      "above the 2 GiB it started with; maxMemory raises that",
    );
    expect(plan({ vcpus: 3 }).changes[0].why).toBe(
      "above the 2 it started with; maxVcpus raises that",
    );
  });
});

describe("the steps", () => {
  it("redefines for anything of the definition, never for what only deskfleet keeps", () => {
    expect(plan({ autostart: true, waitFor: "ip", restart: "allowed" }).redefine).toBe(false);
    expect(plan({ memory: GiB }).redefine).toBe(true);
    expect(plan({ tpm: true }, OFF).redefine).toBe(true);
  });

  it("restart: never keeps a running guest running, its changes pending", () => {
    const p = plan({ machine: "q35", tpm: true });
    expect(p.restartNow).toBe(false);
    expect(p.pendingAfter).toEqual(["machine", "tpm"]);
  });

  it("restart: allowed restarts it, with nothing left pending and nothing applied live", () => {
    const p = plan({ machine: "q35", vcpus: 1, restart: "allowed" });
    expect(p.restartNow).toBe(true);
    expect(p.pendingAfter).toEqual([]);
    expect(p.live).toEqual({});
  });

  it("earlier pending changes stay pending, and a restart they allow clears them", () => {
    const earlier = { active: true, pending: ["machine"] };
    expect(plan({ tpm: true }, earlier).pendingAfter).toEqual(["machine", "tpm"]);
    expect(plan({ autostart: true }, earlier).pendingAfter).toEqual(["machine"]);
    const allowed = plan({ restart: "allowed" }, earlier);
    expect(allowed.restartNow).toBe(true);
    expect(allowed.pendingAfter).toEqual([]);
  });

  it("a raised restartGeneration restarts once, whatever the policy; a lowered one does not", () => {
    expect(plan({ restartGeneration: 1 }).restartNow).toBe(true);
    expect(plan({ restartGeneration: 0 }, RUNNING, { restartGeneration: 1 }).restartNow).toBe(
      false,
    );
  });

  it("a guest that is off, or is being stopped, has nothing pending and is not restarted", () => {
    expect(plan({ machine: "q35" }, OFF)).toMatchObject({ restartNow: false, pendingAfter: [] });
    expect(plan({ machine: "q35", running: false, restart: "allowed" })).toMatchObject({
      restartNow: false,
      pendingAfter: [],
    });
    expect(plan({ restartGeneration: 3 }, OFF).restartNow).toBe(false);
  });
});

describe("the preview's note", () => {
  it("says each change's class and what waits", () => {
    const note = changeNote("demo", plan({ memory: GiB, machine: "q35" }));
    expect(note).toBe(
      "guest demo: machine pc → q35 (restart needed; pending until the guest restarts); " +
        "memory 2 GiB → 1 GiB (live)",
    );
  });

  it("says when the guest restarts, and what was pending before", () => {
    expect(changeNote("demo", plan({ restartGeneration: 1 }))).toBe(
      "guest demo: the guest restarts gracefully",
    );
    const earlier = { active: true, pending: ["tpm"] };
    expect(changeNote("demo", plan({ autostart: true }, earlier))).toBe(
      "guest demo: autostart false → true (live); restart pending since earlier: tpm",
    );
    expect(changeNote("demo", plan({ vcpus: 4, restart: "allowed" }))).toBe(
      "guest demo: restart never → allowed (live); vcpus 2 → 4 (restart: above the 2 it started " +
        "with; maxVcpus raises that); the guest restarts gracefully",
    );
  });

  it("says nothing when nothing changes", () => {
    expect(changeNote("demo", plan({}))).toBeUndefined();
  });
});
