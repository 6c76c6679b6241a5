import { Duplex } from "node:stream";
import { LibvirtClient } from "../../../libvirt/client";
import { Connection } from "../../../libvirt/connection";
import { ConnectionError, LibvirtError, ProtocolError, isNotFound } from "../../../libvirt/errors";
import { encodePacket } from "../../../libvirt/framing";
import {
  AuthType,
  ErrorCode,
  ErrorDomain,
  KeepaliveProcedure,
  MAX_MESSAGE_SIZE,
  PacketStatus,
  PacketType,
  Procedure,
  Program,
} from "../../../libvirt/protocol";
import { connectUnixPath } from "../../../libvirt/transports/unix";
import { decodeString, encodeString } from "../../../libvirt/types";
import { FakeDaemon, answer, handshaking } from "./fakeDaemon";
import type { Handler } from "./fakeDaemon";
import { rejection } from "./helpers";

let daemon: FakeDaemon | undefined;
const conns: Connection[] = [];

async function start(handler: Handler): Promise<{ d: FakeDaemon; conn: Connection }> {
  const d = await FakeDaemon.start(handler);
  daemon = d;
  const conn = new Connection(await connectUnixPath(d.path));
  conns.push(conn);
  return { d, conn };
}

afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.close()));
  if (daemon !== undefined) {
    await daemon.allClosed(); // no leaked sockets: every client socket got closed
    await daemon.stop();
    daemon = undefined;
  }
});

const echoName = (serial: number) => (w: Parameters<typeof encodeString>[0]) =>
  encodeString(w, `call-${serial}`);

describe("calls", () => {
  test("16 concurrent calls, answered in reverse order, each get their own reply", async () => {
    const held: Parameters<Handler>[] = [];
    const { conn } = await start((p, peer) => {
      held.push([p, peer]);
      if (held.length === 16) {
        for (const [call, pr] of held.reverse()) {
          pr.reply(call, (w) => encodeString(w, `reply-${call.header.serial}`));
        }
      }
    });
    const results = await Promise.all(
      Array.from({ length: 16 }, () =>
        conn.call(Procedure.ConnectGetHostname, undefined, decodeString),
      ),
    );
    expect(results).toEqual(Array.from({ length: 16 }, (_, i) => `reply-${i + 1}`));
    expect(conn.pendingCount).toBe(0);
  });

  test("an ERROR reply rejects that call with a LibvirtError; the connection stays usable", async () => {
    const { conn } = await start((p, peer) => {
      if (p.header.procedure === Procedure.DomainLookupByName) {
        peer.error(p, ErrorCode.NoDomain, ErrorDomain.Qemu, "Domain not found: x");
      } else {
        peer.reply(p, (w) => encodeString(w, "host"));
      }
    });
    const err = await rejection(conn.call(Procedure.DomainLookupByName, echoName(1)));
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err).toMatchObject({
      code: ErrorCode.NoDomain,
      domain: ErrorDomain.Qemu,
      message: "Domain not found: x",
    });
    expect(isNotFound(err)).toBe(true);
    await expect(conn.call(Procedure.ConnectGetHostname, undefined, decodeString)).resolves.toBe(
      "host",
    );
  });

  test("a reply that does not decode rejects with ProtocolError; the connection stays usable", async () => {
    const { conn } = await start((p, peer) => {
      if (p.header.procedure === Procedure.ConnectGetHostname)
        peer.reply(p, (w) => w.writeUint(99)); // length 99, no bytes
      else peer.reply(p, (w) => w.writeUhyper(5n));
    });
    const err = await rejection(conn.call(Procedure.ConnectGetHostname, undefined, decodeString));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: "BAD_PAYLOAD" });
    expect(err.message).toContain("ConnectGetHostname");
    // Trailing bytes are a mismatch too.
    const extra = await rejection(
      conn.call(Procedure.ConnectGetVersion, undefined, (r) => r.readUint()),
    );
    expect(extra).toMatchObject({ code: "BAD_PAYLOAD" });
    await expect(
      conn.call(Procedure.ConnectGetVersion, undefined, (r) => r.readUhyper()),
    ).resolves.toBe(5n);
  });

  test("arguments too large for the protocol are refused locally, nothing is sent", async () => {
    const { d, conn } = await start((p, peer) => peer.reply(p));
    const huge = Buffer.alloc(MAX_MESSAGE_SIZE);
    const err = await rejection(conn.call(Procedure.ConnectOpen, (w) => w.writeOpaque(huge)));
    expect(err).toMatchObject({ name: "ProtocolError", code: "FRAME_TOO_LARGE" });
    await expect(conn.call(Procedure.ConnectClose)).resolves.toBeUndefined();
    expect(d.peers[0]?.received.map((p) => p.header.procedure)).toEqual([Procedure.ConnectClose]);
  });

  test("answers a keepalive PING with a PONG, and keeps going", async () => {
    const { d, conn } = await start((p, peer) => {
      if (p.header.program === Program.Remote) {
        peer.ping();
        peer.reply(p);
      }
    });
    await conn.call(Procedure.ConnectOpen);
    await new Promise((r) => setTimeout(r, 20));
    const pong = d.peers[0]?.received.find((p) => p.header.program === Program.Keepalive);
    expect(pong?.header).toEqual({
      program: Program.Keepalive,
      version: 1,
      procedure: KeepaliveProcedure.Pong,
      type: PacketType.Message,
      serial: 0,
      status: PacketStatus.Ok,
    });
    expect(pong?.payload.length).toBe(0);
  });
});

