/**
 * Each provider kind against the real daemon: check → create → read (refresh
 * sees exactly what was declared) → update → delete, and delete when gone.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  closeAll,
  getConnection,
  DomainState,
  DomainVcpuFlags,
  DomainXmlFlags,
} from "../../../libvirt";
import type { HostInputs, ResourceKind } from "../../../provider/kind";
import { domain } from "../../../provider/resources/domain";
import { parseDomainXml } from "../../../xml/domain";
import { network } from "../../../provider/resources/network";
import type { NetworkInputs } from "../../../provider/resources/network";
import { storagePool } from "../../../provider/resources/storagePool";
import { volume } from "../../../provider/resources/volume";
import type { VolumeInputs } from "../../../provider/resources/volume";
import {
  bridgePorts,
  consoleText,
  objectsNamed,
  requireAppliance,
  TEST_URI,
  testUrn,
} from "../../support/host";
import { waitFor } from "../../support/wait";
import { expectQuickDaemon } from "../../support/daemonSpeed";

// The Domain test boots the appliance to its marker (~3 s under emulation), changes it and
// shuts it down gracefully (its shutdownTimeout); the other kinds take seconds.
jest.setTimeout(180_000);

const PREFIX = "test-int-";
/** The overlay the Volume test leaves as the Domain test's root disk. */
let rootVolume: { id: string; inputs: VolumeInputs; outs: Record<string, unknown> };
/** The network the Network test leaves for the Domain test's guest. */
let lan: { id: string; inputs: NetworkInputs; outs: Record<string, unknown> };
/** Where the ISO test extracts files to (removed after all, passed or not). */
const seedDir = mkdtempSync(join(tmpdir(), "deskfleet-seed-"));
afterAll(() => rmSync(seedDir, { recursive: true, force: true }));
const POOL_DIR = "/var/lib/libvirt/images/test-int-pool";

/** check() as the engine would call it, failing the test on any failure. */
function checked<I extends HostInputs>(
  kind: ResourceKind<I>,
  news: Record<string, unknown>,
  olds = {},
): I {
  const { inputs, failures } = kind.check(olds, { uri: TEST_URI, ...news });
  expect(failures).toEqual([]);
  return inputs;
}

/** create, then read must give back exactly the declared inputs. */
async function createAndRead<I extends HostInputs>(kind: ResourceKind<I>, inputs: I) {
  const { id, outs } = await kind.create(
    inputs,
    testUrn(kind.token, String((inputs as HostInputs & { name?: unknown }).name)),
  );
  const read = await kind.read(id, outs);
  expect(read?.inputs).toEqual(inputs);
  // `pulumi import` reads by id alone, with no state: the object is found and named.
  const imported = await kind.read(id, {});
  expect(imported?.inputs).toMatchObject({
    uri: TEST_URI,
    name: (inputs as { name?: unknown }).name,
  });
  // The engine diffs against the stored outputs; the declared inputs must match.
  expect(kind.diff(id, outs as unknown as I, inputs).changes).toBe(false);
  expect(kind.diff(id, read!.inputs, inputs)).toEqual({
    changes: false,
    replaces: [],
    deleteBeforeReplace: false,
  });
  return { id, outs };
}

/** A volume made and read back for the Domain test, removed after all. */
async function blankVolume(news: Record<string, unknown>) {
  return track(volume, await createAndRead(volume, checked(volume, news)));
}

/** Stored outputs as the engine hands them to update() as `olds`. */
function stored<I extends HostInputs>(outs: Record<string, unknown>): I & Record<string, unknown> {
  return outs as I & Record<string, unknown>;
}

const ids: { kind: ResourceKind<HostInputs>; id: string; outs: Record<string, unknown> }[] = [];
function track<I extends HostInputs>(
  kind: ResourceKind<I>,
  created: { id: string; outs: Record<string, unknown> },
) {
  ids.unshift({ kind, ...created });
  return created;
}

beforeAll(async () => {
  await expectQuickDaemon(await getConnection(TEST_URI), PREFIX);
});

afterAll(async () => {
  for (const { kind, id, outs } of ids) await kind.delete(id, outs).catch(() => undefined);
  await closeAll();
  rmSync(POOL_DIR, { recursive: true, force: true });
});

