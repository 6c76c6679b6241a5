import { Connection } from "../../../libvirt/connection";
import { LibvirtError, isNotFound } from "../../../libvirt/errors";
import { FrameDecoder, encodePacket } from "../../../libvirt/framing";
import type { Packet, PacketHeader } from "../../../libvirt/framing";
import {
  DriverFeature,
  ErrorCode,
  ErrorDomain,
  ErrorLevel,
  PROGRAM_VERSION,
  PacketStatus,
  PacketType,
  Procedure,
  Program,
} from "../../../libvirt/protocol";
import { decodeReply } from "../../../libvirt/replies";
import {
  decodeDomainRef,
  encodeOptString,
  encodeString,
  uuidToString,
} from "../../../libvirt/types";
import type { XdrWriter } from "../../../libvirt/xdr";
import { CLIENT_CALLS, DAEMON_REPLIES, GET_VERSION_REPLY, LOOKUP_MISSING_ERROR } from "./captured";

const hex = (s: string): Buffer => Buffer.from(s, "hex");
const one = (s: string): Packet => {
  const packets = new FrameDecoder().push(hex(s));
  expect(packets).toHaveLength(1);
  return packets[0];
};
const call = (procedure: number, serial: number, body?: (w: XdrWriter) => void): string => {
  const header: PacketHeader = {
    program: Program.Remote,
    version: PROGRAM_VERSION,
    procedure,
    type: PacketType.Call,
    serial,
    status: PacketStatus.Ok,
  };
  return encodePacket(header, body).toString("hex");
};

describe("our CALL packets equal libvirt's own client's, byte for byte", () => {
  test("AUTH_LIST", () => {
    expect(call(Procedure.AuthList, 0)).toBe(CLIENT_CALLS.authList);
  });
  test("CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE)", () => {
    expect(
      call(Procedure.ConnectSupportsFeature, 1, (w) => w.writeInt(DriverFeature.ProgramKeepalive)),
    ).toBe(CLIENT_CALLS.supportsKeepalive);
  });
  test("CONNECT_OPEN('qemu:///system', 0)", () => {
    const body = (w: XdrWriter) => {
      encodeOptString(w, "qemu:///system");
      w.writeUint(0);
    };
    expect(call(Procedure.ConnectOpen, 2, body)).toBe(CLIENT_CALLS.connectOpen);
  });
  test("DOMAIN_LOOKUP_BY_NAME", () => {
    expect(
      call(Procedure.DomainLookupByName, 6, (w) => encodeString(w, "test-libvirt-capture")),
    ).toBe(CLIENT_CALLS.lookupByName);
  });
  test("CONNECT_CLOSE", () => {
    expect(call(Procedure.ConnectClose, 8)).toBe(CLIENT_CALLS.connectClose);
  });
});

describe("decoding the daemon's captured replies", () => {
  test("headers", () => {
    expect(one(DAEMON_REPLIES.lookupByName).header).toEqual({
      program: Program.Remote,
      version: 1,
      procedure: Procedure.DomainLookupByName,
      type: PacketType.Reply,
      serial: 6,
      status: PacketStatus.Ok,
    });
  });

  test("AUTH_LIST → [NONE]", () => {
    const types = decodeReply(one(DAEMON_REPLIES.authList), Procedure.AuthList, (r) =>
      r.readArray((x) => x.readInt()),
    );
    expect(types).toEqual([0]);
  });

  test("CONNECT_SUPPORTS_FEATURE → 1; CONNECT_OPEN → empty", () => {
    expect(decodeReply(one(DAEMON_REPLIES.supportsKeepalive), 60, (r) => r.readInt())).toBe(1);
    expect(decodeReply(one(DAEMON_REPLIES.connectOpen), Procedure.ConnectOpen)).toBeUndefined();
  });

  test("DOMAIN_LOOKUP_BY_NAME → the domain handle, id -1 while shut off", () => {
    const dom = decodeReply(
      one(DAEMON_REPLIES.lookupByName),
      Procedure.DomainLookupByName,
      decodeDomainRef,
    );
    expect(dom.name).toBe("test-libvirt-capture");
    expect(uuidToString(dom.uuid)).toBe("6a1f3c2e-9b7d-4e8a-b5c4-0d2e1f3a4b5c");
    expect(dom.id).toBe(-1);
  });

  test("CONNECT_GET_VERSION → 7002022", () => {
    expect(
      decodeReply(one(GET_VERSION_REPLY), Procedure.ConnectGetVersion, (r) => r.readUhyper()),
    ).toBe(7002022n);
  });

  test("an ERROR reply becomes a LibvirtError with every remote_error field", () => {
    let err: unknown;
    try {
      decodeReply(one(LOOKUP_MISSING_ERROR), Procedure.DomainLookupByName, decodeDomainRef);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LibvirtError);
    const le = err as LibvirtError;
    expect(le.code).toBe(ErrorCode.NoDomain);
    expect(le.domain).toBe(ErrorDomain.Qemu);
    expect(le.level).toBe(ErrorLevel.Error);
    expect(le.message).toBe(
      "Domain not found: no domain with matching name 'test-libvirt-missing'",
    );
    expect(le.libvirtMessage).toBe(le.message);
    expect(le.procedure).toBe(Procedure.DomainLookupByName);
    expect(le.codeName).toBe("NoDomain");
    expect(le.procedureName).toBe("DomainLookupByName");
    expect(le.remote).toEqual({
      code: 42,
      domain: 10,
      message: "Domain not found: no domain with matching name 'test-libvirt-missing'",
      level: 2,
      dom: null,
      str1: "Domain not found: %s",
      str2: "no domain with matching name 'test-libvirt-missing'",
      str3: null,
      int1: -1,
      int2: -1,
      net: null,
    });
    expect(isNotFound(le)).toBe(true);
  });

  test("the whole captured session replayed through a Connection, in 1-byte chunks", async () => {
    const { PassThrough } = await import("node:stream");
    const stream = new PassThrough();
    const written: Buffer[] = [];
    const conn = new Connection({
      stream: Object.assign(stream, {
        write: (b: Buffer) => {
          written.push(b);
          return true;
        },
      }),
      description: "replay",
      close: () => stream.destroy(),
    });
    // Serials: our client numbers from 1; the capture's lookup was serial 6.
    const reply = one(DAEMON_REPLIES.lookupByName);
    for (let i = 1; i < 6; i++) void conn.call(Procedure.ConnectGetUri).catch(() => undefined);
    const lookup = conn.call(
      Procedure.DomainLookupByName,
      (w) => encodeString(w, "test-libvirt-capture"),
      decodeDomainRef,
    );
    await new Promise((r) => setImmediate(r)); // calls of one turn are written together, after it
    expect(Buffer.concat(written.slice(-1)).toString("hex")).toBe(CLIENT_CALLS.lookupByName);
    const bytes = hex(DAEMON_REPLIES.lookupByName);
    for (const b of bytes) stream.emit("data", Buffer.from([b]));
    await expect(lookup).resolves.toMatchObject({ name: "test-libvirt-capture", id: -1 });
    expect(reply.header.serial).toBe(6);
    stream.destroy();
  });
});
