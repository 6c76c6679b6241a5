/** liveMoveRules.ts: every reason a live move is refused, and how its bytes travel. */
import { parseUri } from "../../../libvirt";
import type { LiveMoveFacts } from "../../../provider/resources/liveMoveRules";
import {
  liveChannel,
  liveMoveRefusals,
  liveRefusalMessage,
} from "../../../provider/resources/liveMoveRules";

const UUID = "0b5e1a7c-2d3f-4e5a-8b9c-0d1e2f3a4b5c";
const LAPTOP_SOCKET = "/run/deskfleet-hosts/laptop/run/libvirt-sock";
const LAPTOP = `qemu+unix:///system?socket=${LAPTOP_SOCKET}`;

/** A guest that can move live from the system daemon to a second local daemon. */
function facts(
  over: Partial<Omit<LiveMoveFacts, "from" | "to">> & { from?: string; to?: string } = {},
): LiveMoveFacts {
  const { from = "qemu:///system", to = LAPTOP, ...rest } = over;
  return {
    guest: "mail",
    from: parseUri(from),
    to: parseUri(to),
    running: true,
    declaredRunning: true,
    snapshots: [],
    fromLibvirt: 9_000_000,
    toLibvirt: 9_000_000,
    fromQemu: 7_002_000,
    toQemu: 7_002_000,
    machine: "pc-q35-7.2",
    targetMachines: ["pc-q35-7.2", "q35", "pc-i440fx-7.2"],
    cpu: "default",
    changes: ["uri", "move", "autostart"],
    pciDevices: 0,
    usbDevices: 0,
    shares: 0,
    ...rest,
  };
}

describe("liveChannel", () => {
  it("to a remote host: the source daemon opens its URI, memory and disks go to its address", () => {
    expect(
      liveChannel(parseUri("qemu:///system"), parseUri("qemu+ssh://me@laptop/system"), UUID),
    ).toEqual({
      dconnuri: "qemu+ssh://me@laptop/system",
      migrateUri: "tcp://laptop",
    });
    expect(
      liveChannel(
        parseUri("qemu+ssh://desk/system"),
        parseUri("qemu+tcp://10.0.0.7:16509/system"),
        UUID,
      ),
    ).toEqual({ dconnuri: "qemu+tcp://10.0.0.7:16509/system", migrateUri: "tcp://10.0.0.7" });
  });

  it("brackets an IPv6 address", () => {
    const channel = liveChannel(
      parseUri("qemu:///system"),
      parseUri("qemu+tcp://[fd00::7]/system"),
      UUID,
    );
    expect(channel).toMatchObject({ migrateUri: "tcp://[fd00::7]" });
  });

  it("between two local daemons: unix sockets in a folder of the guest's beside the target's socket", () => {
    expect(liveChannel(parseUri("qemu:///system"), parseUri(LAPTOP), UUID)).toEqual({
      dconnuri: LAPTOP,
      migrateUri: "unix:///run/deskfleet-hosts/laptop/run/deskfleet-migrate-0b5e1a7c/memory.sock",
      disksUri: "unix:///run/deskfleet-hosts/laptop/run/deskfleet-migrate-0b5e1a7c/disks.sock",
      socketFolder: "/run/deskfleet-hosts/laptop/run/deskfleet-migrate-0b5e1a7c",
    });
  });

  it("refuses a local target for a remote source: that host cannot reach this machine's socket", () => {
    const channel = liveChannel(parseUri("qemu+ssh://me@desk/system"), parseUri(LAPTOP), UUID);
    expect(channel).toEqual({
      refused: `${LAPTOP} is a socket on the machine running Pulumi, which the daemon of qemu+ssh://me@desk/system (another machine) cannot reach; name the destination by an address the source host reaches (qemu+ssh://… or qemu+tcp://…)`,
    });
    expect(
      liveChannel(parseUri("qemu+ssh://desk/system"), parseUri("qemu:///system"), UUID),
    ).toHaveProperty("refused");
  });

  it("refuses a local target on its default socket: the source daemon would open its own", () => {
    const channel = liveChannel(parseUri(LAPTOP), parseUri("qemu:///system"), UUID);
    expect(channel).toEqual({
      refused: `both are sockets on this machine, and the daemon of ${LAPTOP} asked for qemu:///system would open its own default socket, not necessarily the one this machine reaches; name the destination's socket (?socket=…)`,
    });
    const withQuery = liveChannel(
      parseUri(LAPTOP),
      parseUri("qemu+unix:///system?mode=direct"),
      UUID,
    );
    expect("refused" in withQuery && withQuery.refused).toContain("(&socket=…)");
  });
});

