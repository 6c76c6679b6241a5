/**
 * Data streams of the remote protocol (virnetprotocol.x, "stream" section),
 * used by STORAGE_VOL_UPLOAD now and by STORAGE_VOL_DOWNLOAD and sparse
 * transfers later. A stream rides on one CALL's serial:
 *
 *   client: CALL                 daemon: REPLY OK (or REPLY ERROR: done)
 *   client: STREAM CONTINUE data × n     (no acknowledgements)
 *   client: STREAM OK (empty)    daemon: STREAM OK (or an ERROR)
 *
 * The daemon may report a failure at any point, as STREAM ERROR or REPLY
 * ERROR carrying remote_error. To abort, the client sends STREAM ERROR with
 * an empty payload; the daemon answers with an error for that serial, which
 * must still be consumed — an answer for a forgotten serial would look like
 * a protocol violation and take the whole connection down.
 *
 * Later additions slot in here: a `sendHole(length)` (STREAM_HOLE, status
 * CONTINUE, payload {hyper length; unsigned flags}) for sparse upload, and
 * an `onData` for incoming STREAM CONTINUE packets (download; an empty one
 * marks end of data, answered with STREAM OK).
 */
import type { ConnectionError } from "./errors";
import { ProtocolError, asError } from "./errors";
import type { Connection, Encoder, PendingHandler } from "./connection";
import { decodeError, decodeReply } from "./replies";
import { encodePacket, encodeRawPacket } from "./framing";
import type { Packet, PacketHeader } from "./framing";
import { PROGRAM_VERSION, PacketStatus, PacketType, Program, procedureName } from "./protocol";

type Phase = "call" | "data" | "finishing" | "aborted" | "done";

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

  private constructor(
    private readonly conn: Connection,
    readonly procedure: number,
  ) {}

  /** Sends the CALL and resolves once the daemon has accepted it (REPLY OK). */
  static async open(conn: Connection, procedure: number, args: Encoder): Promise<StreamCall> {
    const call = new StreamCall(conn, procedure);
    const accepted = call.wait();
    call.serial = conn.register(call, (serial) =>
      encodePacket(call.header(serial, PacketType.Call, PacketStatus.Ok), args),
    );
    await accepted;
    return call;
  }

  /** Sends one chunk of data; rejects if the daemon has reported an error meanwhile. */
  async sendData(data: Uint8Array): Promise<void> {
    this.check("data");
    const header = this.header(this.serial, PacketType.Stream, PacketStatus.Continue);
    await this.conn.send(encodeRawPacket(header, data));
  }

  /** Ends the data and waits for the daemon to confirm everything was written. */
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
    if (this.phase === "done" || this.phase === "aborted" || !this.conn.isOpen) return;
    this.phase = "aborted";
    this.conn.send(this.control(PacketStatus.Error)).catch(() => undefined);
  }

  onPacket(p: Packet): void {
    const { type, status } = p.header;
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
      return;
    }
    if (type === PacketType.Stream && status === PacketStatus.Ok && this.phase === "finishing") {
      this.settle(() => undefined);
      return;
    }
    // Abort first so the serial stays registered until the daemon's answer to the abort.
    this.abort();
    const what = `${procedureName(this.procedure)}: unexpected stream packet type ${type} status ${status}`;
    this.settle(() => {
      throw new ProtocolError("UNEXPECTED_PACKET", what);
    });
  }

  onClose(err: ConnectionError): void {
    this.phase = "done";
    this.failure ??= err;
    this.waiter?.reject(err);
    this.waiter = undefined;
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

export interface UploadOptions {
  /** Called after each chunk is handed to the transport, with the bytes sent so far. */
  onProgress?: (sent: number) => void;
}

/**
 * Runs a whole upload: opens the stream, sends every chunk of `source`, and
 * finishes. On any failure (the source throws, the daemon reports an error)
 * the stream is aborted and the error rethrown; the connection survives.
 */
export async function uploadStream(
  conn: Connection,
  procedure: number,
  args: Encoder,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: UploadOptions = {},
): Promise<void> {
  const call = await StreamCall.open(conn, procedure, args);
  let sent = 0;
  try {
    for await (const chunk of source) {
      if (chunk.length === 0) continue; // an empty CONTINUE would mean "end of data"
      await call.sendData(chunk);
      sent += chunk.length;
      opts.onProgress?.(sent);
    }
    await call.finish();
  } catch (err) {
    call.abort();
    throw err;
  }
}
