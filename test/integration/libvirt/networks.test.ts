/** Network procedures against the real daemon. Objects: test-libvirt-net-*. */
import {
  ErrorCode,
  ListAllNetworksFlags,
  NetworkUpdateCommand,
  NetworkUpdateFlags,
  NetworkUpdateSection,
  NetworkXmlFlags,
  uuidToString,
} from "../../../libvirt";
import type { LibvirtClient } from "../../../libvirt";
import { connectClean, sweep } from "./sweep";

// Starting a network starts its dnsmasq and bridge: well under a second on a healthy daemon.
jest.setTimeout(30_000);

const PREFIX = "test-libvirt-net-";
const NAME = `${PREFIX}a`;
const UUID = "4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6";
// Isolated (no <forward>), on a subnet no other test uses.
const XML = `<network>
  <name>${NAME}</name>
  <uuid>${UUID}</uuid>
  <bridge name='tlvnet0' stp='on' delay='0'/>
  <ip address='192.168.231.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.231.10' end='192.168.231.50'/></dhcp>
  </ip>
</network>`;

let client: LibvirtClient;

beforeAll(async () => {
  client = await connectClean(PREFIX);
});

afterAll(async () => {
  if (client === undefined) return;
  await sweep(client, PREFIX);
  await client.close();
});

test("define → create → active → leases → destroy → undefine", async () => {
  const net = await client.networkDefineXml(XML);
  expect(net.name).toBe(NAME);
  expect(uuidToString(net.uuid)).toBe(UUID);
  expect(await client.networkLookupByName(NAME)).toEqual(net);
  expect(await client.networkLookupByUuid(net.uuid)).toEqual(net);
  expect(await client.networkIsActive(net)).toBe(false);

  await client.networkCreate(net);
  expect(await client.networkIsActive(net)).toBe(true);
  const live = await client.networkGetXmlDesc(net);
  expect(live).toContain("<bridge name='tlvnet0'");
  expect(live).not.toContain("<forward");
  expect(await client.networkGetXmlDesc(net, NetworkXmlFlags.Inactive)).toContain(
    `<name>${NAME}</name>`,
  );

  const active = await client.listAllNetworks(ListAllNetworksFlags.Active);
  expect(active.find((n) => n.name === NAME)).toEqual(net);
  const inactive = await client.listAllNetworks(ListAllNetworksFlags.Inactive);
  expect(inactive.map((n) => n.name)).not.toContain(NAME);

  // No guest has asked yet: an empty list, for all MACs and for one.
  expect(await client.networkGetDhcpLeases(net)).toEqual([]);
  expect(await client.networkGetDhcpLeases(net, "52:54:00:00:00:01")).toEqual([]);

  expect(await client.networkGetAutostart(net)).toBe(false);
  await client.networkSetAutostart(net, true);
  expect(await client.networkGetAutostart(net)).toBe(true);
  await client.networkSetAutostart(net, false);

  await client.networkDestroy(net);
  expect(await client.networkIsActive(net)).toBe(false);
  await client.networkUndefine(net);
  const err = await client.networkLookupByName(NAME).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: ErrorCode.NoNetwork });
}, 30_000);

test("destroying a network that is not running: OPERATION_INVALID", async () => {
  const net = await client.networkDefineXml(XML);
  const err = await client.networkDestroy(net).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: ErrorCode.OperationInvalid });
  await client.networkUndefine(net);
});

test("networkUpdate adds and deletes a DHCP host, live and in the definition", async () => {
  const net = await client.networkDefineXml(`<network>
  <name>${PREFIX}upd</name>
  <bridge name='tlvnet1' stp='on' delay='0'/>
  <ip address='192.168.232.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.232.10' end='192.168.232.50'/></dhcp>
  </ip>
</network>`);
  await client.networkCreate(net);
  const host = "<host mac='52:54:00:aa:bb:cc' name='test-host' ip='192.168.232.77'/>";
  const both = NetworkUpdateFlags.AffectLive | NetworkUpdateFlags.AffectConfig;
  await client.networkUpdate(
    net,
    NetworkUpdateCommand.AddLast,
    NetworkUpdateSection.IpDhcpHost,
    -1,
    host,
    both,
  );
  for (const flags of [0, NetworkXmlFlags.Inactive]) {
    expect(await client.networkGetXmlDesc(net, flags)).toContain(
      "<host mac='52:54:00:aa:bb:cc' name='test-host' ip='192.168.232.77'/>",
    );
  }
  await client.networkUpdate(
    net,
    NetworkUpdateCommand.Delete,
    NetworkUpdateSection.IpDhcpHost,
    -1,
    host,
    both,
  );
  expect(await client.networkGetXmlDesc(net)).not.toContain("test-host");
  // Deleting what is not there: the daemon's error, matched on its code.
  const err = await client
    .networkUpdate(
      net,
      NetworkUpdateCommand.Delete,
      NetworkUpdateSection.IpDhcpHost,
      -1,
      host,
      both,
    )
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ name: "LibvirtError", code: ErrorCode.OperationInvalid });
  await client.networkDestroy(net);
  await client.networkUndefine(net);
});
