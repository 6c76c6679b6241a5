/**
 * libvirt's keepalive protocol (src/rpc/virkeepaliveprotocol.x): after
 * CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE) the daemon sends PING messages
 * to an idle client (every 5 s by default) and drops it after a few
 * unanswered ones, so every PING must get a PONG. Both are MESSAGE packets
 * with serial 0 and an empty payload.
 *
 * Only the answering side exists for now. The later keepalive-hardening
 * issue adds our own PINGs (to notice a peer that vanished without closing
 * the stream, e.g. a suspended laptop behind ssh) here, driven by
 * Connection.lastReceived.
 */
import type { Connection } from "./connection";
import { encodePacket } from "./framing";
import {
  KEEPALIVE_VERSION,
  KeepaliveProcedure,
  PacketStatus,
  PacketType,
  Program,
} from "./protocol";

const PONG = encodePacket({
  program: Program.Keepalive,
  version: KEEPALIVE_VERSION,
  procedure: KeepaliveProcedure.Pong,
  type: PacketType.Message,
  serial: 0,
  status: PacketStatus.Ok,
});

/** Makes `conn` answer every PING with a PONG. */
export function answerKeepalive(conn: Connection): void {
  conn.onMessage(Program.Keepalive, KeepaliveProcedure.Ping, () => {
    if (conn.isOpen) conn.send(PONG).catch(() => undefined);
  });
}
