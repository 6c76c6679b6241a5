/**
 * libvirt's keepalive protocol (src/rpc/virkeepaliveprotocol.x). Both are
 * MESSAGE packets with serial 0 and an empty payload:
 *
 * - answering: after CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE) the daemon
 *   sends PING to an idle client (every 5 s by default) and drops it after a
 *   few unanswered ones, so every PING gets a PONG;
 * - probing: like libvirt's own client (virKeepAliveStart with its default
 *   interval 5 s, count 5), we PING a peer that has been silent for an
 *   interval, and give up on it when nothing at all — PONG, reply or event —
 *   arrived for `count` more intervals. That is how a vanished peer is noticed
 *   when the byte stream itself stays open: a suspended laptop behind ssh, a
 *   frozen daemon, a dropped NAT mapping. Every pending call then fails.
 */
import type { Connection } from "./connection";
import { ConnectionError } from "./errors";
import { encodePacket } from "./framing";
import {
  KEEPALIVE_VERSION,
  KeepaliveProcedure,
  PacketStatus,
  PacketType,
  Program,
} from "./protocol";

export interface KeepaliveOptions {
  /** Silence (ms) after which we PING. libvirt's client default: 5 s. */
  intervalMs: number;
  /** Unanswered intervals after the first PING before the peer is declared dead. Default 5. */
  count: number;
}

export const DEFAULT_KEEPALIVE: KeepaliveOptions = { intervalMs: 5_000, count: 5 };

const message = (procedure: number): Buffer =>
  encodePacket({
    program: Program.Keepalive,
    version: KEEPALIVE_VERSION,
    procedure,
    type: PacketType.Message,
    serial: 0,
    status: PacketStatus.Ok,
  });

const PING = message(KeepaliveProcedure.Ping);
const PONG = message(KeepaliveProcedure.Pong);

/** Makes `conn` answer every PING with a PONG. */
export function answerKeepalive(conn: Connection): void {
  conn.onMessage(Program.Keepalive, KeepaliveProcedure.Ping, () => {
    if (conn.isOpen) conn.send(PONG).catch(() => undefined);
  });
}

/**
 * Starts probing the peer; stops by itself when the connection closes.
 * Returns a function that stops it earlier.
 */
export function startKeepalive(conn: Connection, opts: KeepaliveOptions): () => void {
  const { intervalMs, count } = opts;
  if (!(intervalMs > 0) || !Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `keepalive needs intervalMs > 0 and count >= 1, got ${intervalMs}/${count}`,
    );
  }
  // The PONG of our PING counts as "something arrived" (Connection.lastReceived).
  conn.onMessage(Program.Keepalive, KeepaliveProcedure.Pong, () => undefined);
  const deadAfter = intervalMs * (count + 1);
  let lastPing = 0;
  // Checking twice per interval keeps the detection within half an interval of the limit.
  const timer = setInterval(() => {
    if (!conn.isOpen) return stop();
    const silent = Date.now() - conn.lastReceived;
    if (silent >= deadAfter) {
      stop();
      const secs = (silent / 1000).toFixed(1);
      const msg = `${conn.description} sent nothing for ${secs} s (${count} keepalive pings unanswered)`;
      conn.abandon(new ConnectionError("keepalive", msg));
    } else if (silent >= intervalMs && Date.now() - lastPing >= intervalMs) {
      lastPing = Date.now();
      conn.send(PING).catch(() => undefined);
    }
  }, intervalMs / 2);
  // A connection alone must not keep the process alive (the provider exits when the engine is done).
  timer.unref();
  const unsubscribe = conn.onClose(() => stop());
  function stop(): void {
    clearInterval(timer);
    unsubscribe();
  }
  return stop;
}
