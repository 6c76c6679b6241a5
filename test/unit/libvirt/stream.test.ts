import { Connection } from "../../../libvirt/connection";
import { ConnectionError, LibvirtError } from "../../../libvirt/errors";
import type { Packet } from "../../../libvirt/framing";
import {
  ErrorCode,
  ErrorDomain,
  PacketStatus,
  PacketType,
  Procedure,
} from "../../../libvirt/protocol";
import { DATA_PACKET, uploadStream } from "../../../libvirt/transfer";
import type { UploadItem } from "../../../libvirt/transfer";
import { connectUnixPath } from "../../../libvirt/transports/unix";
import { decodeString, encodeString } from "../../../libvirt/types";
import { FakeDaemon } from "./fakeDaemon";
import type { Handler, Peer } from "./fakeDaemon";
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

/**
 * A daemon that accepts STORAGE_VOL_UPLOAD, collects the data, and lets the
 * test choose how the stream ends. Other calls get a hostname reply.
 */
async function uploadDaemon(opts: {
  onCall?: (call: Packet, peer: Peer) => boolean;
  onData?: (call: Packet, peer: Peer, received: number) => void;
  onFinish?: (call: Packet, peer: Peer) => void;
  onAbort?: (call: Packet, peer: Peer) => void;
}): Promise<{ data: Buffer[]; events: string[] }> {
  const data: Buffer[] = [];
  const events: string[] = [];
  let call: Packet | undefined;
  const handler: Handler = (p, peer) => {
    const { type, status, procedure } = p.header;
    if (type === PacketType.Call && procedure === Procedure.StorageVolUpload) {
      call = p;
      events.push("call");
      if (opts.onCall?.(p, peer) !== false) peer.reply(p);
    } else if (type === PacketType.Call) {
      peer.reply(p, (w) => encodeString(w, "still here"));
    } else if (type === PacketType.Stream && call !== undefined) {
      if (status === PacketStatus.Continue) {
        events.push("data");
        data.push(p.payload);
        opts.onData?.(call, peer, data.length);
      } else if (status === PacketStatus.Ok) {
        events.push("finish");
        (opts.onFinish ?? ((c, pr) => pr.stream(c, PacketStatus.Ok)))(call, peer);
      } else if (status === PacketStatus.Error) {
        events.push(`abort:${p.payload.length}`);
        // libvirtd answers an abort with a REPLY error "stream aborted at client request".
        (
          opts.onAbort ?? ((c, pr) => pr.error(c, ErrorCode.Rpc, ErrorDomain.Rpc, "stream aborted"))
        )(call, peer);
      }
    }
  };
  daemon = await FakeDaemon.start(handler);
  conn = new Connection(await connectUnixPath(daemon.path));
  return { data, events };
}

const args = (w: Parameters<typeof encodeString>[0]) => encodeString(w, "vol");

function* chunks(n: number, size: number, failAt?: number): Generator<Uint8Array> {
  for (let i = 0; i < n; i++) {
    if (i === failAt) throw new Error("disk read failed");
    yield Buffer.alloc(size, i);
  }
}

test("sends CALL, waits for REPLY, streams every chunk, finishes, and waits for STREAM OK", async () => {
  let release: () => void = () => undefined;
  const { data, events } = await uploadDaemon({
    onCall: (p, peer) => {
      release = () => peer.reply(p); // reply later: no data may flow before it
      return false;
    },
  });
  const progress: number[] = [];
  const done = uploadStream(conn as Connection, Procedure.StorageVolUpload, args, chunks(3, 1000), {
    onProgress: (n) => progress.push(n),
  });
  await new Promise((r) => setTimeout(r, 30));
  expect(events).toEqual(["call"]);
  release();
  await done;
  expect(events).toEqual(["call", "data", "data", "data", "finish"]);
  expect(Buffer.concat(data)).toEqual(Buffer.concat([0, 1, 2].map((i) => Buffer.alloc(1000, i))));
  expect(progress).toEqual([1000, 2000, 3000]);
  expect(conn?.pendingCount).toBe(0);
});

test("empty chunks are skipped (an empty CONTINUE would mean end of data)", async () => {
  const { data, events } = await uploadDaemon({});
  await uploadStream(conn as Connection, Procedure.StorageVolUpload, args, [
    Buffer.alloc(0),
    Buffer.from("x"),
  ]);
  expect(events).toEqual(["call", "data", "finish"]);
  expect(Buffer.concat(data).toString()).toBe("x");
});

test("the CALL is refused: LibvirtError, no stream packets, connection fine", async () => {
  const { events } = await uploadDaemon({
    onCall: (p, peer) => {
      peer.error(p, ErrorCode.NoStorageVol, ErrorDomain.Storage, "no vol");
      return false;
    },
  });
  const err = await rejection(
    uploadStream(conn as Connection, Procedure.StorageVolUpload, args, chunks(2, 10)),
  );
  expect(err).toBeInstanceOf(LibvirtError);
  expect(err).toMatchObject({ code: ErrorCode.NoStorageVol });
  expect(events).toEqual(["call"]);
  expect(conn?.pendingCount).toBe(0);
  await expect(conn?.call(Procedure.ConnectGetHostname, undefined, decodeString)).resolves.toBe(
    "still here",
  );
});

