/** The guardrails' rules, on the inputs the engine hands the policy pack. */
import { unprotectedDesktops } from "../../../policies/desktopSnapshots";
import {
  consoleProblem,
  firmwareStateProblem,
  moveProblem,
  rebuildProblem,
  secureBootProblem,
} from "../../../policies/guests";
import { memoryOverruns, readBudgetConfig } from "../../../policies/memoryBudget";
import { TYPES } from "../../../policies/resources";

const GiB = 1024 ** 3;
const DESK = "qemu:///system";
const LAPTOP = "qemu+ssh://me@laptop/system";

describe("memory budget", () => {
  const hosts = new Map([
    [DESK, 16 * GiB],
    [LAPTOP, 8 * GiB],
  ]);
  it("running guests within a host's memory less the reserve pass, to the byte", () => {
    const guests = [
      { name: "win", uri: DESK, memory: 8 * GiB },
      { name: "mail", uri: DESK, memory: 6 * GiB },
    ];
    expect(memoryOverruns(guests, hosts, 2 * GiB)).toEqual([]);
  });
  it("one byte over is named per host, largest guest first, with what to do", () => {
    const guests = [
      { name: "mail", uri: DESK, memory: 6 * GiB },
      { name: "win", uri: DESK, memory: 8 * GiB + 1 },
      { name: "tools", uri: LAPTOP, memory: 4 * GiB },
    ];
    expect(memoryOverruns(guests, hosts, 2 * GiB)).toEqual([
      "host qemu:///system: its running guests would take 14 GiB (win 8 GiB, mail 6 GiB) of its 16 GiB, " +
        "which leaves less than the 2 GiB kept for the host: give a guest less memory, set one running: false, " +
        "or change hostMemory/reserve in the policy config",
    ]);
  });
  it("each host is judged on its own guests", () => {
    const guests = [
      { name: "a", uri: DESK, memory: 10 * GiB },
      { name: "b", uri: LAPTOP, memory: 7 * GiB },
    ];
    const out = memoryOverruns(guests, hosts, 2 * GiB);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^host qemu\+ssh:\/\/me@laptop\/system: .*\(b 7 GiB\) of its 8 GiB/);
  });
  it("a host whose memory is not known is not judged", () => {
    expect(memoryOverruns([{ name: "a", uri: "qemu:///x", memory: GiB }], hosts, 0)).toEqual([]);
  });
  it("the config's sizes are read, and a bad one is named", () => {
    expect(readBudgetConfig({})).toEqual({ hostMemory: new Map(), reserve: 2 * GiB });
    expect(readBudgetConfig({ hostMemory: { [DESK]: "32GiB" }, reserve: "512MiB" })).toEqual({
      hostMemory: new Map([[DESK, 32 * GiB]]),
      reserve: 512 * 1024 ** 2,
    });
    expect(() => readBudgetConfig({ hostMemory: { [DESK]: "lots" } })).toThrow(
      'memory-budget policy config hostMemory["qemu:///system"]: expected a size like "2GiB"',
    );
    expect(() => readBudgetConfig({ reserve: "2" })).toThrow("policy config reserve:");
  });
});

describe("a guest's own settings", () => {
  it("a console on loopback or a socket, or none, passes; any other listen is named", () => {
    expect(consoleProblem({ graphics: "spice" }, "win")).toBeUndefined();
    expect(consoleProblem({ graphics: "spice", graphicsListen: "socket" }, "win")).toBeUndefined();
    expect(consoleProblem({ graphicsListen: "0.0.0.0" }, "srv")).toBeUndefined();
    expect(consoleProblem({ graphics: "vnc", graphicsListen: "0.0.0.0" }, "win")).toBe(
      'guest "win": its vnc console listens on "0.0.0.0"; set graphicsListen: loopback (127.0.0.1) or socket (a unix socket), and reach it over ssh',
    );
  });
  it("a Windows guest (hyperv) needs Secure Boot; other guests do not", () => {
    expect(secureBootProblem({ hyperv: true, secureBoot: true }, "win")).toBeUndefined();
    expect(secureBootProblem({ secureBoot: false }, "linux")).toBeUndefined();
    expect(secureBootProblem({ hyperv: true }, "win")).toMatch(
      /^guest "win" is a Windows guest \(hyperv: true\) without Secure Boot; set secureBoot: true/,
    );
  });
  it("deleting NVRAM or TPM state with a guest is pointed out, naming what would go", () => {
    expect(firmwareStateProblem({ firmware: "uefi", tpm: true }, "win")).toBeUndefined();
    expect(firmwareStateProblem({ keepFirmwareState: false }, "bios")).toBeUndefined();
    expect(firmwareStateProblem({ firmware: "uefi", keepFirmwareState: false }, "a")).toMatch(
      /^guest "a": keepFirmwareState: false deletes its NVRAM with it/,
    );
    expect(
      firmwareStateProblem({ firmware: "uefi", tpm: true, keepFirmwareState: false }, "w"),
    ).toMatch(/deletes its NVRAM and TPM state with it/);
    expect(firmwareStateProblem({ tpm: true, keepFirmwareState: false }, "t")).toMatch(
      /deletes its TPM state with it/,
    );
  });
});