describe("a misbehaving or dying daemon fails every pending call, and nothing hangs", () => {
  async function deathOf(misbehave: Handler): Promise<{ errs: Error[]; conn: Connection }> {
    let calls = 0;
    const { conn } = await start((p, peer) => {
      if (++calls === 3) misbehave(p, peer);
    });
    const closed = new Promise<ConnectionError>((resolve) => conn.onClose(resolve));
    const pending = [1, 2, 3].map(() =>
      rejection(conn.call(Procedure.ConnectGetHostname, undefined, decodeString)),
    );
    const errs = await Promise.all(pending);
    expect(await closed).toBe(errs[0]);
    expect(conn.isOpen).toBe(false);
    expect(conn.pendingCount).toBe(0);
    // Later calls fail at once with the same cause.
    expect(await rejection(conn.call(Procedure.ConnectGetHostname))).toBe(errs[0]);
    return { errs, conn };
  }

  test("an oversized length word", async () => {
    const { errs } = await deathOf((_p, peer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(MAX_MESSAGE_SIZE + 5);
      peer.write(len); // and then nothing: we must not wait for 32 MiB
    });
    for (const e of errs) {
      expect(e).toBeInstanceOf(ConnectionError);
      expect(e).toMatchObject({
        reason: "protocol",
        cause: { name: "ProtocolError", code: "FRAME_TOO_LARGE" },
      });
    }
  });

  test("a truncated frame, then the socket closes", async () => {
    const { errs } = await deathOf((p, peer) => {
      const full = encodePacket(answer(p, PacketType.Reply, PacketStatus.Ok), (w) =>
        encodeString(w, "hostname"),
      );
      peer.socket.end(full.subarray(0, full.length - 3));
    });
    expect(errs[0]).toMatchObject({ reason: "eof", cause: { code: "TRUNCATED_FRAME" } });
    expect(errs[0]?.message).toContain("in the middle of a packet");
  });

  test("a reply with a serial nobody waits for", async () => {
    const { errs } = await deathOf((p, peer) => {
      peer.write(encodePacket({ ...answer(p, PacketType.Reply, PacketStatus.Ok), serial: 4242 }));
    });
    expect(errs[0]).toMatchObject({ reason: "protocol", cause: { code: "UNKNOWN_SERIAL" } });
  });

  test("a CALL from the daemon", async () => {
    const { errs } = await deathOf((p, peer) =>
      peer.write(encodePacket(answer(p, PacketType.Call, 0))),
    );
    expect(errs[0]).toMatchObject({ reason: "protocol", cause: { code: "UNEXPECTED_PACKET" } });
  });

  test("a reply naming another program", async () => {
    const { errs } = await deathOf((p, peer) =>
      peer.write(
        encodePacket({ ...answer(p, PacketType.Reply, PacketStatus.Ok), program: Program.Qemu }),
      ),
    );
    expect(errs[0]).toMatchObject({ reason: "protocol", cause: { code: "UNEXPECTED_PROGRAM" } });
  });

  test("the daemon hangs up", async () => {
    const { errs } = await deathOf((_p, peer) => peer.socket.end());
    expect(errs[0]).toMatchObject({ reason: "eof" });
  });

  test("the transport reports an error", async () => {
    // Reads come only from emit(); writes go nowhere.
    const stream = new Duplex({ read: () => undefined, write: (_c, _e, done) => done() });
    const conn = new Connection({
      stream,
      description: "test stream",
      close: () => stream.destroy(),
    });
    const pending = rejection(conn.call(Procedure.ConnectGetHostname));
    stream.emit("error", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
    const err = await pending;
    expect(err).toMatchObject({ name: "ConnectionError", reason: "transport" });
    expect(err.message).toBe("test stream failed: read ECONNRESET");
    expect((err as ConnectionError).cause).toMatchObject({ code: "ECONNRESET" });
    expect(stream.destroyed).toBe(true);
  });
});

describe("close", () => {
  test("sends CONNECT_CLOSE, ends the socket, rejects later calls; idempotent", async () => {
    const { d, conn } = await start(handshaking(() => undefined));
    await Promise.all([conn.close(), conn.close()]);
    expect(d.peers[0]?.received.map((p) => p.header.procedure)).toEqual([Procedure.ConnectClose]);
    await d.allClosed();
    const err = await rejection(conn.call(Procedure.ConnectGetHostname));
    expect(err).toMatchObject({ name: "ConnectionError", reason: "closed" });
  });

  test("a call in flight when close() starts is still answered or rejected, never left hanging", async () => {
    const { conn } = await start(handshaking(() => undefined)); // never answers the hostname call
    const inflight = rejection(conn.call(Procedure.ConnectGetHostname));
    await conn.close();
    expect(await inflight).toMatchObject({ reason: "closed" });
  });

  test("close() on a dead connection resolves", async () => {
    const { d, conn } = await start(() => undefined);
    d.peers[0]?.socket.destroy();
    await new Promise((resolve) => conn.onClose(resolve));
    await expect(conn.close()).resolves.toBeUndefined();
  });
});

describe("LibvirtClient.connect against the fake daemon", () => {
  test("performs AUTH_LIST, SUPPORTS_FEATURE(keepalive), CONNECT_OPEN with the remote name", async () => {
    const d = await FakeDaemon.start(handshaking(() => undefined));
    daemon = d;
    const client = await LibvirtClient.connect(`${d.uri}&extra=1`, { readOnly: true });
    const [auth, feature, open] = d.peers[0]?.received ?? [];
    expect([auth, feature, open].map((p) => p?.header.procedure)).toEqual([
      Procedure.AuthList,
      Procedure.ConnectSupportsFeature,
      Procedure.ConnectOpen,
    ]);
    expect(feature?.payload.toString("hex")).toBe("0000000a");
    // remote_string "qemu:///system?extra=1" (socket= stripped), flags VIR_CONNECT_RO.
    const name = "qemu:///system?extra=1";
    expect(open?.payload.toString("hex")).toBe(
      `00000001${name.length.toString(16).padStart(8, "0")}${Buffer.from(name).toString("hex")}0000` +
        "00000001",
    );
    await client.close();
  });

  test("a daemon that only offers SASL is refused with reason auth, and the socket is closed", async () => {
    const d = await FakeDaemon.start((p, peer) => {
      if (p.header.procedure === Procedure.AuthList)
        peer.reply(p, (w) => w.writeArray([AuthType.Sasl], (x, v) => x.writeInt(v)));
      else peer.reply(p);
    });
    daemon = d;
    const err = await rejection(LibvirtClient.connect(d.uri));
    expect(err).toMatchObject({ name: "ConnectionError", reason: "auth" });
  });

  test("POLKIT: calls AUTH_POLKIT before opening", async () => {
    // AUTH_LIST answers POLKIT; AUTH_POLKIT answers complete=1; the rest as usual.
    const rest = handshaking((p, peer) => peer.reply(p, (w) => w.writeInt(1)));
    const d = await FakeDaemon.start((p, peer) =>
      p.header.procedure === Procedure.AuthList
        ? peer.reply(p, (w) => w.writeArray([AuthType.Polkit], (x, v) => x.writeInt(v)))
        : rest(p, peer),
    );
    daemon = d;
    const client = await LibvirtClient.connect(d.uri);
    expect(d.peers[0]?.received.map((p) => p.header.procedure)).toEqual([
      Procedure.AuthList,
      Procedure.AuthPolkit,
      Procedure.ConnectSupportsFeature,
      Procedure.ConnectOpen,
    ]);
    await client.close();
  });

  test("POLKIT refusing: ConnectionError(auth) with the daemon's error as cause", async () => {
    const d = await FakeDaemon.start((p, peer) => {
      if (p.header.procedure === Procedure.AuthList) {
        peer.reply(p, (w) => w.writeArray([AuthType.Polkit], (x, v) => x.writeInt(v)));
      } else if (p.header.procedure === Procedure.AuthPolkit) {
        peer.error(p, ErrorCode.AuthFailed, ErrorDomain.Rpc, "authentication failed");
      }
    });
    daemon = d;
    const err = await rejection(LibvirtClient.connect(d.uri));
    expect(err).toMatchObject({ name: "ConnectionError", reason: "auth" });
    expect((err as ConnectionError).cause).toMatchObject({ code: ErrorCode.AuthFailed });
    expect(err.message).toContain("group libvirt");
  });

  test("no socket at the path: ConnectionError(connect) naming the path", async () => {
    const err = await rejection(
      LibvirtClient.connect("qemu:///system?socket=/nonexistent/libvirt-sock"),
    );
    expect(err).toMatchObject({ name: "ConnectionError", reason: "connect" });
    expect(err.message).toContain("/nonexistent/libvirt-sock");
  });

  test.each([
    ["qemu+tls://host/system", "transport", "transport tls is not supported"],
    ["qemu://host/system", "transport", "transport tls is not supported"],
    ["qemu+libssh2://host/system", "transport", "use qemu+ssh://"],
    ["qemu+ext:///system?command=/bin/x", "transport", "transport ext is not supported"],
    ["qemu+ssh:///system", "host", "the ssh transport needs a host"],
    ["qemu+tcp:///system", "host", "the tcp transport needs a host"],
    ["qemu+ssh://h/system?mode=direct", "mode", "mode=direct works only with the unix transport"],
    ["qemu+ssh://h/system?proxy=native&netcat=/bin/nc", "netcat", "cannot be combined"],
  ])("%s: LibvirtUriError naming the %s", async (uri, part, text) => {
    const err = await rejection(LibvirtClient.connect(uri));
    expect(err).toMatchObject({ name: "LibvirtUriError", part, uri });
    expect(err.message).toContain(text);
  });
});