describe("liveMoveRefusals", () => {
  it("none for a running guest between two capable local daemons", () => {
    expect(liveMoveRefusals(facts(), UUID)).toEqual([]);
  });

  it("none to a newer QEMU that has the guest's machine type", () => {
    expect(
      liveMoveRefusals(
        facts({ toQemu: 10_000_000, toLibvirt: 11_003_000, targetMachines: ["pc-q35-7.2"] }),
        UUID,
      ),
    ).toEqual([]);
  });

  it.each<[string, Parameters<typeof facts>[0], string]>([
    [
      "a shut-off guest",
      { running: false },
      "it is not running (a live move carries a running guest)",
    ],
    ["a guest the fleet stops", { declaredRunning: false }, "the fleet says running: false"],
    [
      "an older QEMU on the target",
      { fromQemu: 10_000_000, toQemu: 7_002_000, machine: "pc-q35-10.0" },
      `QEMU migrates only to the same or a newer QEMU (qemu:///system runs 10.0.0, ${LAPTOP} 7.2.0)`,
    ],
    [
      "a machine type the target lacks",
      { toQemu: 8_000_000, targetMachines: ["pc-q35-8.0"] },
      `${LAPTOP}'s QEMU has no machine type pc-q35-7.2, which the guest runs with`,
    ],
    [
      "snapshots",
      { snapshots: ["good", "autosnap_2030-01-01_04-30-00_hourly"] },
      "it has snapshots (good, autosnap_2030-01-01_04-30-00_hourly), which a live copy of its disks does not carry (internal ones live inside the disk images, external ones are overlays); delete them first",
    ],
    [
      "other changes in the same up",
      { changes: ["uri", "memory", "rebuild", "waitFor"] },
      "this up also changes its memory, rebuild, which a live move does not apply to the running guest; apply them in an up of their own first",
    ],
    [
      "a host CPU",
      { cpu: "host-passthrough" },
      "its CPU is host-passthrough, which moves live only between identical CPUs",
    ],
    ["PCI devices", { pciDevices: 1 }, "its host PCI devices cannot be migrated by QEMU"],
    [
      "USB devices and shares",
      { usbDevices: 2, shares: 1 },
      "its host USB devices and virtiofs shares cannot be migrated by QEMU",
    ],
    [
      "an old libvirt for unix-socket disks",
      { fromLibvirt: 6_005_000 },
      "copying disks through a unix socket needs libvirt 6.6 or later (qemu:///system has libvirt 6.5.0)",
    ],
    [
      "an old libvirt on the target",
      { toLibvirt: 6_000_000 },
      `copying disks through a unix socket needs libvirt 6.6 or later (${LAPTOP} has libvirt 6.0.0)`,
    ],
    [
      "a remote source and a local target",
      { from: "qemu+ssh://me@desk/system" },
      "which the daemon of qemu+ssh://me@desk/system (another machine) cannot reach",
    ],
    [
      "a default-socket target",
      { from: LAPTOP, to: "qemu:///system" },
      "would open its own default socket",
    ],
  ])("refuses %s", (_what, over, reason) => {
    const refusals = liveMoveRefusals(facts(over), UUID);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain(reason);
  });

  it("an old libvirt does not matter between remote hosts (no unix socket)", () => {
    const over = {
      from: "qemu+ssh://desk/system",
      to: "qemu+ssh://laptop/system",
      fromLibvirt: 5_000_000,
    };
    expect(liveMoveRefusals(facts(over), UUID)).toEqual([]);
  });

  it("says every reason at once", () => {
    const refusals = liveMoveRefusals(
      facts({ running: false, snapshots: ["a"], pciDevices: 1 }),
      UUID,
    );
    expect(refusals).toHaveLength(3);
  });
});

describe("liveRefusalMessage", () => {
  it("names the guest, both hosts, every reason, and what to do", () => {
    const f = facts({ running: false, snapshots: ["good"] });
    expect(liveRefusalMessage(f, liveMoveRefusals(f, UUID))).toBe(
      `guest mail cannot move live qemu:///system → ${LAPTOP}: it is not running (a live move carries a running guest); ` +
        "it has snapshots (good), which a live copy of its disks does not carry (internal ones live inside the disk images, external ones are overlays); delete them first. " +
        "Remove `move: live` to move it cold (it shuts down, its disks are copied, it starts on the new host), or fix the above",
    );
  });
});
