/** Sparse uploads (STREAM_HOLE) and downloads (dense and sparse) against the fake daemon. */
import { Connection } from "../../../libvirt/connection";
import { ProtocolError } from "../../../libvirt/errors";
import type { Packet } from "../../../libvirt/framing";
import {
  ErrorCode,
  ErrorDomain,
  PacketStatus,
  PacketType,
  Procedure,
} from "../../../libvirt/protocol";
import { BATCH_BYTES, downloadStream, uploadStream } from "../../../libvirt/transfer";
import type { DownloadSink } from "../../../libvirt/transfer";
import { connectUnixPath } from "../../../libvirt/transports/unix";
import { decodeString, encodeString } from "../../../libvirt/types";
import { XdrReader } from "../../../libvirt/xdr";
import { FakeDaemon } from "./fakeDaemon";
import type { Peer } from "./fakeDaemon";
import { rejection } from "./helpers";

let daemon: FakeDaemon | undefined;
let conn: Connection | undefined;

afterEach(async () => {
  await conn?.close();
  conn = undefined;
  await daemon?.allClosed();
  await daemon?.stop();
  daemon = undefined;
});

const args = (w: Parameters<typeof encodeString>[0]) => encodeString(w, "vol");
const hostname = () => conn?.call(Procedure.ConnectGetHostname, undefined, decodeString);

/**
 * A daemon whose streaming calls are scripted by the test: `onStream` gets
 * the CALL (already answered with REPLY OK) to send data, holes, errors;
 * stream packets from the client are recorded. Other calls get "still here".
 */
async function start(
  onStream: (call: Packet, peer: Peer) => void = () => undefined,
  dataBeforeReply = false,
) {
  const seen: string[] = [];
  let call: Packet | undefined;
  daemon = await FakeDaemon.start((p, peer) => {
    const { type, status, procedure } = p.header;
    if (type === PacketType.Call && procedure === Procedure.ConnectGetHostname) {
      return peer.reply(p, (w) => encodeString(w, "still here"));
    }
    if (type === PacketType.Call) {
      call = p;
      if (dataBeforeReply) {
        onStream(p, peer);
        return peer.reply(p);
      }
      peer.reply(p);
      return onStream(p, peer);
    }
    if (call === undefined) return;
    if (type === PacketType.StreamHole) {
      const r = new XdrReader(p.payload);
      seen.push(`hole:${r.readHyper()}:${r.readUint()}`);
    } else if (status === PacketStatus.Continue) {
      seen.push(`data:${p.payload.length}`);
    } else if (status === PacketStatus.Ok) {
      seen.push("ok");
      peer.stream(call, PacketStatus.Ok);
    } else if (status === PacketStatus.Error) {
      seen.push("abort");
      peer.error(call, ErrorCode.Rpc, ErrorDomain.Rpc, "stream aborted at client request");
    }
  });
  conn = new Connection(await connectUnixPath(daemon.path));
  return seen;
}

/** Collects a download; `fail` makes the sink throw at that chunk. */
function collector(fail?: number): DownloadSink & { items: string[] } {
  const items: string[] = [];
  return {
    items,
    data(chunk) {
      if (items.length === fail) throw new Error("disk full");
      items.push(`data:${chunk.toString()}`);
    },
    hole(length) {
      items.push(`hole:${length}`);
    },
  };
}

