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
import { uploadStream } from "../../../libvirt/transfer";
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
