import { createServer } from "node:net";
import type { Server } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { FrameDecoder, encodeRawPacket } from "../../../libvirt/framing";
import type { Packet } from "../../../libvirt/framing";
import { PacketStatus, PacketType, Program } from "../../../libvirt/protocol";
import { ReadSlab } from "../../../libvirt/transports/readSlab";
import { connectUnixPath } from "../../../libvirt/transports/unix";

const packet = (serial: number, payload: Buffer): Buffer =>
  encodeRawPacket(
    {
      program: Program.Remote,
      version: 1,
      procedure: 209,
      type: PacketType.Stream,
      serial,
      status: PacketStatus.Continue,
    },
    payload,
  );

/** Distinct bytes, so that a packet overwritten or put together wrongly shows. */
const payloadOf = (n: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, j) => (j * 31 + seed * 7 + (j >> 8)) & 255));

/** The payloads' bytes (toEqual on buffers is slow, byte by byte). */
const hex = (bufs: Buffer[]): string[] => bufs.map((b) => b.toString("hex"));
const payloadsOf = (packets: Packet[]): string[] => hex(packets.map((p) => p.payload));

/**
 * What a socket with `onread` does: each read copies up to as many bytes as
 * the buffer given holds (and at most `sizes[k]`) into it and calls back.
 */
function readAll(wire: Buffer, slab: ReadSlab, sizes: number[]): void {
  let at = 0;
  for (let k = 0; at < wire.length; k++) {
    const buf = slab.next();
    const n = Math.min(buf.length, wire.length - at, sizes[k % sizes.length] ?? wire.length);
    wire.copy(buf, 0, at, at + n);
    slab.took(n, buf);
    at += n;
  }
}

function decodeThroughSlab(
  wire: Buffer,
  sizes: number[],
  slabSize: number,
  minRead: number,
): { packets: Packet[]; slabs: Set<ArrayBufferLike> } {
  const d = new FrameDecoder();
  const packets: Packet[] = [];
  const slabs = new Set<ArrayBufferLike>();
  const slab = new ReadSlab(
    (chunk) => {
      slabs.add(chunk.buffer);
      packets.push(...d.push(chunk));
    },
    slabSize,
    minRead,
  );
  readAll(wire, slab, sizes);
  expect(d.pendingBytes).toBe(0);
  return { packets, slabs };
}

describe("ReadSlab", () => {
  test("consecutive reads are consecutive in one slab; a short tail begins the next", () => {
    const chunks: Buffer[] = [];
    const slab = new ReadSlab((c) => chunks.push(c), 100, 30);
    readAll(Buffer.alloc(250, 1), slab, [40]);
    // 40 + 40 (tail 20 < 30: new slab) 40 + 40 (new) 40 + 40 (new) 10
    expect(chunks.map((c) => [c.byteOffset, c.length])).toEqual([
      [0, 40],
      [40, 40],
      [0, 40],
      [40, 40],
      [0, 40],
      [40, 40],
      [0, 10],
    ]);
    expect(chunks[0]?.buffer).toBe(chunks[1]?.buffer);
    expect(chunks[1]?.buffer).not.toBe(chunks[2]?.buffer);
  });

  test("packets split at every boundary between two reads come out whole and uncopied", () => {
    const wire = Buffer.concat([packet(1, payloadOf(5, 1)), packet(2, payloadOf(300, 2))]);
    for (let cut = 1; cut < wire.length; cut++) {
      const { packets } = decodeThroughSlab(wire, [cut, wire.length], 4096, 64);
      expect(payloadsOf(packets)).toEqual(hex([payloadOf(5, 1), payloadOf(300, 2)]));
      expect(packets[0]?.payload.buffer).toBe(packets[1]?.payload.buffer); // one slab, no copy
    }
  });

  test("several packets in one read", () => {
    const payloads = [1, 2, 3, 4, 5].map((i) => payloadOf(i * 10, i));
    const wire = Buffer.concat(payloads.map((p, i) => packet(i + 1, p)));
    const { packets } = decodeThroughSlab(wire, [wire.length], 4096, 64);
    expect(payloadsOf(packets)).toEqual(hex(payloads));
  });

  test("a packet larger than a read and than a slab spans slabs, whole", () => {
    const payloads = [payloadOf(1000, 1), payloadOf(10, 2), payloadOf(700, 3)];
    const wire = Buffer.concat(payloads.map((p, i) => packet(i + 1, p)));
    const { packets, slabs } = decodeThroughSlab(wire, [100], 256, 64);
    expect(payloadsOf(packets)).toEqual(hex(payloads));
    expect(slabs.size).toBeGreaterThan(4);
  });

  test("any read sizes, any slab: every packet whole, and kept packets never overwritten", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 64, max: 2048 }),
        (lengths, sizes, slabSize) => {
          const payloads = lengths.map((n, i) => payloadOf(n, i));
          const wire = Buffer.concat(payloads.map((p, i) => packet(i + 1, p)));
          const { packets } = decodeThroughSlab(wire, sizes, slabSize, 32);
          // Checked after all reads: an earlier packet's memory reused by a later read would show.
          expect(payloadsOf(packets)).toEqual(hex(payloads));
        },
      ),
    );
  });
});

describe("a unix socket read through ReadSlab", () => {
  let dir: string;
  let server: Server;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "readslab-"));
  });

  afterEach(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  test("12 MiB of 256 KiB packets arrive whole, in order, mostly without a copy", async () => {
    const COUNT = 48;
    const SIZE = 262_144;
    const wire = Buffer.concat(
      Array.from({ length: COUNT }, (_, i) => packet(i + 1, Buffer.alloc(SIZE, i))),
    );
    const path = join(dir, "sock");
    server = createServer((s) => s.end(wire));
    await new Promise<void>((r) => server.listen(path, r));

    const transport = await connectUnixPath(path);
    const d = new FrameDecoder();
    const packets: Packet[] = [];
    const chunks: Buffer[] = [];
    transport.onChunks?.((chunk) => {
      chunks.push(chunk);
      packets.push(...d.push(chunk));
    });
    transport.stream.on("data", () => {
      throw new Error("no 'data' events with onread");
    });
    await new Promise((r) => transport.stream.once("end", r));
    transport.close();

    expect(packets).toHaveLength(COUNT);
    packets.forEach((p, i) => expect(p.payload.equals(Buffer.alloc(SIZE, i))).toBe(true));
    // Reads are not limited to Node's 64 KiB.
    expect(Math.max(...chunks.map((c) => c.length))).toBeGreaterThan(64 * 1024);
    // A packet is a view of the slab it arrived in, unless it straddled two (copied).
    const inSlab = packets.filter((p) => chunks.some((c) => c.buffer === p.payload.buffer));
    expect(inSlab.length).toBeGreaterThanOrEqual(COUNT - 12 * 2);
  });
});
