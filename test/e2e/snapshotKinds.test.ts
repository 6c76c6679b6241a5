/**
 * Scheduled snapshots of running guests on libvirt 9.0 + QEMU 7.2 and on
 * libvirt 11.3 + QEMU 10.0, each a second host of this test's own
 * (scripts/second-host.sh), driven by the real CLI: a BIOS guest and a UEFI +
 * Secure Boot + TPM guest are snapshotted on a schedule, listed, pruned and
 * reverted, with the kind each host takes (snapshots/mode.ts):
 *
 * - 9.0: internal with memory (BIOS); saved, snapshotted and restored (UEFI);
 *   an old colon-named snapshot is pruned while the guest runs.
 * - 11.3: external and disks only for both; pruning merges overlays back,
 *   reverting starts the guest from the snapshot, and the Domain kind reads a
 *   guest on overlays as declared, keeps the overlay through a hardware change
 *   and merges every overlay back when the guest is deleted.
 *
 * The UEFI guest's NVRAM is kept beside each snapshot, pruned with it and
 * written back by a revert. A hand-made snapshot is never touched.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { LibvirtClient } from "../../libvirt";
import { LibvirtClient as Client } from "../../libvirt";
import type { HostInputs, ResourceKind } from "../../provider/kind";
import type { DomainInputs } from "../../provider/resources/domain";
import { domain } from "../../provider/resources/domain";
import { volume } from "../../provider/resources/volume";
import { buildSnapshotXml } from "../../xml/snapshot";
import { describeKind } from "../../snapshots/mode";
import { autosnapDescription } from "../../snapshots/names";
import { DEFAULT_POLICY } from "../../snapshots/policy";
import type { RunReport } from "../../snapshots/run";
import { writePolicy } from "../../snapshots/take";
import { consoleText, REPO_ROOT, requireAppliance } from "../support/host";
import type { TestHost } from "../support/hosts";
import { secondHost } from "../support/hosts";
import { waitFor } from "../support/wait";

// Each host starts cold (QEMU's probe, seconds); each run and revert takes seconds.
jest.setTimeout(600_000);

const PREFIX = "test-kinds-";
const POOL = `${PREFIX}pool`;
const BIOS = `${PREFIX}bios`;
const UEFI = `${PREFIX}uefi`;
const HAND_MADE = "before-upgrade";
const LEGACY = "autosnap_2029-12-31_23:00:00_hourly";

const cases: [string, TestHost, "9.0" | "11.3"][] = [
  ["libvirt 9.0", secondHost("kinds9"), "9.0"],
  ["libvirt 11.3", secondHost("kinds11", "11"), "11.3"],
];

describe.each(cases)("%s", (_label, host, version) => {
  let uri: string;
  let conn: LibvirtClient;
  let poolDir: string;
  const external = version === "11.3";

  const virsh = (...args: string[]): string =>
    execFileSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8" }).trim();
  const deskfleet = (...args: string[]): string =>
    execFileSync("npx", ["deskfleet", "snapshots", ...args, "--uri", uri], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  /** A run's report per guest; a run with an error exits 1 and still reports. */
  const run = (now: string, ...more: string[]) => {
    let out: string;
    try {
      out = deskfleet("run", "--now", now, "--json", ...more);
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? "");
      if (out === "") throw err;
    }
    const report = JSON.parse(out) as RunReport;
    return Object.fromEntries(report.guests.map((g) => [g.name, g]));
  };
  const snapshots = (guest: string) =>
    virsh("snapshot-list", guest, "--name").split("\n").filter(Boolean).sort();
  const autosnaps = (guest: string) => snapshots(guest).filter((n) => n.startsWith("autosnap_"));
  /** The UEFI guest's NVRAM file, and the copy deskfleet keeps beside its snapshot `snap`. */
  const nvram = () => host.hostFile(`/var/lib/libvirt/qemu/nvram/${UEFI}_VARS.fd`);
  const nvramCopy = (snap: string) =>
    host.hostFile(`/var/lib/libvirt/qemu/nvram/${UEFI}_VARS.${snap}.fd`);
  const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
  /** The boot counts the BIOS appliance printed since its last start (its log starts afresh). */
  const boots = () =>
    [...consoleText(host.consoleLog(BIOS)).matchAll(/DESKFLEET-APPLIANCE boot=(\d+)/g)].map((m) =>
      Number(m[1]),
    );
  /** The boot count the BIOS appliance prints next (its console log starts afresh with each start). */
  const nextBoot = async () => {
    await waitFor("a boot", () => (boots().length > 0 ? true : undefined), 120_000);
    return Math.max(...boots());
  };
  const restartBios = async () => {
    virsh("destroy", BIOS);
    virsh("start", BIOS);
    return nextBoot();
  };

  beforeAll(async () => {
    host.stop(); // what an interrupted earlier run left
    uri = host.start();
    conn = await Client.connect(uri);
    poolDir = host.poolDir(POOL);
    mkdirSync(poolDir, { recursive: true });
    copyFileSync(requireAppliance(), join(poolDir, `${PREFIX}base.qcow2`));
    virsh("pool-define-as", POOL, "dir", "--target", poolDir);
    virsh("pool-start", POOL);
    for (const g of [BIOS, UEFI]) {
      virsh(
        "vol-create-as",
        POOL,
        `${g}-root.qcow2`,
        "512M",
        "--format",
        "qcow2",
        "--backing-vol",
        join(poolDir, `${PREFIX}base.qcow2`),
        "--backing-vol-format",
        "qcow2",
      );
    }
    const disk = (g: string) =>
      `<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='${POOL}' volume='${g}-root.qcow2'/><target dev='vda' bus='virtio'/></disk>`;
    const serial = (g: string) =>
      `<serial type='pty'><log file='/var/log/libvirt/qemu/${g}-console.log' append='off'/></serial><console type='pty'/>`;
    const xml = join(poolDir, "..", `${PREFIX}guests`);
    mkdirSync(xml, { recursive: true });
    writeFileSync(
      join(xml, "bios.xml"),
      `<domain type='qemu'><name>${BIOS}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
        <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os><features><acpi/></features>
        <devices>${disk(BIOS)}${serial(BIOS)}</devices></domain>`,
    );
    writeFileSync(
      join(xml, "uefi.xml"),
      `<domain type='qemu'><name>${UEFI}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
        <os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>
          <firmware><feature enabled='yes' name='secure-boot'/><feature enabled='yes' name='enrolled-keys'/></firmware></os>
        <features><acpi/><smm state='on'/></features>
        <devices>${disk(UEFI)}<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>${serial(UEFI)}</devices></domain>`,
    );
    virsh("define", join(xml, "bios.xml"));
    virsh("define", join(xml, "uefi.xml"));
    // Hand-made, before any schedule: a snapshot of the kind the host takes, of the shut-off guest.
    const handMade = join(xml, "hand.xml");
    writeFileSync(
      handMade,
      buildSnapshotXml({
        name: HAND_MADE,
        description: "made by hand",
        memory: "no",
        disks: [
          external
            ? { target: "vda", snapshot: "external", file: join(poolDir, `${BIOS}-hand.qcow2`) }
            : { target: "vda", snapshot: "internal" },
        ],
      }),
    );
    virsh("snapshot-create", BIOS, handMade, ...(external ? ["--disk-only"] : []));
    if (!external) {
      // An old colon-named one of ours (libvirt 9.0 deletes it while the guest runs).
      const legacy = join(xml, "legacy.xml");
      writeFileSync(
        legacy,
        buildSnapshotXml({
          name: LEGACY,
          description: autosnapDescription(["hourly"]),
          memory: "no",
          disks: [{ target: "vda", snapshot: "internal" }],
        }),
      );
      virsh("snapshot-create", BIOS, legacy);
    }
    for (const g of [BIOS, UEFI]) {
      const policy = { ...DEFAULT_POLICY, schedule: "test-hourly", hourly: 2 };
      await writePolicy(conn, await conn.domainLookupByName(g), policy);
      virsh("start", g);
    }
    await waitFor(
      "the BIOS guest's first boot",
      () => (boots().length > 0 ? true : undefined),
      120_000,
    );
  });

  afterAll(async () => {
    await conn?.close().catch(() => undefined);
    host.stop();
  });

  it(`is libvirt ${version}`, () => {
    expect(virsh("version", "--daemon")).toMatch(
      new RegExp(`Running against daemon: ${version.replace(".", "\\.")}\\.`),
    );
  });

  it("status says which kind each guest's snapshots are, and why", () => {
    const status = JSON.parse(deskfleet("status", "--json")) as {
      guests: { name: string; takes: string }[];
    };
    const takes = Object.fromEntries(status.guests.map((g) => [g.name, g.takes]));
    if (external) {
      expect(takes[BIOS]).toMatch(
        /^external, disks only .*not quiesced: the guest has no guest agent channel/,
      );
      expect(takes[UEFI]).toMatch(
        /^external, disks only .*; its NVRAM kept beside it by deskfleet; without TPM state/,
      );
    } else {
      expect(takes[BIOS]).toMatch(
        /^internal, with memory .*libvirt 9\.0\.0 reverts only internal snapshots/,
      );
      expect(takes[UEFI]).toMatch(
        /^internal, disks only, the running guest saved to disk and restored.*; its NVRAM kept beside it by deskfleet; without TPM state/,
      );
    }
  });

  it("scheduled snapshots of both running guests are taken, listed and pruned", () => {
    const t1 = run("2030-01-01T04:30:00Z");
    for (const g of [BIOS, UEFI]) {
      expect(t1[g].errors).toEqual([]);
      expect(t1[g].taken).toEqual(["autosnap_2030-01-01_04-30-00_hourly"]);
    }
    if (external) {
      expect(t1[BIOS].takenAs).toBe(
        `${describeKind({ kind: "external", memory: false, quiesce: false })}`,
      );
      expect(t1[UEFI].takenAs).toMatch(/^external, disks only/);
    } else {
      expect(t1[BIOS].takenAs).toBe(describeKind({ kind: "internal", memory: true }));
      expect(t1[UEFI].takenAs).toMatch(
        /^internal, disks only, the running guest saved .*; stopped \d+\.\d s$/,
      );
    }
    const t2 = run("2030-01-01T05:30:00Z");
    // The colon-named one is past its keep (2 hourly) and goes while the guest runs.
    if (!external) expect(t2[BIOS].pruned).toEqual([LEGACY]);
    run("2030-01-01T06:30:00Z");
    const t4 = run("2030-01-01T07:30:00Z");
    for (const g of [BIOS, UEFI]) {
      expect(t4[g].errors).toEqual([]);
      expect(t4[g].pruned).toEqual(["autosnap_2030-01-01_04-30-00_hourly"]);
      expect(autosnaps(g)).toEqual([
        "autosnap_2030-01-01_05-30-00_hourly",
        "autosnap_2030-01-01_06-30-00_hourly",
        "autosnap_2030-01-01_07-30-00_hourly",
      ]);
      expect(virsh("domstate", g)).toBe("running");
    }
    expect(snapshots(BIOS)).toContain(HAND_MADE);
    // The UEFI guest's NVRAM is kept beside each of its snapshots, and goes with a pruned one.
    expect(existsSync(nvramCopy("autosnap_2030-01-01_04-30-00_hourly"))).toBe(false);
    for (const snap of autosnaps(UEFI)) expect(existsSync(nvramCopy(snap))).toBe(true);
  });

  it("a revert to a scheduled snapshot brings the disk back to it, and the guest runs", async () => {
    // Two boots after the 05:30 snapshot: its disk holds fewer boots than the guest has now.
    await restartBios();
    const now = await restartBios();
    const target = "autosnap_2030-01-01_05-30-00_hourly";
    // The UEFI guest's variables change after the snapshot (here: overwritten by hand, the guest
    // off): a revert writes back those kept with the snapshot. (Compared before it boots again:
    // OVMF writes its variables at every boot.)
    const kept = digest(nvramCopy(target));
    virsh("destroy", UEFI);
    writeFileSync(nvram(), Buffer.alloc(statSync(nvram()).size, 0xff));
    expect(deskfleet("revert", UEFI, target)).toBe(
      `reverted ${UEFI} to ${target}; it is shut off\n`,
    );
    expect(digest(nvram())).toBe(kept);
    virsh("start", UEFI);
    // Running guests: each is reverted and runs from the snapshot (the UEFI one stopped first for
    // its NVRAM to be written back).
    for (const g of [BIOS, UEFI]) {
      expect(deskfleet("revert", g, target)).toBe(`reverted ${g} to ${target}; it is running\n`);
      expect(virsh("domstate", g)).toBe("running");
      expect(virsh("snapshot-current", g, "--name")).toBe(target);
    }
    // Disks only (11.3): the guest boots from the snapshot's disk. With memory (9.0): it runs on
    // from the saved moment, and its next boot reads the counter the snapshot's disk holds.
    const reverted = external ? await nextBoot() : await restartBios();
    expect(reverted).toBeLessThan(now);
    // The schedule stays recorded (the definition before the revert is defined again).
    const status = JSON.parse(deskfleet("status", "--json", "--guest", BIOS)) as {
      guests: { schedule: string }[];
    };
    expect(status.guests[0].schedule).toBe("test-hourly");
  });

  it("runs after the revert still take and prune; an external one waits for those after it", () => {
    const t5 = run("2030-01-01T09:30:00Z");
    for (const g of [BIOS, UEFI]) {
      expect(t5[g].errors).toEqual([]);
      expect(t5[g].taken).toEqual(["autosnap_2030-01-01_09-30-00_hourly"]);
      if (external) {
        // 05:30 has children on two branches now (06:30 before the revert, 09:30 after), and
        // 06:30 is a non-leaf off the active chain: libvirt deletes neither yet.
        expect(t5[g].pruned).toEqual([]);
        expect(t5[g].skipped.join("; ")).toMatch(
          /prune of autosnap_2030-01-01_06-30-00_hourly waits until the snapshots after it are pruned/,
        );
      } else {
        expect(t5[g].pruned).toEqual([
          "autosnap_2030-01-01_05-30-00_hourly",
          "autosnap_2030-01-01_06-30-00_hourly",
        ]);
      }
    }
    // An hour on, 07:30 ages out too: newest first, the old branch goes in one run.
    const t6 = run("2030-01-01T10:30:00Z");
    for (const g of [BIOS, UEFI]) {
      expect(t6[g].errors).toEqual([]);
      expect(t6[g].skipped).toEqual([]);
      expect(autosnaps(g)).toEqual([
        "autosnap_2030-01-01_09-30-00_hourly",
        "autosnap_2030-01-01_10-30-00_hourly",
      ]);
      expect(virsh("domstate", g)).toBe("running");
    }
    expect(snapshots(BIOS)).toContain(HAND_MADE);
  });

  it("the Domain kind reads a guest on overlays as declared, keeps them through a change, merges them on delete", async () => {
    const made: { kind: ResourceKind<HostInputs>; id: string; outs: Record<string, unknown> }[] =
      [];
    const create = async <I extends HostInputs>(
      kind: ResourceKind<I>,
      news: Record<string, unknown>,
    ) => {
      const { inputs, failures } = kind.check({}, { uri, ...news });
      expect(failures).toEqual([]);
      const urn = `urn:pulumi:test::deskfleet::${kind.token}::${String(news.name)}`;
      const created = await kind.create(inputs, urn);
      made.unshift({ kind, ...created });
      return { inputs, ...created };
    };
    const name = `${PREFIX}kind`;
    try {
      await create(volume, {
        pool: POOL,
        name: `${name}-root.qcow2`,
        backingVolume: `${PREFIX}base.qcow2`,
      });
      await create(volume, {
        pool: POOL,
        name: `${name}-data.qcow2`,
        capacity: 64 * 1024 ** 2,
        retain: true,
      });
      const disks = [
        { pool: POOL, volume: `${name}-root.qcow2`, format: "qcow2" },
        { pool: POOL, volume: `${name}-data.qcow2`, format: "qcow2" },
      ];
      const guest = await create(domain, {
        name,
        type: "qemu",
        memory: 128 * 1024 ** 2,
        disks,
        shutdownTimeout: 5,
      });
      await writePolicy(conn, await conn.domainLookupByName(name), {
        ...DEFAULT_POLICY,
        schedule: "k",
        hourly: 2,
      });
      const taken = run("2030-01-01T04:30:00Z", "--guest", name);
      expect(taken[name].errors).toEqual([]);
      const read = await domain.read(guest.id, guest.outs);
      expect(read?.inputs.disks).toEqual(disks);
      const diff = domain.diff(guest.id, read!.inputs, guest.inputs);
      expect(diff.changes).toBe(false);
      if (external)
        expect(virsh("domblklist", name, "--details")).toMatch(
          /\.autosnap_2030-01-01_04-30-00_hourly\.qcow2/,
        );
      // A hardware change redefines the guest: its disks stay on their overlays.
      const before = virsh("domblklist", name, "--inactive");
      await domain.update(guest.id, read!.props as DomainInputs & Record<string, unknown>, {
        ...guest.inputs,
        memory: 160 * 1024 ** 2,
      });
      expect(virsh("domblklist", name, "--inactive")).toBe(before);
      const again = await domain.read(guest.id, guest.outs);
      expect(again?.inputs.disks).toEqual(disks);
      await domain.delete(guest.id, guest.outs);
      made.shift();
      virsh("pool-refresh", POOL);
      const left = virsh("vol-list", POOL)
        .split("\n")
        .filter((l) => l.includes(name))
        .map((l) => l.trim().split(/\s+/)[0]);
      // Every overlay was merged back: only the two volumes are left.
      expect(left.sort()).toEqual([`${name}-data.qcow2`, `${name}-root.qcow2`]);
    } finally {
      for (const { kind, id, outs } of made)
        await kind.delete(id, { ...outs, retain: false }).catch(() => undefined);
    }
  });
});