describe("desktops have snapshots", () => {
  const domain = (name: string, graphics?: string, uri = DESK) => ({
    type: TYPES.domain,
    name,
    props: { name, uri, ...(graphics ? { graphics } : {}) },
  });
  it("a desktop with a schedule or a baseline passes; one with neither is named", () => {
    const resources = [
      domain("win", "spice"),
      domain("linux", "spice"),
      domain("bare", "vnc"),
      domain("mail"),
      { type: TYPES.snapshotSchedule, name: "win-s", props: { uri: DESK, domain: "win" } },
      { type: TYPES.snapshot, name: "linux-b", props: { uri: DESK, domain: "linux" } },
    ];
    expect(unprotectedDesktops(resources)).toEqual([
      'desktop guest "bare" has no snapshot schedule and no baseline: a bad update cannot be rolled back; give it snapshotSchedule: <a schedule> or baseline: <a name>',
    ]);
  });
  it("a snapshot of a guest of the same name on another host does not count", () => {
    const resources = [
      domain("win", "spice", LAPTOP),
      { type: TYPES.snapshot, name: "win-b", props: { uri: DESK, domain: "win" } },
    ];
    expect(unprotectedDesktops(resources)).toHaveLength(1);
  });
});

describe("moves and rebuilds are acknowledged", () => {
  const moving = { uri: LAPTOP, pendingChange: { move: { from: DESK } } };
  it("a move with movedFrom naming the host it leaves passes; none pending passes", () => {
    expect(moveProblem({ ...moving, movedFrom: DESK }, "mail")).toBeUndefined();
    expect(moveProblem({ uri: LAPTOP }, "mail")).toBeUndefined();
    expect(moveProblem({ uri: LAPTOP, movedFrom: DESK }, "mail")).toBeUndefined(); // done before
  });
  it("a move without movedFrom, or from another host than it names, is refused with what to do", () => {
    expect(moveProblem(moving, "mail")).toBe(
      `guest "mail" would move from ${DESK} to ${LAPTOP}, but the fleet does not say it is meant; ` +
        `if it is meant, set movedFrom: to the host it leaves (its name in hosts:, or ${DESK}), else give it back its host`,
    );
    expect(moveProblem({ ...moving, movedFrom: "qemu+ssh://old/system" }, "mail")).toContain(
      "but its movedFrom says qemu+ssh://old/system;",
    );
  });
  const rebuilding = (raised: boolean) => ({
    rebuild: 2,
    pendingChange: { rebuild: { disks: ["images/mail-root.qcow2 from debian-14.qcow2"], raised } },
  });
  it("a rebuild asked for by raising rebuild passes; one from a new image alone is refused", () => {
    expect(rebuildProblem(rebuilding(true), "mail")).toBeUndefined();
    expect(rebuildProblem({ rebuild: 2 }, "mail")).toBeUndefined();
    expect(rebuildProblem(rebuilding(false), "mail")).toBe(
      'guest "mail" would have images/mail-root.qcow2 from debian-14.qcow2 made anew, deleting what is on them, ' +
        "because a disk now names another image; if it is meant, raise its rebuild to 3, else point the disk back at its image",
    );
  });
});