describe("provider kinds on the real daemon", () => {
  it("StoragePool: create, read, update autostart, refuse a taken name", async () => {
    const inputs = checked(storagePool, { name: "test-int-pool", path: POOL_DIR });
    expect(inputs).toEqual({
      uri: TEST_URI,
      name: "test-int-pool",
      type: "dir",
      path: POOL_DIR,
      autostart: true,
      active: true,
    });
    const { id, outs } = track(storagePool, await createAndRead(storagePool, inputs));
    expect(existsSync(POOL_DIR)).toBe(true);
    expect(outs.createdDirectory).toBe(true);

    const news = { ...inputs, autostart: false };
    expect(storagePool.diff(id, inputs, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    await storagePool.update(id, stored(outs), news);
    expect((await storagePool.read(id, outs))?.inputs.autostart).toBe(false);
    expect(storagePool.diff(id, inputs, { ...inputs, path: "/elsewhere" }).replaces).toEqual([
      "path",
    ]);

    // The same pool again (an interrupted create, a stack brought back) is adopted; a pool of
    // that name elsewhere is refused, saying how to resolve it.
    const again = await storagePool.create(inputs, testUrn(storagePool.token, inputs.name));
    expect(again).toEqual({ id, outs: { ...inputs, uuid: id, createdDirectory: false } });
    await expect(
      storagePool.create({ ...inputs, path: "/var/lib/libvirt/images/test-int-elsewhere" }, "urn"),
    ).rejects.toThrow(
      `create storage pool "test-int-pool": a pool with this name already exists on ${TEST_URI} with path ${POOL_DIR}, not /var/lib/libvirt/images/test-int-elsewhere; declare that path`,
    );
  });

  it("Volume: upload a base image once, overlay it, grow, refuse to delete a base in use", async () => {
    const base = checked(volume, {
      pool: "test-int-pool",
      name: "test-int-base.qcow2",
      source: requireAppliance(),
    });
    const created = track(volume, await createAndRead(volume, base));
    expect(created.outs.path).toBe(`${POOL_DIR}/test-int-base.qcow2`);

    const overlay = checked(volume, {
      pool: "test-int-pool",
      name: "test-int-root.qcow2",
      backingVolume: "test-int-base.qcow2",
      capacity: 512 * 1024 ** 2,
    });
    const o = track(volume, await createAndRead(volume, overlay));

    const grown = { ...overlay, capacity: 640 * 1024 ** 2 };
    expect(volume.diff(o.id, overlay, grown)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    await volume.update(o.id, stored(o.outs), grown);
    rootVolume = { id: o.id, inputs: grown, outs: { ...o.outs, ...grown } };
    expect((await volume.read(o.id, { ...o.outs, ...grown }))?.inputs.capacity).toBe(
      640 * 1024 ** 2,
    );
    expect(volume.check(grown, { ...overlay, uri: TEST_URI }).failures).toEqual([
      {
        property: "capacity",
        reason:
          '512 MiB is smaller than volume "test-int-pool/test-int-root.qcow2" (640 MiB): shrinking ' +
          "would lose data, so deskfleet only grows volumes; declare at least its size",
      },
    ]);
    // Where the fleet declares the size, the message starts there.
    const declared = {
      ...overlay,
      uri: TEST_URI,
      capacityDeclaredAt: "f.yaml:9:13: guests.g.disks.root.size",
    };
    expect(volume.check(grown, declared).failures[0].reason).toMatch(
      /^f\.yaml:9:13: guests\.g\.disks\.root\.size: 512 MiB is smaller than/,
    );

    await expect(volume.delete(created.id, created.outs)).rejects.toThrow(
      'delete volume "test-int-pool/test-int-base.qcow2": it is the base of "test-int-root.qcow2"; delete those first',
    );
  });

  it("Volume: an ISO of files is written, and written again in place when they change", async () => {
    const files = { "meta-data": "instance-id: a\n", "user-data": "#cloud-config\n{}\n" };
    const seed = checked(volume, {
      pool: "test-int-pool",
      name: "test-int-cidata.iso",
      format: "raw",
      iso: { label: "cidata", files },
    });
    const s = track(volume, await createAndRead(volume, seed));
    const path = String(s.outs.path);
    const out = join(seedDir, "meta-data");
    const metaData = () => {
      rmSync(out, { force: true });
      execFileSync("xorriso", ["-osirrox", "on", "-indev", path, "-extract", "/meta-data", out], {
        stdio: "ignore",
      });
      return readFileSync(out, "utf8");
    };
    expect(
      execFileSync("blkid", ["-p", "-o", "value", "-s", "LABEL", path], { encoding: "utf8" }),
    ).toBe("cidata\n");
    expect(metaData()).toBe(files["meta-data"]);

    // Larger than the volume: grown; then smaller again: the same volume, zeros after the image.
    const big = {
      ...seed,
      iso: { label: "cidata", files: { ...files, "user-data": "x".repeat(9000) } },
    };
    expect(volume.diff(s.id, seed, big)).toMatchObject({ changes: true, replaces: [] });
    expect(await volume.explain?.({ ...seed }, big)).toBe(
      "user-data changes: written now, read by the guest at its next boot",
    );
    await volume.update(s.id, stored(s.outs), big);
    expect(statSync(path).size).toBeGreaterThan(9000);
    const small = {
      ...seed,
      iso: { label: "cidata", files: { ...files, "meta-data": "instance-id: b\n" } },
    };
    expect(await volume.explain?.({ ...big }, small)).toBe(
      "meta-data, user-data change: written now, read by the guest at its next boot " +
        "(a new instance-id: cloud-init runs its per-instance steps again, as on a first boot)",
    );
    await volume.update(s.id, stored({ ...s.outs, ...big }), small);
    expect(metaData()).toBe("instance-id: b\n");
    expect((await volume.read(s.id, { ...s.outs, ...small }))?.inputs).toEqual(small);
    await volume.delete(s.id, { ...s.outs, ...small });
    expect(existsSync(path)).toBe(false);
  });

  it("Volume: a retained volume stays on the host when deleted", async () => {
    const data = checked(volume, {
      pool: "test-int-pool",
      name: "test-int-data.qcow2",
      capacity: 1024 ** 2,
      retain: true,
    });
    const { id, outs } = await createAndRead(volume, data);
    await volume.delete(id, outs);
    expect(await volume.read(id, outs)).toBeDefined();
    await volume.delete(id, { ...outs, retain: false });
    expect(await volume.read(id, outs)).toBeUndefined();
    await volume.delete(id, { ...outs, retain: false }); // already gone: fine
  });

  it("Network: create isolated with DHCP, update DHCP in place, delete", async () => {
    const inputs = checked(network, {
      name: "test-int-net",
      address: "10.78.0.1/24",
      dhcp: { start: "10.78.0.10", end: "10.78.0.20" },
    });
    const { id, outs } = track(network, await createAndRead(network, inputs));
    const news = { ...inputs, dhcp: { start: "10.78.0.10", end: "10.78.0.30" } };
    await network.update(id, stored(outs), news);
    const read = await network.read(id, outs);
    expect(read?.inputs).toEqual(news);
    expect(read?.props.uuid).toBe(id);
    lan = { id, inputs: news, outs: read!.props };
  });

  it("Domain: boots the appliance, reads back as declared, changes memory and vCPUs live, restarts only as allowed", async () => {
    // Two media for its CD-ROM drive: the base image's bytes will do, and a blank one.
    await blankVolume({
      pool: "test-int-pool",
      name: "test-int-media.img",
      format: "raw",
      capacity: 1024 ** 2,
    });
    const inputs = checked(domain, {
      name: "test-int-guest",
      type: "qemu",
      memory: 256 * 1024 ** 2,
      maxMemory: 320 * 1024 ** 2,
      maxVcpus: 2,
      cdroms: [{ pool: "test-int-pool", volume: "test-int-base.qcow2" }],
      disks: [{ pool: "test-int-pool", volume: "test-int-root.qcow2" }],
      interfaces: [{ network: "test-int-net" }],
      shutdownTimeout: 20,
    });
    const { id, outs } = track(domain, await createAndRead(domain, inputs));
    expect(outs.state).toBe("running");
    await waitFor(
      "boot marker",
      () =>
        consoleText(String(outs.consoleLog)).includes("DESKFLEET-APPLIANCE boot=1")
          ? true
          : undefined,
      90_000,
    );

    const conn = await getConnection(TEST_URI);
    const runId = async () => (await conn.domainLookupByName("test-int-guest")).id;
    const firstRun = await runId();

    // Live: memory within maxMemory (the balloon), vCPUs within maxVcpus (hot-plug). Same run.
    const news = { ...inputs, memory: 288 * 1024 ** 2, vcpus: 2 };
    let updated = await domain.update(id, stored(outs), news);
    expect(await runId()).toBe(firstRun);
    const dom = await conn.domainLookupByName("test-int-guest");
    await waitFor(
      "the balloon's new size",
      async () => ((await conn.domainGetInfo(dom)).memory === 288n * 1024n ? true : undefined),
      30_000,
    );
    expect(await conn.domainGetVcpusFlags(dom, DomainVcpuFlags.Live)).toBe(2);

    // Its CD-ROM gets another medium while it runs.
    const media = { ...news, cdroms: [{ pool: "test-int-pool", volume: "test-int-media.img" }] };
    updated = await domain.update(id, stored(updated), media);
    expect(await runId()).toBe(firstRun);
    expect(updated.restartPending).toEqual([]);
    expect(await conn.domainGetXmlDesc(dom, 0)).toMatch(
      /<source pool='test-int-pool' volume='test-int-media.img'[^>]*\/>/,
    );

    // Its disk grows while it runs (QEMU holds the image's lock: it resizes it).
    const bigger = { ...rootVolume.inputs, capacity: 704 * 1024 ** 2 };
    expect(await volume.explain?.({ ...rootVolume.inputs }, bigger)).toBe(
      "volume test-int-pool/test-int-root.qcow2: size 640 MiB → 704 MiB (live: a running guest sees the new size at once)",
    );
    await volume.update(rootVolume.id, stored(rootVolume.outs), bigger);
    const rootVol = await conn.storageVolLookupByKey(rootVolume.id);
    expect((await conn.storageVolGetInfo(rootVol)).capacity).toBe(704n * 1024n ** 2n);
    expect((await volume.read(rootVolume.id, { ...rootVolume.outs, ...bigger }))?.inputs).toEqual(
      bigger,
    );
    expect(await runId()).toBe(firstRun);

    // A data disk and a second interface are plugged in while it runs, and out again.
    await blankVolume({
      pool: "test-int-pool",
      name: "test-int-extra.qcow2",
      capacity: 16 * 1024 ** 2,
    });
    const plugged = {
      ...media,
      disks: [
        ...media.disks,
        { pool: "test-int-pool", volume: "test-int-extra.qcow2", format: "qcow2" as const },
      ],
      interfaces: [...media.interfaces, { network: "test-int-net" }],
    };
    expect(await domain.explain?.({ ...media }, plugged)).toBe(
      "guest test-int-guest: disk test-int-pool/test-int-extra.qcow2 added (live); interface on test-int-net added (live)",
    );
    updated = await domain.update(id, stored(updated), plugged);
    expect(await runId()).toBe(firstRun);
    expect(updated.restartPending).toEqual([]);
    const withBoth = parseDomainXml(await conn.domainGetXmlDesc(dom, 0));
    expect(withBoth.disks.map((d) => [d.volume, d.target])).toEqual([
      ["test-int-root.qcow2", "vda"],
      ["test-int-extra.qcow2", "vdb"],
    ]);
    expect(withBoth.interfaces).toHaveLength(2);
    expect((await domain.read(id, updated))?.inputs).toEqual(plugged);
    // The appliance lets go of both when asked (ACPI PCI hot-unplug).
    updated = await domain.update(id, stored(updated), media);
    expect(await runId()).toBe(firstRun);
    expect(updated.restartPending).toEqual([]);
    const unplugged = parseDomainXml(await conn.domainGetXmlDesc(dom, 0));
    expect(unplugged.disks.map((d) => d.volume)).toEqual(["test-int-root.qcow2"]);
    expect(unplugged.interfaces.map((n) => n.mac)).toEqual(outs.macAddresses);

    // Its network's DHCP range changes live: the guest's link stays in the bridge.
    const bridge = String(lan.outs.bridgeName);
    const [tap] = bridgePorts(bridge);
    expect(tap).toMatch(/^vnet\d+$/);
    const wider = { ...lan.inputs, dhcp: { start: "10.78.0.10", end: "10.78.0.40" } };
    expect(await network.explain?.({ ...lan.inputs }, wider)).toBe(
      "network test-int-net: dhcp 10.78.0.10-10.78.0.30 → 10.78.0.10-10.78.0.40 (live: dnsmasq reloads; links and leases stay)",
    );
    await network.update(lan.id, stored(lan.outs), wider);
    expect(bridgePorts(bridge)).toEqual([tap]);
    expect((await network.read(lan.id, lan.outs))?.inputs.dhcp).toEqual(wider.dhcp);
    // A fixed address for the guest's MAC is added live too: dnsmasq's hosts file has it.
    const [mac] = outs.macAddresses as string[];
    const fixed = {
      ...wider,
      dhcp: { ...wider.dhcp, hosts: [{ name: "test-int-guest", mac, ip: "10.78.0.5" }] },
    };
    expect(await network.explain?.({ ...wider }, fixed)).toBe(
      `network test-int-net: fixed address test-int-guest ${mac} → 10.78.0.5 added (live: dnsmasq reloads; links and leases stay)`,
    );
    await network.update(lan.id, stored({ ...lan.outs, ...wider }), fixed);
    expect(bridgePorts(bridge)).toEqual([tap]);
    expect((await network.read(lan.id, lan.outs))?.inputs.dhcp).toEqual(fixed.dhcp);
    expect(readFileSync("/var/lib/libvirt/dnsmasq/test-int-net.hostsfile", "utf8")).toContain(
      `${mac},10.78.0.5,test-int-guest`,
    );
    // And removed live again.
    await network.update(lan.id, stored({ ...lan.outs, ...fixed }), wider);
    expect((await network.read(lan.id, lan.outs))?.inputs.dhcp).toEqual(wider.dhcp);
    expect(bridgePorts(bridge)).toEqual([tap]);
    // A new address restarts the network; the guest's interface is plugged in again: said first.
    const moved = {
      ...wider,
      address: "10.78.1.1/24",
      dhcp: { start: "10.78.1.10", end: "10.78.1.20" },
    };
    expect(await network.explain?.({ ...wider }, moved)).toBe(
      "network test-int-net: address 10.78.0.1/24 → 10.78.1.1/24, dhcp 10.78.0.10-10.78.0.40 → " +
        "10.78.1.10-10.78.1.20 (restart: the network stops and starts again; its running guests " +
        "(test-int-guest) are unplugged and plugged in again: their link drops for a moment)",
    );
    await network.update(lan.id, stored({ ...lan.outs, ...wider }), moved);
    // The same bridge (libvirt's name is kept), started again, with the guest's link in it:
    // the same run of the guest, the same MAC.
    expect(bridgePorts(bridge)).toHaveLength(1);
    expect(await runId()).toBe(firstRun);
    expect(updated.restartPending).toEqual([]);
    const read = await domain.read(id, updated);
    expect(read?.inputs).toEqual(media);
    expect(read?.props.state).toBe("running");
    // Same MAC after redefinition: the guest keeps its address.
    expect(read?.props.macAddresses).toEqual(outs.macAddresses);

    // A device needs a restart; restart: never keeps the guest running, the change pending.
    const tablet = { ...media, tablet: true };
    updated = await domain.update(id, stored(updated), tablet);
    expect(await runId()).toBe(firstRun);
    expect(updated.restartPending).toEqual(["tablet"]);
    expect((await domain.read(id, updated))?.props.restartPending).toEqual(["tablet"]);
    expect(await domain.explain?.({ ...tablet }, { ...tablet, autostart: true })).toBe(
      "guest test-int-guest: autostart false → true (live); restart pending since earlier: tablet",
    );

    // restart: allowed restarts it gracefully: a new run, nothing pending, its link back.
    const allowed = { ...tablet, restart: "allowed" as const };
    updated = await domain.update(id, stored(updated), allowed);
    expect(await runId()).not.toBe(firstRun);
    expect(bridgePorts(bridge)).toHaveLength(1);
    expect(updated.restartPending).toEqual([]);
    expect((await domain.read(id, updated))?.props.restartPending).toEqual([]);

    // A device added by hand (virt-manager, virsh) is drift: read shows it, the preview says the
    // next update removes it, and it does (here with a restart, as allowed).
    const watchdog = "<watchdog model='i6300esb' action='reset'/>";
    const xmlFile = join(seedDir, "watchdog.xml");
    writeFileSync(xmlFile, watchdog);
    execFileSync("virsh", [
      "-q",
      "-c",
      TEST_URI,
      "attach-device",
      "test-int-guest",
      xmlFile,
      "--config",
    ]);
    const drifted = await domain.read(id, updated);
    expect(drifted?.inputs.xml.devices).toEqual(['<watchdog model="i6300esb" action="reset"/>']);
    expect(domain.diff(id, drifted!.inputs, allowed).changes).toBe(true);
    expect(await domain.explain?.({ ...drifted!.inputs }, allowed)).toBe(
      'guest test-int-guest: device <watchdog model="i6300esb" action="reset"> removed (it is not in the fleet file) (restart); the guest restarts gracefully',
    );
    updated = await domain.update(id, stored({ ...updated, ...drifted!.inputs }), allowed);
    expect(await conn.domainGetXmlDesc(dom, DomainXmlFlags.Inactive)).not.toContain("<watchdog");
    expect((await domain.read(id, updated))?.inputs.xml).toEqual({ devices: [], elements: [] });

    await domain.update(id, stored(updated), { ...allowed, running: false });
    expect((await conn.domainGetState(dom, 0)).state).toBe(DomainState.Shutoff);

    await domain.delete(id, outs);
    expect(await domain.read(id, outs)).toBeUndefined();
    await domain.delete(id, outs);
  });

  it("Domain: a create that fails after define undoes itself", async () => {
    const inputs = checked(domain, {
      name: "test-int-broken",
      type: "qemu",
      memory: 64 * 1024 ** 2,
      disks: [{ pool: "test-int-pool", volume: "test-int-missing.qcow2" }],
    });
    await expect(domain.create(inputs, testUrn(domain.token, inputs.name))).rejects.toThrow(
      /^create guest "test-int-broken": /,
    );
    const conn = await getConnection(TEST_URI);
    expect((await objectsNamed(conn, "test-int-broken")).domains).toEqual([]);
  });

  it("Domain: USB and PCI host devices survive libvirt's normalisation (defined, not started)", async () => {
    // Passthrough cannot start here (no such devices to give away), but libvirt takes the
    // definition and adds its own attributes (managed, addresses): read must still see
    // exactly what was declared, so a second `up` changes nothing.
    const inputs = checked(domain, {
      name: "test-int-passthrough",
      type: "qemu",
      memory: 64 * 1024 ** 2,
      running: false,
      usbDevices: [
        { vendor: "046d", product: "c52b" },
        { vendor: "1050", product: "0407" },
      ],
      pciDevices: ["0000:00:00.0"],
    });
    track(domain, await createAndRead(domain, inputs));
    const conn = await getConnection(TEST_URI);
    const xml = await conn.domainGetXmlDesc(await conn.domainLookupByName(inputs.name), 0);
    expect(xml).toMatch(
      /<hostdev mode='subsystem' type='usb' managed='(yes|no)'>\s*<source>\s*<vendor id='0x046d'\/>\s*<product id='0xc52b'\/>/,
    );
    expect(xml).toMatch(
      /<hostdev mode='subsystem' type='pci' managed='yes'>\s*<source>\s*<address domain='0x0000' bus='0x00' slot='0x00' function='0x0'\/>/,
    );
  });

  it("leaves nothing but what the test still holds", async () => {
    for (const { kind, id, outs } of ids) await kind.delete(id, outs);
    ids.length = 0;
    const conn = await getConnection(TEST_URI);
    expect(await objectsNamed(conn, PREFIX)).toEqual({
      domains: [],
      networks: [],
      pools: [],
      volumes: [],
    });
    // The pool's directory was made by deskfleet and left empty: it is gone too.
    expect(existsSync(POOL_DIR)).toBe(false);
  });
});

describe("Domain validate: what only the host can say", () => {
  it("a PCI device the host has passes; one it lacks is a failure naming it and the host", async () => {
    const inputs = checked(domain, {
      name: "test-pci",
      memory: 64 * 1024 * 1024,
      // Every PC has a host bridge at 0000:00:00.0; no bus 0xff slot 0x1f function 7 here.
      pciDevices: ["0000:00:00.0", "0000:ff:1f.7"],
    });
    expect(await domain.validate?.(inputs, {})).toEqual([
      {
        property: "pciDevices",
        reason: `${TEST_URI} has no PCI device 0000:ff:1f.7 (lspci -D on the host lists its devices)`,
      },
    ]);
  });
});
