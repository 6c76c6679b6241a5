/**
 * The pure parts of each provider kind: check() fills defaults and names
 * every bad property; diff() says exactly what forces a replacement.
 */
import { allOrNothing, doing } from "../../../provider/kind";
import { domain, firmwareStateNote, inDeclaredOrder } from "../../../provider/resources/domain";
import { network } from "../../../provider/resources/network";
import { storagePool } from "../../../provider/resources/storagePool";
import { volume } from "../../../provider/resources/volume";
import { NO_DEVICES } from "../../../xml/devices";

const URI = "qemu:///system";
const MiB = 1024 * 1024;

describe("check", () => {
  it("fills every default of a domain", () => {
    expect(domain.check({}, { uri: URI, name: "demo", memory: 256 * MiB })).toEqual({
      failures: [],
      inputs: {
        uri: URI,
        name: "demo",
        type: "kvm",
        memory: 256 * MiB,
        move: "cold",
        vcpus: 1,
        machine: "pc",
        firmware: "bios",
        disks: [],
        interfaces: [],
        graphics: "none",
        graphicsListen: "loopback",
        running: true,
        autostart: false,
        shutdownTimeout: 60,
        restart: "never",
        restartGeneration: 0,
        rebuild: 0,
        persistent: true,
        keepFirmwareState: true,
        diskBus: "virtio",
        nicModel: "virtio",
        waitFor: "none",
        waitTimeout: 300,
        xml: { devices: [], elements: [] },
        cdroms: [],
        ...NO_DEVICES,
      },
    });
  });

  it("names each bad property of a domain", () => {
    const { failures } = domain.check(
      {},
      { uri: URI, name: "no spaces", memory: MiB, interfaces: [{ network: "lan", mac: "zz" }] },
    );
    expect(failures.map((f) => f.property)).toEqual(["name", "memory", "interfaces.0.mac"]);
    expect(failures[1].reason).toBe("must be at least 16 MiB (in bytes)");
  });

  it.each([
    ["none", "pw", "a console password needs graphics vnc or spice"],
    [
      "vnc",
      "123456789",
      "VNC uses at most 8 characters of a password; choose a shorter one or graphics spice",
    ],
  ])("refuses a console password with graphics %s: %s", (graphics, graphicsPassword, reason) => {
    const { failures } = domain.check(
      {},
      { uri: URI, name: "g", memory: 64 * MiB, graphics, graphicsPassword },
    );
    expect(failures).toEqual([{ property: "graphicsPassword", reason }]);
  });

  it("takes a long console password for SPICE and 8 characters for VNC", () => {
    for (const [graphics, graphicsPassword] of [
      ["spice", "a much longer passphrase"],
      ["vnc", "12345678"],
    ]) {
      expect(
        domain.check({}, { uri: URI, name: "g", memory: 64 * MiB, graphics, graphicsPassword })
          .failures,
      ).toEqual([]);
    }
  });

  it("rejects a relative pool path and a malformed network address", () => {
    expect(storagePool.check({}, { uri: URI, name: "p", path: "images" }).failures).toEqual([
      { property: "path", reason: "must be an absolute path" },
    ]);
    expect(network.check({}, { uri: URI, name: "n", address: "10.0.0.1" }).failures).toEqual([
      { property: "address", reason: 'expected "address/prefix"' },
    ]);
  });

  it.each([
    [
      { source: "/a.qcow2", backingVolume: "b.qcow2" },
      "source",
      "`source`, `backingVolume` and `iso` exclude each other",
    ],
    [
      { source: "/a.img", format: "raw", iso: { label: "cidata", files: {} } },
      "source",
      "`source`, `backingVolume` and `iso` exclude each other",
    ],
    [
      { iso: { label: "cidata", files: {} } },
      "iso",
      "an `iso` volume is raw and as large as its image (no `capacity`)",
    ],
    [
      { format: "raw", capacity: 4096, iso: { label: "cidata", files: {} } },
      "iso",
      "an `iso` volume is raw and as large as its image (no `capacity`)",
    ],
    [{}, "capacity", "a blank volume needs `capacity`"],
    [
      { backingVolume: "b.qcow2", format: "raw" },
      "format",
      "an overlay on a base volume must be qcow2",
    ],
  ])("rejects the volume %j", (props, property, reason) => {
    expect(volume.check({}, { uri: URI, pool: "p", name: "v", ...props }).failures).toEqual([
      { property, reason },
    ]);
  });
});

