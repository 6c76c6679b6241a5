/**
 * Data streams of the remote protocol (virnetprotocol.x, "stream" section),
 * used by STORAGE_VOL_UPLOAD and STORAGE_VOL_DOWNLOAD. A stream rides on
 * one CALL's serial:
 *
 *   upload    client: CALL                  daemon: REPLY OK (or REPLY ERROR: done)
 *             client: STREAM CONTINUE data / STREAM_HOLE {length} × n (no acks)
 *             client: STREAM OK (empty)     daemon: STREAM OK (or an ERROR)
 *   download  client: CALL                  daemon: REPLY OK
 *             daemon: STREAM CONTINUE data / STREAM_HOLE × n, then an empty CONTINUE
 *             client: STREAM OK (empty)     daemon: STREAM OK
 *
 * Holes (STREAM_HOLE, payload `{hyper length; unsigned flags}`) are only
 * allowed when the call carried the SPARSE_STREAM flag: the daemon drops the
 * whole connection otherwise.
 *
 * The daemon may report a failure at any point, as STREAM ERROR or REPLY
 * ERROR carrying remote_error. To abort, the client sends STREAM ERROR with
 * an empty payload; the daemon answers with an error for that serial, which
 * must still be consumed — an answer for a forgotten serial would look like
 * a protocol violation and take the whole connection down. Until then, data
 * the daemon had already sent is dropped.
 */
import type { ConnectionError } from "./errors";
import { ProtocolError, asError } from "./errors";
import type { Connection, Encoder, PendingHandler } from "./connection";
import { decodeError, decodeReply } from "./replies";
import { encodePacket, encodeRawHeader, encodeRawPacket, payloadPieces } from "./framing";
import { piecesLength } from "./pieces";
import type { Packet, PacketHeader } from "./framing";
import { PROGRAM_VERSION, PacketStatus, PacketType, Program, procedureName } from "./protocol";
import { XdrReader } from "./xdr";
import { traceCall } from "./trace";

type Phase = "call" | "data" | "finishing" | "aborted" | "done";

/**
 * A piece of a stream: bytes (one packet's, as the pieces they were read in:
 * pieces.ts), or a run of zeros that is not sent (sparse streams).
 */
export type StreamChunk = { data: readonly Buffer[]; bytes: number } | { hole: bigint };

/** Incoming data queued beyond this pauses reading from the transport until it drains. */
const RECEIVE_HIGH_WATER = 16 * 1024 * 1024;
const RECEIVE_LOW_WATER = 4 * 1024 * 1024;

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** The client's side of one streaming call. */
export class StreamCall implements PendingHandler {
  readonly program = Program.Remote;
  readonly version = PROGRAM_VERSION;
  private serial = 0;
  private phase: Phase = "call";
  private failure?: Error;
  private waiter?: Waiter;
  /** Download side: chunks received and not yet taken; null marks the end of the data. */
  private readonly incoming: (StreamChunk | null)[] = [];
  private queuedBytes = 0;
  private paused = false;

  private constructor(
    private readonly conn: Connection,
    readonly procedure: number,
    private readonly receiving: boolean,
  ) {}

  /**
   * Sends the CALL and resolves once the daemon has accepted it (REPLY OK).
   * `receiving` is true for downloads: the daemon will send the data.
   */
  static async open(
    conn: Connection,
    procedure: number,
    args: Encoder,
    receiving = false,
  ): Promise<StreamCall> {
    const call = new StreamCall(conn, procedure, receiving);
    traceCall(procedure);
    const accepted = call.wait();
    call.serial = conn.register(call, (serial) =>
      encodePacket(call.header(serial, PacketType.Call, PacketStatus.Ok), args),
    );
    await accepted;
    return call;
  }

