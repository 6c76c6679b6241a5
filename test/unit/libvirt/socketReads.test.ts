/** A socket's reads into memory of our own: chunks never overwritten, small ones copied, failures contained. */
import { createServer } from "node:net";
import type { Server } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { FrameDecoder, encodeRawPacket } from "../../../libvirt/framing";
import type { Packet } from "../../../libvirt/framing";
import { PacketStatus, PacketType, Program } from "../../../libvirt/protocol";
import { socketReads } from "../../../libvirt/transports/socketReads";
import type { SocketReads } from "../../../libvirt/transports/socketReads";
import { connectUnixPath } from "../../../libvirt/transports/unix";

/** Distinct bytes, so that a chunk overwritten or put together wrongly shows. */
const bytesOf = (n: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, j) => (j * 31 + seed * 7 + (j >> 8)) & 255));

/** The memory Node would read into next. */
const nextBuffer = ({ onread }: SocketReads): Uint8Array =>
  typeof onread.buffer === "function" ? onread.buffer() : onread.buffer;

/**
 * What Node does with `onread` (lib/internal/stream_base_commons.js): asks
 * for a buffer, reads up to its length (and at most the next of `sizes`)
 * into it, calls back, and asks for the next buffer only if the callback
 * returned. Returns the buffers read into, in order.
 */
function readAll(wire: Buffer, reads: SocketReads, sizes: number[]): Uint8Array[] {
  const used: Uint8Array[] = [];
  let into = nextBuffer(reads);
  for (let at = 0, k = 0; at < wire.length; k++) {
    const n = Math.min(into.length, wire.length - at, sizes[k % sizes.length] ?? wire.length);
    wire.copy(into, 0, at, at + n);
    used.push(into);
    reads.onread.callback(n, into);
    at += n;
    into = nextBuffer(reads);
  }
  return used;
}

const noFailure = (err: unknown): void => {
  throw new Error(`unexpected failure: ${String(err)}`);
};

describe("socketReads", () => {
  test("a large read is handed on as it is and the next goes elsewhere; a small one is copied", () => {
    const chunks: Buffer[] = [];
    const reads = socketReads(noFailure, 100, 50);
    reads.deliverTo((c) => chunks.push(c));
    const used = readAll(bytesOf(250, 1), reads, [60, 10, 20, 50, 49, 100]);
    expect(chunks.map((c) => c.length)).toEqual([60, 10, 20, 50, 49, 61]);
    // 60 handed on: the next read (10) goes into a new buffer, kept for 20 and 50.
    expect(chunks[0]?.buffer).toBe(used[0]?.buffer);
    expect(used[1]).not.toBe(used[0]);
    expect(used[2]).toBe(used[1]);
    expect(used[3]).toBe(used[1]);
    expect(chunks[1]?.buffer).not.toBe(used[1]?.buffer); // copied
    expect(chunks[3]?.buffer).toBe(used[3]?.buffer); // 50: handed on
    expect(used[4]).not.toBe(used[3]);
    expect(Buffer.concat(chunks).equals(bytesOf(250, 1))).toBe(true);
  });

  test("any read sizes: every chunk keeps its bytes to the end, and none keeps more than twice its size", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 2, max: 512 }),
        (length, sizes, readSize) => {
          const wire = bytesOf(length, length);
          const chunks: Buffer[] = [];
          const reads = socketReads(noFailure, readSize);
          reads.deliverTo((c) => chunks.push(c));
          readAll(wire, reads, sizes);
          // Checked after all reads: a chunk's memory read into again would show here.
          expect(Buffer.concat(chunks).equals(wire)).toBe(true);
          for (const c of chunks) {
            if (c.buffer.byteLength === readSize)
              expect(c.length * 2).toBeGreaterThanOrEqual(readSize);
          }
        },
      ),
    );
  });

  test("chunks read before deliverTo() are delivered first, in order", () => {
    const reads = socketReads(noFailure, 64, 32);
    readAll(bytesOf(100, 2), reads, [40, 5]);
    const chunks: Buffer[] = [];
    reads.deliverTo((c) => chunks.push(c));
    readAll(bytesOf(10, 3), reads, [10]);
    expect(Buffer.concat(chunks).equals(Buffer.concat([bytesOf(100, 2), bytesOf(10, 3)]))).toBe(
      true,
    );
  });

  test("a receiver that throws: the error goes to failed, reading stops, what it got is never read into again", () => {
    const failures: unknown[] = [];
    const reads = socketReads((err) => failures.push(err), 100, 50);
    const kept: Buffer[] = [];
    reads.deliverTo((c) => {
      kept.push(c);
      throw new Error("receiver broke");
    });
    for (const n of [10, 60]) {
      const into = nextBuffer(reads);
      into.fill(n, 0, n);
      expect(reads.onread.callback(n, into)).toBe(false);
      expect(nextBuffer(reads)).not.toBe(into);
    }
    expect(failures.map(String)).toEqual(["Error: receiver broke", "Error: receiver broke"]);
    expect(kept.map((c) => [c.length, c[0]])).toEqual([
      [10, 10],
      [60, 60],
    ]);
  });
});

describe("a unix socket read through socketReads", () => {
  let dir: string;
  let server: Server | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "socketreads-"));
  });

  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

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

  async function serve(wire: Buffer): Promise<string> {
    const path = join(dir, "sock");
    server = createServer((s) => {
      s.on("error", () => undefined); // EPIPE once the client closed early
      s.end(wire);
    });
    await new Promise<void>((r) => server?.listen(path, r));
    return path;
  }

  test("12 MiB of 256 KiB packets arrive whole and in order, in reads larger than Node's 64 KiB", async () => {
    const COUNT = 48;
    const SIZE = 262_144;
    const path = await serve(
      Buffer.concat(Array.from({ length: COUNT }, (_, i) => packet(i + 1, Buffer.alloc(SIZE, i)))),
    );
    const transport = await connectUnixPath(path);
    const d = new FrameDecoder();
    const packets: Packet[] = [];
    const chunks: Buffer[] = [];
    let dataEvents = 0;
    transport.onChunks?.((chunk) => {
      chunks.push(chunk);
      packets.push(...d.push(chunk));
    });
    transport.stream.on("data", () => dataEvents++);
    await new Promise((r) => transport.stream.once("end", r));
    transport.close();

    expect(dataEvents).toBe(0);
    expect(packets).toHaveLength(COUNT);
    packets.forEach((p, i) => expect(p.payload.equals(Buffer.alloc(SIZE, i))).toBe(true));
    expect(Math.max(...chunks.map((c) => c.length))).toBeGreaterThan(64 * 1024);
  });

  test("a receiver that throws closes the socket with its error, and nothing more arrives", async () => {
    const path = await serve(Buffer.alloc(4 * 1024 * 1024, 7));
    const transport = await connectUnixPath(path);
    let calls = 0;
    transport.onChunks?.(() => {
      calls++;
      throw new Error("receiver broke");
    });
    transport.stream.on("data", () => undefined);
    const err = await new Promise<Error>((r) => transport.stream.once("error", r));
    await new Promise((r) => transport.stream.once("close", r));
    expect(err.message).toBe("receiver broke");
    expect(calls).toBe(1);
  });
});
