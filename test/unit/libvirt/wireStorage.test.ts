/** Network, storage and snapshot methods on the wire: see wireCodec.ts and wire.test.ts. */
import { DriverFeature, Procedure } from "../../../libvirt/protocol";
import {
  NET,
  SNAP,
  VOL,
  checkCase,
  encodeAll,
  recorder,
  wNet,
  wSnap,
  wVol,
  DOM,
  wDom,
} from "./wireCodec";
import type { Case } from "./wireCodec";

const CASES: Record<string, Case> = {
  networkUpdate: {
    proc: Procedure.NetworkUpdate,
    run: (c) => c.networkUpdate(NET, 3, 4, -1, "<host/>", 2),
    // remote_network_update_args: net, unsigned command, unsigned section, int parentIndex, xml, flags
    args: [
      ["net", "uint", "uint", "int", "string", "uint"],
      [wNet, 3, 4, -1, "<host/>", 2],
    ],
  },
  networkGetDhcpLeases: {
    proc: Procedure.NetworkGetDhcpLeases,
    run: (c) => c.networkGetDhcpLeases(NET, "52:54:00:00:00:01"),
    args: [
      ["net", "optstring", "int", "uint"],
      [wNet, "52:54:00:00:00:01", 1, 0],
    ],
    ret: [
      [
        {
          array: {
            fields: [
              "string",
              "hyper",
              "int",
              "optstring",
              "optstring",
              "string",
              "uint",
              "optstring",
              "optstring",
            ],
          },
        },
        "uint",
      ],
      [[["vnet0", 9n, 0, "52:54:00:00:00:01", null, "10.0.0.2", 24, "h", null]], 1],
    ],
    result: [
      {
        iface: "vnet0",
        expiryTime: 9n,
        type: 0,
        mac: "52:54:00:00:00:01",
        iaid: null,
        ipaddr: "10.0.0.2",
        prefix: 24,
        hostname: "h",
        clientid: null,
      },
    ],
  },
  storageVolCreateXmlFrom: {
    proc: Procedure.StorageVolCreateXmlFrom,
    run: (c) => c.storageVolCreateXmlFrom(NET, "<volume/>", VOL, 0),
    args: [
      ["pool", "string", "vol", "uint"],
      [wNet, "<volume/>", wVol, 0],
    ],
    ret: [["vol"], [wVol]],
    result: VOL,
  },
  storageVolGetInfo: {
    proc: Procedure.StorageVolGetInfo,
    run: (c) => c.storageVolGetInfo(VOL),
    args: [["vol"], [wVol]],
    ret: [
      ["int", "uhyper", "uhyper"],
      [0, 10n, 5n],
    ],
    result: { type: 0, capacity: 10n, allocation: 5n },
  },
  storageVolResize: {
    proc: Procedure.StorageVolResize,
    run: (c) => c.storageVolResize(VOL, 1n << 33n, 4),
    args: [
      ["vol", "uhyper", "uint"],
      [wVol, 1n << 33n, 4],
    ],
  },
  storagePoolGetInfo: {
    proc: Procedure.StoragePoolGetInfo,
    run: (c) => c.storagePoolGetInfo(NET),
    args: [["pool"], [wNet]],
    ret: [
      ["uint", "uhyper", "uhyper", "uhyper"],
      [2, 100n, 40n, 60n],
    ],
    result: { state: 2, capacity: 100n, allocation: 40n, available: 60n },
  },
  domainSnapshotCreateXml: {
    proc: Procedure.DomainSnapshotCreateXml,
    run: (c) => c.domainSnapshotCreateXml(DOM, "<domainsnapshot/>", 16),
    args: [
      ["dom", "string", "uint"],
      [wDom, "<domainsnapshot/>", 16],
    ],
    ret: [["snap"], [wSnap]],
    result: SNAP,
  },
  domainSnapshotLookupByName: {
    proc: Procedure.DomainSnapshotLookupByName,
    run: (c) => c.domainSnapshotLookupByName(DOM, "s"),
    args: [
      ["dom", "string", "uint"],
      [wDom, "s", 0],
    ],
    ret: [["snap"], [wSnap]],
    result: SNAP,
  },
  domainSnapshotGetXmlDesc: {
    proc: Procedure.DomainSnapshotGetXmlDesc,
    run: (c) => c.domainSnapshotGetXmlDesc(SNAP, 1),
    args: [
      ["snap", "uint"],
      [wSnap, 1],
    ],
    ret: [["string"], ["<domainsnapshot/>"]],
    result: "<domainsnapshot/>",
  },
  domainHasCurrentSnapshot: {
    proc: Procedure.DomainHasCurrentSnapshot,
    run: (c) => c.domainHasCurrentSnapshot(DOM),
    args: [
      ["dom", "uint"],
      [wDom, 0],
    ],
    ret: [["int"], [1]],
    result: true,
  },
  domainSnapshotCurrent: {
    proc: Procedure.DomainSnapshotCurrent,
    run: (c) => c.domainSnapshotCurrent(DOM),
    args: [
      ["dom", "uint"],
      [wDom, 0],
    ],
    ret: [["snap"], [wSnap]],
    result: SNAP,
  },
  domainRevertToSnapshot: {
    proc: Procedure.DomainRevertToSnapshot,
    run: (c) => c.domainRevertToSnapshot(SNAP, 1),
    args: [
      ["snap", "uint"],
      [wSnap, 1],
    ],
  },
  domainSnapshotDelete: {
    proc: Procedure.DomainSnapshotDelete,
    run: (c) => c.domainSnapshotDelete(SNAP, 2),
    args: [
      ["snap", "uint"],
      [wSnap, 2],
    ],
  },
  domainSnapshotGetParent: {
    proc: Procedure.DomainSnapshotGetParent,
    run: (c) => c.domainSnapshotGetParent(SNAP),
    args: [
      ["snap", "uint"],
      [wSnap, 0],
    ],
    ret: [["snap"], [wSnap]],
    result: SNAP,
  },
  domainListAllSnapshots: {
    proc: Procedure.DomainListAllSnapshots,
    run: (c) => c.domainListAllSnapshots(DOM, 1024),
    args: [
      ["dom", "int", "uint"],
      [wDom, 1, 1024],
    ],
    ret: [
      [{ array: "snap" }, "int"],
      [[wSnap], 1],
    ], // the count is a signed int here
    result: [SNAP],
  },
};

test.each(Object.entries(CASES))(
  "%s: arguments and result as remote_protocol.x lays them out",
  (_name, c) => checkCase(c),
);

test("networkUpdate swaps command and section for a daemon without the corrected order", async () => {
  const replies = new Map([[Procedure.ConnectSupportsFeature, encodeAll(["int"], [0])]]);
  const { calls, client } = recorder(replies);
  await client.networkUpdate(NET, 3, 4, 0, "<host/>");
  await client.networkUpdate(NET, 1, 10, 0, "<host/>");
  const feature = calls.filter((x) => x.proc === Procedure.ConnectSupportsFeature);
  expect(feature.map((x) => x.payload.readInt32BE(0))).toEqual([
    DriverFeature.NetworkUpdateHasCorrectOrder, // asked once per connection
  ]);
  const sent = calls.filter((x) => x.proc === Procedure.NetworkUpdate);
  expect(sent.map((x) => [x.payload.readUInt32BE(24), x.payload.readUInt32BE(28)])).toEqual([
    [4, 3],
    [10, 1],
  ]);
});
