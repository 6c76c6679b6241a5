/** The client against the real daemon: handshake, connection-level calls, concurrency, errors. */
import { execFileSync } from "node:child_process";
import { hostname } from "node:os";
import {
  ConnectionError,
  ErrorCode,
  ErrorDomain,
  LibvirtClient,
  LibvirtError,
  closeAll,
  getConnection,
  isNotFound,
  isUnsupportedProcedure,
} from "../../../libvirt";
import { decodeString } from "../../../libvirt/types";
import { URI } from "./sweep";

// The keepalive test idles 6.5 s past the daemon's ping interval; the rest are single calls.
jest.setTimeout(20_000);

let client: LibvirtClient;

beforeAll(async () => {
  client = await LibvirtClient.connect(URI);
});

afterAll(async () => {
  await client?.close();
  await closeAll();
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/** "9.0.0" → 9000000, as virsh prints it. */
function virshVersion(label: string): number {
  const out = execFileSync("virsh", ["-c", URI, "version"], { encoding: "utf8" });
  const m = new RegExp(`${label}[^\\n]*?(\\d+)\\.(\\d+)\\.(\\d+)`).exec(out);
  if (m === null) throw new Error(`no "${label}" in virsh version output:\n${out}`);
  return Number(m[1]) * 1e6 + Number(m[2]) * 1e3 + Number(m[3]);
}

test("versions, hostname, URI and capabilities agree with virsh", async () => {
  expect(await client.getLibVersion()).toBe(virshVersion("Using API: QEMU"));
  expect(await client.getVersion()).toBe(virshVersion("Running hypervisor: QEMU"));
  expect(await client.getHostname()).toBe(hostname());
  expect(await client.getUri()).toBe("qemu:///system");
  const caps = await client.getCapabilities();
  expect(caps).toMatch(/^<capabilities>/);
  expect(caps).toContain("<domain type='qemu'");
});

test("16 concurrent calls on one connection each get their own answer", async () => {
  const names = Array.from({ length: 16 }, (_, i) => `test-libvirt-conn-missing-${i}`);
  const started = Date.now();
  const results = await Promise.all([
    ...names.map((n) => client.domainLookupByName(n).catch((e: unknown) => e)),
    ...Array.from({ length: 16 }, () => client.getHostname()),
  ]);
  names.forEach((n, i) => {
    expect(results[i]).toBeInstanceOf(LibvirtError);
    expect((results[i] as LibvirtError).message).toContain(`'${n}'`);
  });
  expect(results.slice(16)).toEqual(Array(16).fill(hostname()));
  expect(client.connection.pendingCount).toBe(0);
  expect(Date.now() - started).toBeLessThan(5000);
});

test.each([
  [
    "domain",
    () => client.domainLookupByName("test-libvirt-conn-missing"),
    ErrorCode.NoDomain,
    ErrorDomain.Qemu,
  ],
  [
    "domain by UUID",
    () => client.domainLookupByUuid(Buffer.alloc(16, 0xee)),
    ErrorCode.NoDomain,
    ErrorDomain.Qemu,
  ],
  [
    "network",
    () => client.networkLookupByName("test-libvirt-conn-missing"),
    ErrorCode.NoNetwork,
    ErrorDomain.Network,
  ],
  [
    "storage pool",
    () => client.storagePoolLookupByName("test-libvirt-conn-missing"),
    ErrorCode.NoStoragePool,
    ErrorDomain.Storage,
  ],
  [
    "storage volume",
    () => client.storageVolLookupByKey("/nonexistent/test-libvirt-conn"),
    ErrorCode.NoStorageVol,
    ErrorDomain.Storage,
  ],
])("looking up a missing %s: exact code, isNotFound", async (_what, lookup, code, domain) => {
  const err = await rejection(lookup());
  expect(err).toBeInstanceOf(LibvirtError);
  expect(err).toMatchObject({ code, domain });
  expect(isNotFound(err)).toBe(true);
});

test("malformed XML: XML_DETAIL from the domain subsystem, not 'not found'", async () => {
  const err = await rejection(client.domainDefineXml("<domain"));
  expect(err).toMatchObject({ code: ErrorCode.XmlDetail, domain: ErrorDomain.Domain });
  expect(isNotFound(err)).toBe(false);
});

test("an unknown procedure is recognised as unsupported and the connection carries on", async () => {
  const err = await rejection(client.connection.call(9999));
  expect(err).toMatchObject({ code: ErrorCode.Rpc, domain: ErrorDomain.Rpc });
  expect(isUnsupportedProcedure(err)).toBe(true);
  expect(await client.connection.call(59, undefined, decodeString)).toBe(hostname());
});

test("a read-only connection reads but may not write (OPERATION_DENIED)", async () => {
  const ro = await LibvirtClient.connect(URI, { readOnly: true });
  try {
    expect(await ro.getHostname()).toBe(hostname());
    const xml =
      "<domain type='qemu'><name>test-libvirt-conn-ro</name><memory>65536</memory><os><type>hvm</type></os></domain>";
    const err = await rejection(ro.domainDefineXml(xml));
    expect(err).toMatchObject({ code: ErrorCode.OperationDenied });
  } finally {
    await ro.close();
  }
});

test("after close(), calls fail with ConnectionError(closed)", async () => {
  const c = await LibvirtClient.connect(URI);
  await c.close();
  const err = await rejection(c.getHostname());
  expect(err).toBeInstanceOf(ConnectionError);
  expect(err).toMatchObject({ reason: "closed" });
});

test("the shared registry hands out one open connection per URI", async () => {
  const a = await getConnection(URI);
  expect(await getConnection(URI)).toBe(a);
  expect(await a.getHostname()).toBe(hostname());
});

test("the daemon's keepalive pings are answered: an idle connection survives past its ping interval", async () => {
  // libvirtd pings an idle client every 5 s (keepalive_interval) and drops it
  // after 5 unanswered pings; one ping answered is enough to show the path works.
  const c = await LibvirtClient.connect(URI);
  try {
    const before = c.connection.lastReceived;
    await new Promise((r) => setTimeout(r, 6500));
    expect(c.connection.lastReceived).toBeGreaterThan(before); // a PING arrived while idle
    expect(await c.getHostname()).toBe(hostname());
  } finally {
    await c.close();
  }
}, 15_000);