  /**
   * Sends one chunk of data (copied into the packet at once: the caller may
   * reuse its buffer as soon as this returns a promise). Rejects if the daemon
   * has reported an error meanwhile.
   */
  async sendData(data: Uint8Array): Promise<void> {
    this.check("data");
    const header = this.header(this.serial, PacketType.Stream, PacketStatus.Continue);
    await this.conn.send(encodeRawPacket(header, data));
  }

  /**
   * Sends data packets without copying their bytes: each packet is the
   * concatenation of its pieces, and every piece must stay unchanged until
   * `written` is called (once the transport has taken all of them, or died).
   * Resolves like sendData().
   */
  async sendPackets(
    packets: readonly (readonly Uint8Array[])[],
    written: () => void,
  ): Promise<void> {
    try {
      this.check("data");
    } catch (err) {
      written();
      throw err;
    }
    const iov: Uint8Array[] = [];
    for (const pieces of packets) {
      const length = piecesLength(pieces);
      const header = this.header(this.serial, PacketType.Stream, PacketStatus.Continue);
      iov.push(encodeRawHeader(header, length), ...pieces);
    }
    await this.conn.sendPieces(iov, written);
  }

  /** Skips `length` bytes of zeros (sparse streams only). */
  async sendHole(length: bigint): Promise<void> {
    this.check("data");
    const header = this.header(this.serial, PacketType.StreamHole, PacketStatus.Continue);
    await this.conn.send(
      encodePacket(header, (w) => {
        w.writeHyper(length);
        w.writeUint(0); // flags: none defined
      }),
    );
  }

  /** The next chunk the daemon sent, or null once it marked the end of the data. */
  async receive(): Promise<StreamChunk | null> {
    for (;;) {
      // What arrived before a failure is still handed out, then the failure.
      if (this.incoming.length > 0) {
        const chunk = this.incoming.shift() ?? null;
        if (chunk !== null && "data" in chunk) this.drained(chunk.bytes);
        return chunk;
      }
      this.check("data");
      await this.wait();
    }
  }

  /**
   * The data already queued after the chunk last received, as long as it adds
   * up to at most `maxBytes`: taken without waiting (as receive() would hand
   * it out), stopping at a hole or the end of the data.
   */
  takeQueuedData(maxBytes: number): Buffer[] {
    const out: Buffer[] = [];
    let bytes = 0;
    for (;;) {
      const next = this.incoming[0];
      if (next === undefined || next === null || !("data" in next)) break;
      if (bytes + next.bytes > maxBytes) break;
      this.incoming.shift();
      out.push(...next.data);
      bytes += next.bytes;
    }
    if (bytes > 0) this.drained(bytes);
    return out;
  }

  /** Ends the stream (our data, or our acceptance of theirs) and waits for the daemon's OK. */
  async finish(): Promise<void> {
    this.check("data");
    this.phase = "finishing";
    const confirmed = this.wait();
    confirmed.catch(() => undefined); // observed below; avoid an unhandled rejection if send fails
    await this.conn.send(this.control(PacketStatus.Ok));
    await confirmed;
  }

  /** Abandons the transfer. The connection stays usable for other calls. */
  abort(): void {
    this.resumeIfPaused();
    if (this.phase === "done" || this.phase === "aborted" || !this.conn.isOpen) return;
    this.phase = "aborted";
    this.conn.send(this.control(PacketStatus.Error)).catch(() => undefined);
  }

