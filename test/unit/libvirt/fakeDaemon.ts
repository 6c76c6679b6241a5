/**
 * An in-process stand-in for libvirtd on a temporary unix socket, for tests
 * that need the daemon to misbehave in exact ways (oversized frames, unknown
 * serials, dying mid-packet). It parses our packets with the production
 * FrameDecoder and lets each test decide what to send back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrameDecoder, encodePacket, encodeRawPacket } from "../../../libvirt/framing";
import type { Packet, PacketHeader } from "../../../libvirt/framing";
import {
  AuthType,
  ErrorLevel,
  KEEPALIVE_VERSION,
  KeepaliveProcedure,
  PacketStatus,
  PacketType,
  Procedure,
  Program,
} from "../../../libvirt/protocol";
import type { XdrWriter } from "../../../libvirt/xdr";

export type Handler = (packet: Packet, peer: Peer) => void;

/** One client connection as the fake daemon sees it. */
export class Peer {
  readonly received: Packet[] = [];
  constructor(readonly socket: Socket) {}

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** REPLY OK to `call` with an XDR body. */
  reply(call: Packet, body?: (w: XdrWriter) => void): void {
    this.write(encodePacket(answer(call, PacketType.Reply, PacketStatus.Ok), body));
  }

  /** REPLY ERROR (or another type) carrying a remote_error. */
  error(
    call: Packet,
    code: number,
    domain: number,
    message: string,
    type: number = PacketType.Reply,
  ): void {
    this.write(
      encodePacket(answer(call, type, PacketStatus.Error), remoteError(code, domain, message)),
    );
  }

  /** A STREAM packet for `call`'s serial. */
  stream(call: Packet, status: number, data: Buffer = Buffer.alloc(0)): void {
    this.write(encodeRawPacket(answer(call, PacketType.Stream, status), data));
  }

  /** A STREAM_HOLE packet for `call`'s serial: {hyper length; unsigned flags}. */
  hole(call: Packet, length: bigint, flags = 0): void {
    const header = answer(call, PacketType.StreamHole, PacketStatus.Continue);
    this.write(
      encodePacket(header, (w) => {
        w.writeHyper(length);
        w.writeUint(flags);
      }),
    );
  }

  ping(): void {
    this.keepalive(KeepaliveProcedure.Ping);
  }

  pong(): void {
    this.keepalive(KeepaliveProcedure.Pong);
  }

  /** A MESSAGE of the remote program (an event), serial 0. */
  message(procedure: number, body: (w: XdrWriter) => void): void {
    const header: PacketHeader = {
      program: Program.Remote,
      version: 1,
      procedure,
      type: PacketType.Message,
      serial: 0,
      status: PacketStatus.Ok,
    };
    this.write(encodePacket(header, body));
  }

  private keepalive(procedure: number): void {
    const header: PacketHeader = {
      program: Program.Keepalive,
      version: KEEPALIVE_VERSION,
      procedure,
      type: PacketType.Message,
      serial: 0,
      status: PacketStatus.Ok,
    };
    this.write(encodePacket(header));
  }
}

/** True for a keepalive PING from the client. */
export function isPing(p: Packet): boolean {
  return p.header.program === Program.Keepalive && p.header.procedure === KeepaliveProcedure.Ping;
}

export function answer(call: Packet, type: number, status: number): PacketHeader {
  return { ...call.header, type, status };
}

export function remoteError(code: number, domain: number, message: string) {
  return (w: XdrWriter): void => {
    w.writeInt(code);
    w.writeInt(domain);
    w.writeOptional(message, (x, m) => x.writeString(m));
    w.writeInt(ErrorLevel.Error);
    w.writeUint(0); // dom
    w.writeUint(0); // str1
    w.writeUint(0); // str2
    w.writeUint(0); // str3
    w.writeInt(-1);
    w.writeInt(-1);
    w.writeUint(0); // net
  };
}

/**
 * Answers the handshake (AUTH_LIST → NONE, SUPPORTS_FEATURE → 1, CONNECT_OPEN,
 * CONNECT_CLOSE → ok and hang up) and keepalive PINGs (PONG), as libvirtd
 * does, and passes every other packet to `rest`.
 */
export function handshaking(rest: Handler): Handler {
  return (p, peer) => {
    if (isPing(p)) return peer.pong();
    if (p.header.type !== PacketType.Call) return rest(p, peer);
    switch (p.header.procedure) {
      case Procedure.AuthList:
        return peer.reply(p, (w) => w.writeArray([AuthType.None], (x, v) => x.writeInt(v)));
      case Procedure.ConnectSupportsFeature:
        return peer.reply(p, (w) => w.writeInt(1));
      case Procedure.ConnectOpen:
        return peer.reply(p);
      case Procedure.ConnectClose:
        peer.reply(p);
        peer.socket.end();
        return undefined;
      default:
        return rest(p, peer);
    }
  };
}

export class FakeDaemon {
  readonly peers: Peer[] = [];
  private readonly server: Server;
  private readonly dir: string;
  readonly path: string;
  private open = new Set<Socket>();

  private constructor(private handler: Handler) {
    this.dir = mkdtempSync(join(tmpdir(), "lv-fake-"));
    this.path = join(this.dir, "sock");
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(handler: Handler): Promise<FakeDaemon> {
    const d = new FakeDaemon(handler);
    await new Promise<void>((resolve) => d.server.listen(d.path, resolve));
    return d;
  }

  /** The same fake on 127.0.0.1 and a free TCP port instead of a unix socket. */
  static async startTcp(handler: Handler): Promise<FakeDaemon> {
    const d = new FakeDaemon(handler);
    await new Promise<void>((resolve) => d.server.listen(0, "127.0.0.1", resolve));
    return d;
  }

  /** A URI whose unix transport reaches this fake. */
  get uri(): string {
    return `qemu:///system?socket=${this.path}`;
  }

  /** The TCP port of a fake started with startTcp. */
  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("not listening on tcp");
    return address.port;
  }

  setHandler(handler: Handler): void {
    this.handler = handler;
  }

  /** Client sockets the daemon still has open. */
  get openSockets(): number {
    return this.open.size;
  }

  /** Resolves once every client socket has closed (fails the test's timeout otherwise). */
  async allClosed(): Promise<void> {
    while (this.open.size > 0) await new Promise((r) => setTimeout(r, 5));
  }

  async stop(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private accept(socket: Socket): void {
    const peer = new Peer(socket);
    this.peers.push(peer);
    this.open.add(socket);
    socket.on("close", () => this.open.delete(socket));
    socket.on("error", () => undefined);
    const decoder = new FrameDecoder();
    socket.on("data", (chunk: Buffer) => {
      for (const p of decoder.push(chunk)) {
        peer.received.push(p);
        this.handler(p, peer);
      }
    });
  }
}
