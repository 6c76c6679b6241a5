/**
 * Every typed method's arguments and results against remote_protocol.x,
 * round-tripped through an independent codec (wireCodec.ts): each struct is
 * a list of XDR fields as the .x file declares it; what a method encoded is
 * decoded and compared with what it was given, and a reply encoded the same
 * way must come back as the method's result. Connection-level and domain
 * methods here; networks, storage and snapshots in wireStorage.test.ts.
 */
import fc from "fast-check";
import { Procedure } from "../../../libvirt/protocol";
import { XdrReader } from "../../../libvirt/xdr";
import { DOM, encodeAll, read, recorder, wDom, checkCase } from "./wireCodec";
import type { Case } from "./wireCodec";

const CASES: Record<string, Case> = {
  getDomainCapabilities: {
    proc: Procedure.ConnectGetDomainCapabilities,
    run: (c) => c.getDomainCapabilities({ arch: "x86_64", virttype: "qemu" }, 0),
    args: [
      ["optstring", "optstring", "optstring", "optstring", "uint"],
      [null, "x86_64", null, "qemu", 0],
    ],
    ret: [["string"], ["<domainCapabilities/>"]],
    result: "<domainCapabilities/>",
  },
  nodeGetInfo: {
    proc: Procedure.NodeGetInfo,
    run: (c) => c.nodeGetInfo(),
    args: [[], []],
    // char model[32] (a fixed array: each char an XDR int), unsigned hyper memory (KiB),
    // int cpus, mhz, nodes, sockets, cores, threads
    ret: [
      [...Array<"int">(32).fill("int"), "uhyper", ...Array<"int">(6).fill("int")],
      [
        ...[..."x86_64"].map((ch) => ch.charCodeAt(0)),
        ...Array<number>(26).fill(0),
        24683792n,
        8,
        2400,
        1,
        1,
        4,
        2,
      ],
    ],
    result: { model: "x86_64", memory: 24683792 * 1024, cpus: 8 },
  },
  domainDefineXml: {
    proc: Procedure.DomainDefineXmlFlags,
    run: (c) => c.domainDefineXml("<domain/>", 1),
    args: [
      ["string", "uint"],
      ["<domain/>", 1],
    ],
    ret: [["dom"], [wDom]],
    result: DOM,
  },
  domainGetState: {
    proc: Procedure.DomainGetState,
    run: (c) => c.domainGetState(DOM, 0),
    args: [
      ["dom", "uint"],
      [wDom, 0],
    ],
    ret: [
      ["int", "int"],
      [1, 2],
    ],
    result: { state: 1, reason: 2 },
  },
  domainGetInfo: {
    proc: Procedure.DomainGetInfo,
    run: (c) => c.domainGetInfo(DOM),
    args: [["dom"], [wDom]],
    // uchar state, unsigned hyper maxMem, memory, ushort nrVirtCpu, unsigned hyper cpuTime
    ret: [
      ["uint", "uhyper", "uhyper", "uint", "uhyper"],
      [5, 2048n, 1024n, 2, 99n],
    ],
    result: { state: 5, maxMem: 2048n, memory: 1024n, nrVirtCpu: 2, cpuTime: 99n },
  },
  domainSetMemoryFlags: {
    proc: Procedure.DomainSetMemoryFlags,
    run: (c) => c.domainSetMemoryFlags(DOM, 1n << 40n, 1),
    args: [
      ["dom", "uhyper", "uint"],
      [wDom, 1n << 40n, 1],
    ],
  },
  domainGetVcpusFlags: {
    proc: Procedure.DomainGetVcpusFlags,
    run: (c) => c.domainGetVcpusFlags(DOM, 1),
    args: [
      ["dom", "uint"],
      [wDom, 1],
    ],
    ret: [["int"], [3]],
    result: 3,
  },
  domainAttachDevice: {
    proc: Procedure.DomainAttachDeviceFlags,
    run: (c) => c.domainAttachDevice(DOM, "<disk/>", 3),
    args: [
      ["dom", "string", "uint"],
      [wDom, "<disk/>", 3],
    ],
  },
  domainDetachDevice: {
    proc: Procedure.DomainDetachDeviceFlags,
    run: (c) => c.domainDetachDevice(DOM, "<disk/>", 2),
    args: [
      ["dom", "string", "uint"],
      [wDom, "<disk/>", 2],
    ],
  },
  domainUpdateDevice: {
    proc: Procedure.DomainUpdateDeviceFlags,
    run: (c) => c.domainUpdateDevice(DOM, "<disk/>", 4),
    args: [
      ["dom", "string", "uint"],
      [wDom, "<disk/>", 4],
    ],
  },
  domainManagedSave: {
    proc: Procedure.DomainManagedSave,
    run: (c) => c.domainManagedSave(DOM, 2),
    args: [
      ["dom", "uint"],
      [wDom, 2],
    ],
  },
  domainSetMetadata: {
    proc: Procedure.DomainSetMetadata,
    run: (c) => c.domainSetMetadata(DOM, 2, "<x/>", "df", "urn:x", 2),
    args: [
      ["dom", "int", "optstring", "optstring", "optstring", "uint"],
      [wDom, 2, "<x/>", "df", "urn:x", 2],
    ],
  },
  listAllDomains: {
    proc: Procedure.ConnectListAllDomains,
    run: (c) => c.listAllDomains(16),
    args: [
      ["int", "uint"],
      [1, 16],
    ],
    ret: [
      [{ array: "dom" }, "uint"],
      [[wDom, wDom], 2],
    ],
    result: [DOM, DOM],
  },
  domainEventLifecycleRegister: {
    proc: Procedure.ConnectDomainEventCallbackRegisterAny,
    run: (c) => c.domainEventLifecycleRegister(DOM, () => undefined).then((r) => r.callbackId),
    args: [
      ["int", "optdom"],
      [0, wDom],
    ],
    ret: [["int"], [42]],
    result: 42,
  },
  domainBackupBegin: {
    proc: Procedure.DomainBackupBegin,
    run: (c) => c.domainBackupBegin(DOM, "<domainbackup/>", null, 0),
    args: [
      ["dom", "string", "optstring", "uint"],
      [wDom, "<domainbackup/>", null, 0],
    ],
  },
  domainBackupGetXmlDesc: {
    proc: Procedure.DomainBackupGetXmlDesc,
    run: (c) => c.domainBackupGetXmlDesc(DOM),
    args: [
      ["dom", "uint"],
      [wDom, 0],
    ],
    ret: [["string"], ["<domainbackup/>"]],
    result: "<domainbackup/>",
  },
  domainGetJobInfo: {
    proc: Procedure.DomainGetJobInfo,
    run: (c) => c.domainGetJobInfo(DOM),
    args: [["dom"], [wDom]],
    // int type; unsigned hyper timeElapsed, timeRemaining, dataTotal, dataProcessed,
    // dataRemaining, memTotal, memProcessed, memRemaining, fileTotal, fileProcessed, fileRemaining
    ret: [
      ["int", ...Array<"uhyper">(11).fill("uhyper")],
      [2, 5n, 0n, 100n, 40n, 60n, 0n, 0n, 0n, 0n, 0n, 0n],
    ],
    result: { type: 2, timeElapsed: 5n, dataTotal: 100n, dataProcessed: 40n, dataRemaining: 60n },
  },
  domainGetJobStatsType: {
    proc: Procedure.DomainGetJobStats,
    run: (c) => c.domainGetJobStatsType(DOM, 1),
    args: [
      ["dom", "uint"],
      [wDom, 1],
    ],
    // int type; remote_typed_param params<>: name, then (int type, value): uint, ullong, string.
    ret: [
      [
        "int",
        "uint",
        "string",
        "int",
        "uint",
        "string",
        "int",
        "uhyper",
        "string",
        "int",
        "string",
      ],
      [3, 3, "operation", 2, 9, "time_elapsed", 4, 12n, "disk_bus", 7, "virtio"],
    ],
    result: 3,
  },
  domainAbortJob: {
    proc: Procedure.DomainAbortJob,
    run: (c) => c.domainAbortJob(DOM),
    args: [["dom"], [wDom]],
  },
  domainFsFreeze: {
    proc: Procedure.DomainFsFreeze,
    run: (c) => c.domainFsFreeze(DOM, ["/", "/home"]),
    args: [
      ["dom", { array: "string" }, "uint"],
      [wDom, ["/", "/home"], 0],
    ],
    ret: [["int"], [2]],
    result: 2,
  },
  domainFsThaw: {
    proc: Procedure.DomainFsThaw,
    run: (c) => c.domainFsThaw(DOM),
    args: [
      ["dom", { array: "string" }, "uint"],
      [wDom, [], 0],
    ],
    ret: [["int"], [1]],
    result: 1,
  },
};

test.each(Object.entries(CASES))(
  "%s: arguments and result as remote_protocol.x lays them out",
  (_name, c) => checkCase(c),
);
test("handles with any name and id survive the trip (property)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.string(),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.integer({ min: -1, max: 2 ** 31 - 1 }),
      fc.string(),
      async (name, id16, id, snapName) => {
        const dom = { name, uuid: Buffer.from(id16), id };
        const replies = new Map([
          [
            Procedure.DomainSnapshotCurrent,
            encodeAll(["snap"], [[snapName, [name, dom.uuid, id]]]),
          ],
        ]);
        const { calls, client } = recorder(replies);
        expect(await client.domainSnapshotCurrent(dom)).toEqual({ name: snapName, dom });
        const r = new XdrReader(calls[0].payload);
        expect([read(r, "dom"), read(r, "uint")]).toEqual([[name, dom.uuid, id], 0]);
      },
    ),
  );
});