describe("sparse upload", () => {
  test("holes travel as STREAM_HOLE {hyper length; unsigned flags = 0}, progress counts them", async () => {
    const seen = await start();
    const progress: number[] = [];
    const source = [Buffer.alloc(10, 1), { hole: 1n << 33n }, Buffer.alloc(5, 2), { hole: 7 }];
    await uploadStream(conn as Connection, Procedure.StorageVolUpload, args, source, {
      sparse: true,
      onProgress: (n) => progress.push(n),
    });
    expect(seen).toEqual(["data:10", `hole:${1n << 33n}:0`, "data:5", "hole:7:0", "ok"]);
    expect(progress).toEqual([10, 10 + 2 ** 33, 15 + 2 ** 33, 22 + 2 ** 33]);
  });

  test("lent data: a hole ends the packet begun, and lent pieces join up to it", async () => {
    const seen = await start();
    const lend = (n: number, fill: number) => ({
      lent: Buffer.alloc(n, fill),
      release: () => undefined,
    });
    const source = [lend(10, 1), lend(6, 2), { hole: 4096 }, lend(5, 3), { hole: 7 }, lend(1, 4)];
    await uploadStream(conn as Connection, Procedure.StorageVolUpload, args, source, {
      sparse: true,
    });
    expect(seen).toEqual(["data:16", "hole:4096:0", "data:5", "hole:7:0", "data:1", "ok"]);
  });

  test("a hole without SPARSE_STREAM is refused before it is sent; the connection lives", async () => {
    const seen = await start();
    const err = await rejection(
      uploadStream(conn as Connection, Procedure.StorageVolUpload, args, [
        Buffer.alloc(3),
        { hole: 4096 },
      ]),
    );
    expect(err).toBeInstanceOf(ProtocolError);
    await expect(hostname()).resolves.toBe("still here"); // after the abort's answer
    expect(seen).toEqual(["data:3", "abort"]);
  });
});