describe("diff", () => {
  const pool = {
    uri: URI,
    name: "p",
    type: "dir" as const,
    path: "/a",
    autostart: true,
    active: true,
  };
  it.each([
    [{ autostart: false }, []],
    [{ path: "/b" }, ["path"]],
    [{ uri: "qemu+ssh://laptop/system" }, ["uri"]],
  ])("a pool change %j replaces %j", (change, replaces) => {
    expect(storagePool.diff("id", pool, { ...pool, ...change })).toEqual({
      changes: true,
      replaces,
      deleteBeforeReplace: replaces.length > 0,
    });
  });

  it("never diffs a base volume's image file path (bases are immutable)", () => {
    const base = {
      uri: URI,
      pool: "p",
      name: "b.qcow2",
      format: "qcow2" as const,
      source: "/x",
      retain: false,
    };
    expect(volume.diff("id", base, { ...base, source: "/y" }).changes).toBe(false);
    expect(volume.diff("id", base, { ...base, source: undefined, capacity: MiB }).replaces).toEqual(
      ["base"],
    );
  });

  it("never diffs a guest's disks listed in another order; a disk more or less is a change", () => {
    const disk = (volume: string) => ({ pool: "p", volume });
    const guest = domain.check(
      {},
      { uri: URI, name: "g", memory: 64 * MiB, disks: [disk("root"), disk("data")] },
    ).inputs;
    const swapped = { ...guest, disks: [guest.disks[1], guest.disks[0]] };
    expect(domain.diff("id", guest, swapped).changes).toBe(false);
    expect(domain.diff("id", guest, { ...guest, disks: [guest.disks[1]] }).changes).toBe(true);
  });
});

describe("allOrNothing", () => {
  it("runs the undo actions newest first and rethrows the original error", async () => {
    const undone: string[] = [];
    const attempt = allOrNothing(async (onUndo) => {
      onUndo(() => Promise.resolve(undone.push("define")));
      onUndo(() => Promise.reject(new Error("undo failed too")));
      onUndo(() => Promise.resolve(undone.push("start")));
      await Promise.resolve();
      throw new Error("autostart failed");
    });
    await expect(attempt).rejects.toThrow("autostart failed");
    expect(undone).toEqual(["start", "define"]);
  });

  it("keeps everything when all steps succeed", async () => {
    const undone: string[] = [];
    await expect(
      allOrNothing((onUndo) => {
        onUndo(() => Promise.resolve(undone.push("x")));
        return Promise.resolve(42);
      }),
    ).resolves.toBe(42);
    expect(undone).toEqual([]);
  });
});

describe("doing", () => {
  it("says what was being done to what", async () => {
    await expect(
      doing('define network "lan"', () => Promise.reject(new Error("boom"))),
    ).rejects.toThrow('define network "lan": boom');
  });
});

describe("firmwareStateNote: what the preview says of a guest's NVRAM and TPM state", () => {
  const win = domain.check(
    {},
    {
      uri: URI,
      name: "win11",
      memory: 512 * MiB,
      machine: "q35",
      firmware: "uefi",
      tpm: true,
    },
  ).inputs;

  // Renamed or moved to another host, a guest keeps them: only a removal can lose them.
  it("nothing for a guest that keeps them, or has none", () => {
    expect(firmwareStateNote(win)).toBeUndefined();
    const bios = domain.check({}, { uri: URI, name: "srv", memory: 256 * MiB }).inputs;
    expect(firmwareStateNote({ ...bios, keepFirmwareState: false })).toBeUndefined();
  });

  it("that removing it deletes them, when it does not keep them", () => {
    expect(firmwareStateNote({ ...win, keepFirmwareState: false })).toBe(
      "guest win11: keepFirmwareState is false, so removing it deletes its NVRAM (UEFI variables) and TPM state (BitLocker keys, for a Windows guest)",
    );
  });
});

describe("inDeclaredOrder", () => {
  const d = (volume: string) => ({ pool: "p", volume, format: "qcow2" });
  it("reads disks back in the fleet's order, so a reordered file is no change", () => {
    expect(
      inDeclaredOrder([d("root"), d("data"), d("scratch")], [d("scratch"), d("root"), d("data")]),
    ).toEqual([d("scratch"), d("root"), d("data")]);
  });
  it("puts disks the fleet does not list last, and leaves out those the host lacks", () => {
    expect(inDeclaredOrder([d("root"), d("extra")], [d("gone"), d("root")])).toEqual([
      d("root"),
      d("extra"),
    ]);
  });
});