  onPacket(p: Packet): void {
    const { type, status } = p.header;
    if (this.phase === "call" && this.receiving && status === PacketStatus.Continue) {
      // libvirtd's I/O thread may queue a download's first data before the call's reply (a
      // small volume is read at once): kept for receive(), as libvirt's own client does.
      if (type === PacketType.Stream || type === PacketType.StreamHole)
        return this.accept(p, false);
    }
    if (this.phase === "call") {
      this.phase = "data";
      this.settle(() => decodeReply(p, this.procedure)); // REPLY OK, or throws LibvirtError
      return;
    }
    const terminal =
      status === PacketStatus.Error ||
      (type === PacketType.Stream && status === PacketStatus.Ok && this.phase !== "data");
    if (this.phase === "aborted") {
      if (terminal) this.end();
      return;
    }
    if (status === PacketStatus.Error) {
      this.settle(() => {
        throw decodeError(p, this.procedure);
      });
    } else if (
      type === PacketType.Stream &&
      status === PacketStatus.Ok &&
      this.phase === "finishing"
    ) {
      this.settle(() => undefined);
    } else if (this.receiving && this.phase === "data" && status === PacketStatus.Continue) {
      this.accept(p);
    } else {
      this.violation(`unexpected stream packet type ${type} status ${status}`);
    }
  }

  onClose(err: ConnectionError): void {
    this.phase = "done";
    this.failure ??= err;
    this.waiter?.reject(err);
    this.waiter = undefined;
  }

  /** Queues an incoming data, hole or end-of-data packet for receive() (woken unless `wake` is false). */
  private accept(p: Packet, wake = true): void {
    if (this.incoming.at(-1) === null) return this.violation("data after the end of the stream");
    if (p.header.type === PacketType.StreamHole) {
      let length: bigint;
      try {
        const r = new XdrReader(p.payload);
        length = r.readHyper();
        r.readUint(); // flags
        r.expectEnd();
      } catch (err) {
        return this.violation(`a hole that does not decode: ${asError(err).message}`);
      }
      if (length < 0n) return this.violation(`a hole of negative length ${length}`);
      this.incoming.push({ hole: length });
    } else if (p.header.type === PacketType.Stream) {
      const data = payloadPieces(p);
      const bytes = piecesLength(data);
      this.incoming.push(bytes === 0 ? null : { data, bytes });
      this.queuedBytes += bytes;
      if (this.queuedBytes > RECEIVE_HIGH_WATER && !this.paused) {
        this.paused = true;
        this.conn.pauseReading();
      }
    } else {
      return this.violation(`unexpected packet type ${p.header.type} in a download`);
    }
    if (wake) this.settle(() => undefined);
  }

  private drained(bytes: number): void {
    this.queuedBytes -= bytes;
    if (this.queuedBytes < RECEIVE_LOW_WATER) this.resumeIfPaused();
  }

  private resumeIfPaused(): void {
    if (!this.paused) return;
    this.paused = false;
    this.conn.resumeReading();
  }

  /** The daemon broke the stream protocol: abort this stream (the connection survives). */
  private violation(what: string): void {
    // Abort first so the serial stays registered until the daemon's answer to the abort.
    this.abort();
    const msg = `${procedureName(this.procedure)}: ${what}`;
    this.settle(() => {
      throw new ProtocolError("UNEXPECTED_PACKET", msg);
    });
  }

  /** Runs `outcome`; a throw fails the stream. Resolves or rejects whoever waits. */
  private settle(outcome: () => unknown): void {
    let error: Error | undefined;
    try {
      outcome();
    } catch (err) {
      error = asError(err);
    }
    const waiter = this.waiter;
    this.waiter = undefined;
    if (error !== undefined) {
      this.failure ??= error;
      if (this.phase !== "aborted") this.end();
      waiter?.reject(error);
    } else {
      if (this.phase === "finishing") this.end();
      waiter?.resolve();
    }
  }

  private end(): void {
    this.phase = "done";
    this.resumeIfPaused();
    this.conn.release(this.serial);
  }

  private check(expected: Phase): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.phase !== expected) {
      throw new ProtocolError("UNEXPECTED_PACKET", `stream is ${this.phase}, not ${expected}`);
    }
  }

  private wait(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private control(status: number): Buffer {
    return encodePacket(this.header(this.serial, PacketType.Stream, status));
  }

  private header(serial: number, type: number, status: number): PacketHeader {
    const { program, version, procedure } = this;
    return { program, version, procedure, type, serial, status };
  }
}
