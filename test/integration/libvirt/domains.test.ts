/** Domain procedures against the real daemon. Objects: test-libvirt-dom-*. */
import { execFileSync } from "node:child_process";
import {
  DomainAffect,
  DomainMemoryFlags,
  DomainMetadataType,
  DomainState,
  DomainUndefineFlags,
  DomainVcpuFlags,
  DomainXmlFlags,
  ErrorCode,
  ListAllDomainsFlags,
  uuidToString,
} from "../../../libvirt";
import type { DomainRef, LibvirtClient } from "../../../libvirt";
import { URI, connectClean, sweep } from "./sweep";

// Tests define, start and destroy one guest without an OS: milliseconds on a healthy daemon.
jest.setTimeout(30_000);

const PREFIX = "test-libvirt-dom-";
const NAME = `${PREFIX}a`;
const UUID = "0b7e3c2a-1d4f-4e5a-9c8b-7a6f5e4d3c2b";
const NS = "https://deskfleet.dev/xmlns/test";

/** Plain emulation, no disks: boots into SeaBIOS and idles, which is all these tests need. */
const domainXml = (memoryMiB = 64) => `<domain type='qemu'>
  <name>${NAME}</name>
  <uuid>${UUID}</uuid>
  <memory unit='MiB'>${memoryMiB}</memory>
  <vcpu placement='static' current='1'>2</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices><graphics type='vnc' autoport='yes' listen='127.0.0.1'/></devices>
</domain>`;

let client: LibvirtClient;

beforeAll(async () => {
  client = await connectClean(PREFIX);
});

afterAll(async () => {
  if (client === undefined) return;
  await sweep(client, PREFIX);
  await client.close();
});

const virsh = (...args: string[]): string =>
  execFileSync("virsh", ["-c", URI, ...args], { encoding: "utf8" }).trim();

test("define → lookup by name and UUID → XML → undefine", async () => {
  const dom = await client.domainDefineXml(domainXml());
  expect(dom.name).toBe(NAME);
  expect(uuidToString(dom.uuid)).toBe(UUID);
  expect(dom.id).toBe(-1);
  expect(virsh("domuuid", NAME)).toBe(UUID); // the C client sees the same object

  expect(await client.domainLookupByName(NAME)).toEqual(dom);
  expect(await client.domainLookupByUuid(dom.uuid)).toEqual(dom);
  const xml = await client.domainGetXmlDesc(dom, DomainXmlFlags.Inactive);
  expect(xml).toContain(`<name>${NAME}</name>`);
  expect(xml).toContain(`<uuid>${UUID}</uuid>`);
  expect(xml).toContain("<memory unit='KiB'>65536</memory>");

  await client.domainUndefine(dom, DomainUndefineFlags.Nvram);
  const err = await client.domainLookupByName(NAME).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: ErrorCode.NoDomain });
});

describe("a defined domain", () => {
  let dom: DomainRef;

  beforeAll(async () => {
    dom = await client.domainDefineXml(domainXml());
  });

  afterAll(async () => {
    await sweep(client, PREFIX);
  });

  test("state, info, isActive while shut off", async () => {
    expect(await client.domainGetState(dom)).toEqual({ state: DomainState.Shutoff, reason: 0 });
    expect(await client.domainIsActive(dom)).toBe(false);
    expect(await client.domainGetInfo(dom)).toEqual({
      state: DomainState.Shutoff,
      maxMem: 65536n,
      memory: 65536n,
      nrVirtCpu: 1,
      cpuTime: 0n,
    });
  });

  test("autostart round-trips", async () => {
    expect(await client.domainGetAutostart(dom)).toBe(false);
    await client.domainSetAutostart(dom, true);
    expect(await client.domainGetAutostart(dom)).toBe(true);
    expect(virsh("dominfo", NAME)).toMatch(/Autostart:\s+enable/);
    await client.domainSetAutostart(dom, false);
    expect(await client.domainGetAutostart(dom)).toBe(false);
  });

  test("listAllDomains finds it, filtered as inactive and persistent", async () => {
    const all = await client.listAllDomains();
    expect(all.map((d) => d.name)).toContain(NAME);
    const inactive = await client.listAllDomains(
      ListAllDomainsFlags.Inactive | ListAllDomainsFlags.Persistent,
    );
    expect(inactive.find((d) => d.name === NAME)).toEqual(dom);
    const active = await client.listAllDomains(ListAllDomainsFlags.Active);
    expect(active.map((d) => d.name)).not.toContain(NAME);
  });

  test("element metadata in our namespace: set, get, remove", async () => {
    // libvirt puts the element in namespace NS under prefix "df" and hands it back unprefixed.
    const element = '<schedule every="1d"><keep>3</keep></schedule>';
    await client.domainSetMetadata(
      dom,
      DomainMetadataType.Element,
      element,
      "df",
      NS,
      DomainAffect.Config,
    );
    const got = await client.domainGetMetadata(
      dom,
      DomainMetadataType.Element,
      NS,
      DomainAffect.Config,
    );
    expect(got).toBe('<schedule every="1d">\n  <keep>3</keep>\n</schedule>');
    const xml = await client.domainGetXmlDesc(dom, DomainXmlFlags.Inactive);
    expect(xml).toContain(`<df:schedule xmlns:df="${NS}" every="1d">`);
    await client.domainSetMetadata(
      dom,
      DomainMetadataType.Element,
      null,
      null,
      NS,
      DomainAffect.Config,
    );
    const err = await client
      .domainGetMetadata(dom, DomainMetadataType.Element, NS, DomainAffect.Config)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.NoDomainMetadata });
  });

  test("title metadata", async () => {
    await client.domainSetMetadata(dom, DomainMetadataType.Title, "Test guest");
    expect(await client.domainGetMetadata(dom, DomainMetadataType.Title)).toBe("Test guest");
  });

  test("memory and vCPUs of the definition", async () => {
    await client.domainSetMemoryFlags(dom, 49152n, DomainMemoryFlags.Config);
    await client.domainSetVcpusFlags(dom, 2, DomainVcpuFlags.Config);
    const info = await client.domainGetInfo(dom);
    expect(info.memory).toBe(49152n);
    expect(info.nrVirtCpu).toBe(2);
  });

  test("start → running → destroy → shut off (qemu emulation)", async () => {
    const started = await client.domainCreate(dom);
    expect(started.id).toBeGreaterThan(0);
    expect(started.name).toBe(NAME);
    expect(await client.domainIsActive(started)).toBe(true);
    expect((await client.domainGetState(started)).state).toBe(DomainState.Running);
    const live = await client.domainGetXmlDesc(started);
    expect(live).toContain(`<domain type='qemu' id='${started.id}'>`);
    // No guest OS answers ACPI, so shutdown is only requested; destroy ends it.
    await client.domainShutdown(started);
    await client.domainDestroy(started);
    expect(await client.domainGetState(dom)).toEqual({ state: DomainState.Shutoff, reason: 2 }); // DESTROYED
    const err = await client.domainDestroy(dom).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.OperationInvalid });
  }, 60_000);

  test("redefining with the same name and another UUID fails with OPERATION_FAILED", async () => {
    const other = domainXml().replace(UUID, "11111111-2222-3333-4444-555555555555");
    const err = await client.domainDefineXml(other).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.OperationFailed });
  });
});