describe("download", () => {
  test("data and holes in order, an empty CONTINUE ends them, then STREAM OK both ways", async () => {
    const seen = await start((call, peer) => {
      peer.stream(call, PacketStatus.Continue, Buffer.from("abc"));
      peer.hole(call, 65536n);
      peer.stream(call, PacketStatus.Continue, Buffer.from("de"));
      peer.stream(call, PacketStatus.Continue); // end of data
    });
    const sink = collector();
    const n = await downloadStream(conn as Connection, Procedure.StorageVolDownload, args, sink);
    expect(sink.items).toEqual(["data:abc", "hole:65536", "data:de"]);
    expect(n).toBe(3 + 65536 + 2);
    expect(seen).toEqual(["ok"]);
    expect(conn?.pendingCount).toBe(0);
  });

  test("data sent before the call's reply (libvirtd's I/O thread was quick) is kept, in order", async () => {
    await start((call, peer) => {
      peer.stream(call, PacketStatus.Continue, Buffer.from("abc"));
      peer.hole(call, 10n);
      peer.stream(call, PacketStatus.Continue); // end of data
    }, true);
    const sink = collector();
    const n = await downloadStream(conn as Connection, Procedure.StorageVolDownload, args, sink);
    expect(sink.items).toEqual(["data:abc", "hole:10"]);
    expect(n).toBe(13);
    expect(conn?.pendingCount).toBe(0);
  });

  test("the daemon fails mid-way: its LibvirtError; the connection lives", async () => {
    await start((call, peer) => {
      peer.stream(call, PacketStatus.Continue, Buffer.from("abc"));
      peer.error(
        call,
        ErrorCode.OperationFailed,
        ErrorDomain.Storage,
        "read error",
        PacketType.Stream,
      );
    });
    const sink = collector();
    const err = await rejection(
      downloadStream(conn as Connection, Procedure.StorageVolDownload, args, sink),
    );
    expect(err).toMatchObject({ name: "LibvirtError", code: ErrorCode.OperationFailed });
    expect(sink.items).toEqual(["data:abc"]);
    expect(conn?.pendingCount).toBe(0);
    await expect(hostname()).resolves.toBe("still here");
  });

  test("the sink fails: abort, data still in flight is dropped, the answer consumed", async () => {
    const seen = await start((call, peer) => {
      for (let i = 0; i < 5; i++) peer.stream(call, PacketStatus.Continue, Buffer.from(`x${i}`));
    });
    const err = await rejection(
      downloadStream(conn as Connection, Procedure.StorageVolDownload, args, collector(2)),
    );
    expect(err.message).toBe("disk full");
    await expect(hostname()).resolves.toBe("still here");
    expect(seen).toEqual(["abort"]);
    expect(conn?.pendingCount).toBe(0);
  });

  test.each([
    [
      "a hole that does not decode",
      (call: Packet, peer: Peer) =>
        peer.write(
          Buffer.concat([
            Buffer.from([0, 0, 0, 32]), // a 4-byte payload instead of 12
            Buffer.from(
              [call.header.program, 1, call.header.procedure, PacketType.StreamHole]
                .concat([call.header.serial, PacketStatus.Continue])
                .flatMap((v) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]),
            ),
            Buffer.alloc(4),
          ]),
        ),
      "a hole that does not decode",
    ],
    [
      "data after the end",
      (call: Packet, peer: Peer) => {
        peer.stream(call, PacketStatus.Continue);
        peer.stream(call, PacketStatus.Continue, Buffer.from("late"));
      },
      "data after the end of the stream",
    ],
  ])("%s: ProtocolError for this stream only", async (_what, misbehave, text) => {
    const seen = await start(misbehave);
    const err = await rejection(
      downloadStream(conn as Connection, Procedure.StorageVolDownload, args, collector()),
    );
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toContain(text);
    await expect(hostname()).resolves.toBe("still here");
    expect(seen).toContain("abort");
    expect(conn?.isOpen).toBe(true);
  });

  const CHUNK = 256 * 1024;
  /** A daemon whose download is `count` packets of CHUNK bytes, packet i's all i & 255. */
  const startPackets = (count: number): Promise<string[]> =>
    start((call, peer) => {
      for (let i = 0; i < count; i++)
        peer.stream(call, PacketStatus.Continue, Buffer.alloc(CHUNK, i));
      peer.stream(call, PacketStatus.Continue);
    });

  test("a slow sink: reading pauses while 16 MiB wait, and every byte arrives in order", async () => {
    const COUNT = 160; // 40 MiB
    await startPackets(COUNT);
    // Pieces come as they were read (any length): packet i's bytes are all i & 255.
    let pos = 0;
    let calls = 0;
    const sink: DownloadSink = {
      async data(chunk) {
        for (let at = 0; at < chunk.length;) {
          const packet = Math.floor((pos + at) / CHUNK);
          const end = Math.min(chunk.length, (packet + 1) * CHUNK - pos);
          expect(chunk.subarray(at, end).equals(Buffer.alloc(end - at, packet & 255))).toBe(true);
          at = end;
        }
        pos += chunk.length;
        if (++calls % 16 === 0) await new Promise((r) => setTimeout(r, 1));
      },
      hole() {
        throw new Error("no holes here");
      },
    };
    const n = await downloadStream(conn as Connection, Procedure.StorageVolDownload, args, sink);
    expect(n).toBe(CHUNK * COUNT);
    expect(pos).toBe(CHUNK * COUNT);
    await expect(hostname()).resolves.toBe("still here");
  });

  test("a sink taking many: what is queued comes in batches of at most 4 MiB, in order", async () => {
    const COUNT = 64; // 16 MiB
    await startPackets(COUNT);
    const batches: number[] = [];
    const got: Buffer[] = [];
    const sink: DownloadSink = {
      data() {
        throw new Error("dataMany is there");
      },
      async dataMany(pieces) {
        batches.push(pieces.reduce((n, p) => n + p.length, 0));
        got.push(...pieces.map((p) => Buffer.from(p)));
        await new Promise((r) => setTimeout(r, 5)); // a slow disk: packets queue meanwhile
      },
      hole() {
        throw new Error("no holes here");
      },
    };
    const n = await downloadStream(conn as Connection, Procedure.StorageVolDownload, args, sink);
    expect(n).toBe(CHUNK * COUNT);
    expect(Math.max(...batches)).toBeLessThanOrEqual(BATCH_BYTES);
    expect(batches.length).toBeLessThan(COUNT); // batched, not one call per packet
    const all = Buffer.concat(got);
    for (let i = 0; i < COUNT; i++)
      expect(all.subarray(i * CHUNK, (i + 1) * CHUNK).equals(Buffer.alloc(CHUNK, i))).toBe(true);
    await expect(hostname()).resolves.toBe("still here");
  });
});