test.each([PacketType.Stream, PacketType.Reply])(
  "the daemon reports an error mid-stream (packet type %i): upload rejects, connection fine",
  async (type) => {
    await uploadDaemon({
      onData: (call, peer, n) => {
        if (n === 2)
          peer.error(call, ErrorCode.OperationFailed, ErrorDomain.Storage, "disk full", type);
      },
    });
    const slow = async function* (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 50; i++) {
        await new Promise((r) => setTimeout(r, 2));
        yield Buffer.alloc(100, i);
      }
    };
    const err = await rejection(
      uploadStream(conn as Connection, Procedure.StorageVolUpload, args, slow()),
    );
    expect(err).toMatchObject({
      name: "LibvirtError",
      code: ErrorCode.OperationFailed,
      message: "disk full",
    });
    expect(conn?.pendingCount).toBe(0);
    await expect(conn?.call(Procedure.ConnectGetHostname, undefined, decodeString)).resolves.toBe(
      "still here",
    );
  },
);

test("the source fails: STREAM ERROR (empty) aborts, the daemon's answer is consumed, connection fine", async () => {
  const { events } = await uploadDaemon({});
  const err = await rejection(
    uploadStream(conn as Connection, Procedure.StorageVolUpload, args, chunks(5, 10, 2)),
  );
  expect(err.message).toBe("disk read failed");
  // Another call round-trips after the abort's answer: had that answer hit an
  // unregistered serial, the connection would now be dead.
  await expect(conn?.call(Procedure.ConnectGetHostname, undefined, decodeString)).resolves.toBe(
    "still here",
  );
  expect(events).toEqual(["call", "data", "data", "abort:0"]);
  expect(conn?.pendingCount).toBe(0);
  expect(conn?.isOpen).toBe(true);
});

test("the daemon fails the finish: rejects with its error", async () => {
  await uploadDaemon({
    onFinish: (call, peer) =>
      peer.error(call, ErrorCode.OperationFailed, ErrorDomain.Storage, "fsync failed"),
  });
  const err = await rejection(
    uploadStream(conn as Connection, Procedure.StorageVolUpload, args, chunks(1, 10)),
  );
  expect(err).toMatchObject({ message: "fsync failed" });
  expect(conn?.pendingCount).toBe(0);
});

test("the connection dies mid-upload: ConnectionError", async () => {
  await uploadDaemon({ onData: (_c, peer) => peer.socket.destroy() });
  const endless = async function* (): AsyncGenerator<Uint8Array> {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1));
      yield Buffer.alloc(64 * 1024);
    }
  };
  const err = await rejection(
    uploadStream(conn as Connection, Procedure.StorageVolUpload, args, endless()),
  );
  expect(err).toBeInstanceOf(ConnectionError);
});

describe("lent data (sent without a copy)", () => {
  /** Lent pieces of the given sizes, each filled with its index; records releases. */
  function lent(sizes: number[]) {
    const released: number[] = [];
    const items = sizes.map((n, i) => ({
      lent: Buffer.alloc(n, i + 1),
      release: () => released.push(i),
    }));
    return { items, released, bytes: Buffer.concat(items.map((i) => i.lent)) };
  }

  test("cut into packets of exactly DATA_PACKET bytes across pieces; all released", async () => {
    const { data, events } = await uploadDaemon({});
    const { items, released, bytes } = lent([100_000, 300_000, 0, 200_000, 5]);
    await uploadStream(conn as Connection, Procedure.StorageVolUpload, args, items);
    expect(data.map((d) => d.length)).toEqual([
      DATA_PACKET,
      DATA_PACKET,
      bytes.length - 2 * DATA_PACKET,
    ]);
    expect(Buffer.concat(data).equals(bytes)).toBe(true);
    expect(events.at(-1)).toBe("finish");
    expect([...released].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  test("a piece is released only once the packet with its last byte is written", async () => {
    await uploadDaemon({});
    const { items, released } = lent([10, DATA_PACKET, 20]);
    const seenBefore: number[][] = [];
    const source = async function* (): AsyncGenerator<UploadItem> {
      for (const item of items) {
        seenBefore.push([...released]);
        yield item;
        await new Promise((r) => setTimeout(r, 20)); // let the socket write what was sent
      }
    };
    await uploadStream(conn as Connection, Procedure.StorageVolUpload, args, source());
    // Piece 0 and the head of piece 1 fill the first packet: piece 0 is then written, but
    // piece 1's last 10 bytes wait (with piece 2) for the end.
    expect(seenBefore).toEqual([[], [], [0]]);
    expect([...released].sort()).toEqual([0, 1, 2]);
  });

  test("a plain chunk ends the packet begun; order is kept", async () => {
    const { data } = await uploadDaemon({});
    const items: UploadItem[] = [
      { lent: Buffer.from("ab"), release: () => undefined },
      Buffer.from("cde"),
      { lent: Buffer.from("f"), release: () => undefined },
    ];
    await uploadStream(conn as Connection, Procedure.StorageVolUpload, args, items);
    expect(data.map((d) => d.toString())).toEqual(["ab", "cde", "f"]);
  });

  test("the source fails with a packet begun: its pieces are released, the stream aborted", async () => {
    const { events } = await uploadDaemon({});
    const { items, released } = lent([10, 20]);
    const source = function* (): Generator<UploadItem> {
      yield* items;
      throw new Error("disk read failed");
    };
    const err = await rejection(
      uploadStream(conn as Connection, Procedure.StorageVolUpload, args, source()),
    );
    expect(err.message).toBe("disk read failed");
    expect([...released].sort()).toEqual([0, 1]);
    await new Promise((r) => setTimeout(r, 20)); // the abort reaches the daemon
    expect(events).toEqual(["call", "abort:0"]);
    expect(conn?.isOpen).toBe(true);
  });
});
