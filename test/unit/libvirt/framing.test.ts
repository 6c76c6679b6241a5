import fc from "fast-check";
import { thrown, within } from "./helpers";
import { ProtocolError } from "../../../libvirt/errors";
import {
  FrameDecoder,
  encodePacket,
  encodeRawPacket,
  payloadPieces,
} from "../../../libvirt/framing";
import type { Packet, PacketHeader } from "../../../libvirt/framing";
import { MAX_MESSAGE_SIZE, PacketStatus, PacketType, Program } from "../../../libvirt/protocol";

const header = (serial: number, type: number = PacketType.Reply): PacketHeader => ({
  program: Program.Remote,
  version: 1,
  procedure: 23,
  type,
  serial,
  status: PacketStatus.Ok,
});

describe("encodePacket", () => {
  test("length word counts the whole packet; 24-byte header; XDR body", () => {
    const bytes = encodePacket(header(5, PacketType.Call), (w) => w.writeInt(-1));
    expect(bytes.toString("hex")).toBe(
      "00000020" +
        "20008086" +
        "00000001" +
        "00000017" +
        "00000000" +
        "00000005" +
        "00000000" +
        "ffffffff",
    );
  });

  test("raw packets carry bytes without XDR length or padding", () => {
    const bytes = encodeRawPacket(header(9, PacketType.Stream), Buffer.from("abc"));
    expect(bytes.length).toBe(31);
    expect(bytes.readUInt32BE(0)).toBe(31);
    expect(bytes.subarray(28).toString()).toBe("abc");
  });

  test("refuses to build a packet the daemon would reject, before sending anything", () => {
    expect(
      thrown(() => encodeRawPacket(header(1, PacketType.Stream), Buffer.alloc(100), 64)),
    ).toMatchObject({ name: "ProtocolError", code: "FRAME_TOO_LARGE" });
    expect(() => encodePacket(header(1), (w) => w.writeOpaque(Buffer.alloc(100)), 64)).toThrow(
      ProtocolError,
    );
  });
});

describe("FrameDecoder", () => {
  const packets = (n: number): Buffer[] =>
    Array.from({ length: n }, (_, i) =>
      encodePacket(header(i + 1), (w) => w.writeString("x".repeat(i * 7))),
    );

  test("reassembles packets from any chunking of the stream", () => {
    const wire = packets(6);
    const all = Buffer.concat(wire);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: all.length }), { maxLength: 20 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const d = new FrameDecoder();
        const got: Packet[] = [];
        let prev = 0;
        for (const p of [...points, all.length]) {
          got.push(...d.push(all.subarray(prev, p)));
          prev = p;
        }
        expect(got.map((pk) => pk.header.serial)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(d.pendingBytes).toBe(0);
        for (const [i, pk] of got.entries()) {
          const body = wire[i]?.subarray(28);
          // The pieces are the wire's own memory, not copies, and make up the payload.
          for (const piece of payloadPieces(pk)) expect(within(piece, all)).toBe(true);
          expect(Buffer.concat(payloadPieces(pk)).equals(body ?? Buffer.alloc(0))).toBe(true);
          expect(pk.payload.equals(body ?? Buffer.alloc(0))).toBe(true);
        }
      }),
    );
  });

  test("a stream packet split across reads is handed on as views of them, without a copy", () => {
    const data = Buffer.alloc(256 * 1024, 7);
    const wire = encodeRawPacket(header(9, PacketType.Stream), data);
    // Reads of their own memory, as a socket's are; the header straddles the first two.
    const reads: Buffer[] = [];
    for (const [from, to] of [
      [0, 10],
      [10, 40],
      [40, 65576],
      [65576, 131112],
      [131112, 196648],
      [196648, wire.length],
    ])
      reads.push(Buffer.from(wire.subarray(from, to)));
    const d = new FrameDecoder();
    const got = reads.flatMap((r) => d.push(r));
    expect(got).toHaveLength(1);
    const pieces = payloadPieces(got[0]);
    expect(pieces.map((p) => p.length)).toEqual([12, 65536, 65536, 65536, 65524]);
    expect(pieces.map((p) => reads.findIndex((r) => within(p, r)))).toEqual([1, 2, 3, 4, 5]);
    expect(Buffer.concat(pieces).equals(data)).toBe(true);
    expect(got[0]?.payload.equals(data)).toBe(true);
  });

  test("payload is exactly the bytes after the header", () => {
    const [p] = new FrameDecoder().push(
      encodeRawPacket(header(3, PacketType.Stream), Buffer.from("hello")),
    );
    expect(p?.payload.toString()).toBe("hello");
    expect(p?.header).toEqual(header(3, PacketType.Stream));
  });

  test("rejects an oversized length as soon as the length word arrives", () => {
    const d = new FrameDecoder();
    const len = Buffer.alloc(4);
    len.writeUInt32BE(MAX_MESSAGE_SIZE + 4 + 1);
    expect(d.push(len.subarray(0, 3))).toEqual([]);
    expect(thrown(() => d.push(len.subarray(3)))).toMatchObject({ code: "FRAME_TOO_LARGE" });
  });

  test("accepts exactly the maximum", () => {
    const d = new FrameDecoder(100);
    const bytes = encodeRawPacket(header(1, PacketType.Stream), Buffer.alloc(100 + 4 - 28), 100);
    expect(d.push(bytes)).toHaveLength(1);
  });

  test("rejects a length too small to hold a header", () => {
    expect(thrown(() => new FrameDecoder().push(Buffer.from("0000001b", "hex")))).toMatchObject({
      code: "FRAME_TOO_SMALL",
    });
  });

  test("keeps a partial frame and reports it as pending", () => {
    const d = new FrameDecoder();
    const [first] = packets(2);
    expect(d.push(first.subarray(0, 10))).toEqual([]);
    expect(d.pendingBytes).toBe(10);
  });
});
